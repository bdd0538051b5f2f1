"""PostgreSQL stopped under load and started again: 503s of the right shape, no 500, recovery
without restarting the app. The cluster is the test's own (``live.PostgresCluster``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from actionplan.faults.classify import RETRY_AFTER_SECONDS

from . import live
from .outage import OutageRun, run_outage

pytestmark = [pytest.mark.slow, live.own_databases]


@pytest.fixture(scope="module")
def outage() -> Iterator[tuple[OutageRun, live.Server]]:
    with live.postgres_site() as (site, folder, cluster):
        server = live.Server(site, folder)
        try:
            yield run_outage(server, cluster, down=5.0), server
        finally:
            server.stop()


def test_no_request_gets_a_500_or_no_answer(outage: tuple[OutageRun, live.Server]) -> None:
    run, _server = outage
    statuses = run.statuses
    assert statuses[500] == 0, statuses
    assert statuses[0] == 0, statuses  # every request got an HTTP answer
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0, statuses


def test_every_answer_during_the_outage_is_a_503_of_the_right_shape(
    outage: tuple[OutageRun, live.Server],
) -> None:
    run, _server = outage
    during = run.during_outage()
    assert len(during) >= 20
    for sample in during:
        answer = sample.answer
        assert answer is not None
        if sample.path == "/healthz":
            assert answer.status == 200
            assert json.loads(answer.body) == {"status": "ok"}
            continue
        assert answer.status == 503, (sample.path, answer.status, answer.body[:300])
        assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        if sample.path.startswith("/api/"):
            assert answer.headers["Content-Type"] == "application/json"
            body = json.loads(answer.body)
            assert (body["status"], body["code"], body["field"]) == (503, "unavailable", None)
        else:
            page = answer.body.decode()
            assert answer.headers["Content-Type"].startswith("text/html")
            if sample.path.startswith("/en/"):
                assert '<html lang="en">' in page and "Temporarily unavailable" in page
            else:
                assert '<html lang="ja">' in page and "一時的にご利用いただけません" in page


def test_the_app_recovers_without_a_restart(outage: tuple[OutageRun, live.Server]) -> None:
    run, server = outage
    assert server.process.poll() is None  # the same server processes, still running
    assert run.recovery_seconds is not None
    assert run.recovery_seconds < 15
    after = [s for s in run.samples if s.sent > (run.recovered or 0)]
    assert after
    assert all(s.answer is not None and s.answer.status == 200 for s in after), [
        (s.path, s.answer.status if s.answer else None) for s in after
    ]


def test_the_outage_is_logged_in_a_few_lines(outage: tuple[OutageRun, live.Server]) -> None:
    run, server = outage
    log = server.log()
    outage_lines = [line for line in log.splitlines() if "unreachable" in line]
    assert outage_lines
    # Far fewer lines than failed requests: repeats are folded and counted.
    assert len(outage_lines) < run.statuses[503] / 2
    assert len(log.encode()) < 200_000
    assert "Internal Server Error" not in log


def test_readyz_is_ready_again(outage: tuple[OutageRun, live.Server]) -> None:
    _run, server = outage
    answer = live.request(server.base + "/readyz")
    assert answer.status == 200
    assert answer.json()["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}
