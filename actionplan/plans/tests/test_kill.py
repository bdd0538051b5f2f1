"""An importer killed at any moment (SIGKILL: no cleanup runs) leaves the current version intact,
and the import can simply be run again."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from actionplan.plans import models as m

from .documents import BUNDLED

ACTIONPLAN = str(Path(sys.executable).with_name("actionplan"))
KILLS = 4
MAX_ATTEMPTS = 10


def child_environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "actionplan.settings"}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    env["OPENDATA_ROOT"] = str(tmp_path / "opendata")
    return env


def run(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [ACTIONPLAN, *args], env=env, capture_output=True, check=True, text=True
    ).stdout


def versions(env: dict[str, str]) -> list[tuple[int, bool, int]]:
    """(number, is current, actions) of every version, as the child processes stored them."""
    if connection.vendor == "postgresql":
        return [
            (v.number, v.is_current, v.actions.count())
            for v in m.PlanVersion.objects.order_by("number")
        ]
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return list(
            db.execute(
                "SELECT v.number, v.is_current, (SELECT count(*) FROM plans_action a "
                "WHERE a.version_id = v.id) FROM plans_planversion v ORDER BY v.number"
            )
        )


def edition(tmp_path: Path, number: int) -> Path:
    """A new edition of the bundled plan: another date and one changed passage."""
    path = tmp_path / f"revised-{number}.txt"
    path.write_text(
        BUNDLED.read_text(encoding="utf-8")
        .replace("2025年11月改訂版", f"2026年{number + 1}月改訂版")
        .replace("社会受容性の向上", f"社会受容性の向上（第{number + 1}版）"),
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_importer_killed_at_random_points_leaves_the_current_version_intact(
    reference: None, tmp_path: Path
) -> None:
    env = child_environment(tmp_path)
    if connection.vendor != "postgresql":
        run(env, "migrate", "--verbosity", "0")
        run(env, "createcachetable")
    run(env, "import", str(BUNDLED))
    # A whole run of the work each attempt does (start-up, reading, staging, verification,
    # activation of a new edition), timed here rather than taken from the first import, whose
    # cost differs from an edition's.
    started = time.perf_counter()
    run(env, "import", str(edition(tmp_path, 0)))
    whole = time.perf_counter() - started
    rng = random.Random(7)  # noqa: S311 - a reproducible test, not a secret
    outcomes: list[str] = []
    current = 2
    attempt = 0
    # At least KILLS attempts, and more (up to MAX_ATTEMPTS) until one was killed at work: an
    # attempt that finished before its signal shortens the next one's wait, because the machine's
    # load makes any fixed wait too long on some runs.
    while attempt < KILLS or ("killed" not in outcomes and attempt < MAX_ATTEMPTS):
        attempt += 1
        # Each attempt imports a new edition, so that each one has work to do.
        revised = edition(tmp_path, attempt)
        child = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [ACTIONPLAN, "import", str(revised)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Mostly after start-up, while the import works.
        time.sleep(rng.uniform(0.3, 0.9) * whole)
        child.send_signal(signal.SIGKILL)
        child.wait()
        stored = versions(env)
        now = [number for number, is_current, _ in stored if is_current]
        # Exactly one current version: the one before, or the new one if it finished.
        assert len(now) == 1 and now[0] in (current, len(stored))
        # Whatever is stored is complete: every version has all its actions.
        assert all(count == 165 for _, _, count in stored)
        finished = now[0] != current
        outcomes.append("finished" if finished else "killed")
        if finished:
            whole *= 0.6
        current = now[0]
    # The last edition imported again: it is current, whatever happened to its first run.
    run(env, "import", str(revised))
    stored = versions(env)
    assert [number for number, is_current, _ in stored if is_current] == [len(stored)]
    assert stored[-1][2] == 165
    assert "killed" in outcomes, outcomes
