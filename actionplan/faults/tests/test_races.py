"""Concurrent writers never get a 500 and no acknowledged write is lost, on SQLite and PostgreSQL.

Each backend gets a site of its own (a SQLite file, or a PostgreSQL cluster this test starts; see
``live.py``), prepared once for the module. The API's report creation is raced through the real
server (gunicorn, two processes of four threads); the other writes through their actions, in
threads with connections of their own (``races.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from . import live

pytestmark = [pytest.mark.slow, live.own_databases]
WRITERS = 8


@pytest.fixture(scope="module")
def races(site: tuple[live.Site, Path]) -> dict[str, Any]:
    prepared, _folder = site
    first, second = prepared.union_actions[-1], prepared.union_actions[-2]
    out = prepared.command(
        "shell", "-c", f"from actionplan.faults.tests.races import main; main({first}, {second})"
    )
    line = next(line for line in out.splitlines() if line.startswith("RACES "))
    return dict(json.loads(line.removeprefix("RACES ")))


def test_parallel_first_puts_of_a_report_get_one_201_and_409s(
    site: tuple[live.Site, Path],
) -> None:
    prepared, folder = site
    server = live.Server(prepared, folder)
    try:
        statuses: list[int] = []
        for action_id in prepared.union_actions[:4]:
            url = f"{server.base}/api/v1/progress/reports/{action_id}/2025/union"

            def put(i: int, url: str = url) -> live.Answer:
                payload = {
                    "revision": 0,
                    "status": "in_progress",
                    "percent": i + 1,  # 実施中 is 1–99 %
                    "narrative_ja": f"{i}",
                }
                return live.request(
                    url,
                    method="PUT",
                    body=json.dumps(payload).encode(),
                    headers={
                        "Authorization": f"Bearer {prepared.token}",
                        "Content-Type": "application/json",
                    },
                )

            with ThreadPoolExecutor(WRITERS) as pool:
                answers = list(pool.map(put, range(WRITERS)))
            counts = Counter(a.status for a in answers)
            assert counts == {201: 1, 409: WRITERS - 1}, [a.body[:200] for a in answers]
            assert all(a.json()["code"] == "conflict" for a in answers if a.status == 409)
            statuses += [a.status for a in answers]
            # The acknowledged write is the one stored.
            winner = next(a.json() for a in answers if a.status == 201)
            again = live.request(
                url,
                method="PUT",
                body=json.dumps({"revision": winner["revision"], **_same(winner)}).encode(),
                headers={
                    "Authorization": f"Bearer {prepared.token}",
                    "Content-Type": "application/json",
                },
            )
            assert again.status == 200
            assert again.json()["narrative_ja"] == winner["narrative_ja"]
        assert not [s for s in statuses if s >= 500]
    finally:
        server.stop()
    assert "Traceback" not in server.log()


def _same(report: dict[str, Any]) -> dict[str, Any]:
    return {k: report[k] for k in ("status", "percent", "narrative_ja")}


def test_racing_first_reports_give_one_report_and_conflicts(races: dict[str, Any]) -> None:
    outcomes, stored = races["report"]["outcomes"], races["report"]["stored"]
    assert Counter(outcomes) == {"ok": 1, "conflict": WRITERS - 1}, outcomes
    assert len(stored) == 1
    assert stored[0].startswith("writer ")


def test_two_sessions_applying_the_same_workbook_store_one_report(races: dict[str, Any]) -> None:
    outcomes, stored = races["workbook"]["outcomes"], races["workbook"]["stored"]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert "ok" in outcomes
    assert stored == [40]


def test_parallel_proposals_get_distinct_receipt_numbers(races: dict[str, Any]) -> None:
    outcomes, stored = races["receipt"]["outcomes"], races["receipt"]["stored"]
    assert outcomes == ["ok"] * WRITERS
    assert len(set(stored)) == len(stored) == WRITERS


def test_parallel_registrations_of_one_organization_give_one_row(races: dict[str, Any]) -> None:
    outcomes, stored = races["organization"]["outcomes"], races["organization"]["stored"]
    assert outcomes == ["ok"] * WRITERS
    assert len(stored) == 1


@pytest.mark.parametrize("name", ["cycle", "indicator"])
def test_parallel_upserts_store_one_row_and_answer_conflicts_cleanly(
    races: dict[str, Any], name: str
) -> None:
    outcomes, stored = races[name]["outcomes"], races[name]["stored"]
    assert set(outcomes) <= {"ok", "conflict"}, outcomes
    assert "ok" in outcomes
    assert len(stored) == 1


def test_parallel_api_tokens_are_all_created(races: dict[str, Any]) -> None:
    outcomes, stored = races["token"]["outcomes"], races["token"]["stored"]
    assert outcomes == ["ok"] * WRITERS
    assert len(set(stored)) == WRITERS


def test_parallel_assignments_store_one_writers_choice(races: dict[str, Any]) -> None:
    race = races["assignment"]
    assert set(race["outcomes"]) <= {"ok", "conflict"}, race["outcomes"]
    assert "ok" in race["outcomes"]
    assert race["one_choice"], race["stored"]
    assert len(race["stored"]) == len(set(race["stored"]))
