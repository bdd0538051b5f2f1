"""PostgreSQL stopped under load and started again: 503s of the right shape, no 500, recovery
without restarting the app. The cluster is the test's own (``live.PostgresCluster``); the cache is
Redis, as in production, so that public answers fetched before the outage are served from their
last good copy (200 with ``X-Served-Stale: 1``) while it lasts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from actionplan.faults.classify import RETRY_AFTER_SECONDS

from . import live
from .outage import URLS, OutageRun, is_stale, run_outage

pytestmark = [pytest.mark.slow, live.own_databases]

# Asked once while the database is down: two fetched by the clients before (stale copies), two
# never fetched (503).
FETCHED_BEFORE = ("/themes/", "/api/v1/themes")
NEVER_FETCHED = ("/themes/carbon_neutral/", "/api/v1/actions?limit=7")
# Search answers follow the index, not the data stamp: never cached, so never stale.
NEVER_STALE = frozenset({"/healthz", "/api/v1/search?q=%E6%B0%B4%E7%B4%A0"})


@pytest.fixture(scope="module")
def outage() -> Iterator[tuple[OutageRun, live.Server]]:
    with live.postgres_site() as (site, folder, cluster):
        server = live.Server(live.with_redis(site), folder)
        try:
            for path in FETCHED_BEFORE:  # whatever the warm-up reaches under load
                assert live.request(server.base + path).status == 200
            yield (
                run_outage(server, cluster, down=5.0, probes=FETCHED_BEFORE + NEVER_FETCHED),
                server,
            )
        finally:
            server.stop()


def test_no_request_gets_a_500_or_no_answer(outage: tuple[OutageRun, live.Server]) -> None:
    run, _server = outage
    statuses = run.statuses
    assert statuses[500] == 0, statuses
    assert statuses[0] == 0, statuses  # every request got an HTTP answer
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0, statuses


def assert_clean_503(path: str, answer: live.Answer) -> None:
    assert answer.status == 503, (path, answer.status, answer.body[:300])
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "X-Served-Stale" not in answer.headers
    if path.startswith("/api/"):
        assert answer.headers["Content-Type"] == "application/json"
        body = json.loads(answer.body)
        assert (body["status"], body["code"], body["field"]) == (503, "unavailable", None)
    else:
        page = answer.body.decode()
        assert answer.headers["Content-Type"].startswith("text/html")
        if path.startswith("/en/"):
            assert '<html lang="en">' in page and "Temporarily unavailable" in page
        else:
            assert '<html lang="ja">' in page and "一時的にご利用いただけません" in page


def assert_stale(path: str, answer: live.Answer) -> None:
    assert is_stale(answer), (path, answer.status, answer.headers)
    assert int(answer.headers["Age"]) >= 0
    assert answer.headers["Cache-Control"].startswith("max-age=0, stale-if-error=")
    if path.startswith("/api/"):
        assert json.loads(answer.body)  # the JSON the API answered before the outage
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
    else:
        assert "<html lang=" in answer.body.decode()


def test_every_answer_during_the_outage_is_a_stale_copy_or_a_503_of_the_right_shape(
    outage: tuple[OutageRun, live.Server],
) -> None:
    run, _server = outage
    during = run.during_outage()
    assert len(during) >= 20
    served_before = {
        s.path
        for s in run.samples
        if s.received < run.stop_began and s.answer is not None and s.answer.status == 200
    }
    for sample in during:
        answer = sample.answer
        assert answer is not None
        if sample.path == "/healthz":
            assert answer.status == 200
            assert json.loads(answer.body) == {"status": "ok"}
        elif sample.path in served_before and sample.path not in NEVER_STALE:
            assert_stale(sample.path, answer)
        else:
            assert_clean_503(sample.path, answer)
    assert {s.path for s in during if s.answer and is_stale(s.answer)} == (
        served_before & set(URLS)
    ) - NEVER_STALE


def test_a_page_fetched_before_is_served_stale_and_one_never_fetched_is_a_503(
    outage: tuple[OutageRun, live.Server],
) -> None:
    run, _server = outage
    for path in FETCHED_BEFORE:
        answer = run.probes[path]
        assert answer is not None
        assert_stale(path, answer)
    for path in NEVER_FETCHED:
        answer = run.probes[path]
        assert answer is not None
        assert_clean_503(path, answer)


def test_the_app_recovers_without_a_restart(outage: tuple[OutageRun, live.Server]) -> None:
    run, server = outage
    assert server.process.poll() is None  # the same server processes, still running
    assert run.recovery_seconds is not None
    assert run.recovery_seconds < 15
    after = [s for s in run.samples if s.sent > (run.recovered or 0)]
    assert after
    assert all(
        s.answer is not None and s.answer.status == 200 and not is_stale(s.answer) for s in after
    ), [(s.path, s.answer.status if s.answer else None) for s in after]


def test_the_outage_is_logged_in_a_few_lines(outage: tuple[OutageRun, live.Server]) -> None:
    run, server = outage
    log = server.log()
    outage_lines = [line for line in log.splitlines() if "unreachable" in line]
    assert outage_lines
    # Far fewer lines than failed requests: repeats are folded and counted.
    assert len(outage_lines) < (run.statuses[503] + run.stale) / 2
    assert len(log.encode()) < 200_000
    assert "Internal Server Error" not in log


def test_readyz_is_ready_again(outage: tuple[OutageRun, live.Server]) -> None:
    _run, server = outage
    answer = live.request(server.base + "/readyz")
    assert answer.status == 200
    assert answer.json()["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}
