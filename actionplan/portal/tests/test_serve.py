"""`actionplan serve` runs gunicorn's threaded workers, which keep visitors' connections alive
(with one thread, handling each request in the worker's main thread)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

from actionplan import cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    servers: list[Any] = []
    monkeypatch.setattr(cli.GunicornServer, "run", lambda self: servers.append(self))
    return servers


def test_serve_uses_threaded_workers_with_threads_by_database(started: list[Any]) -> None:
    """One thread per process on SQLite (a second one made the interpreter lock move between
    cores on every query), two on PostgreSQL (a request's query waits overlap another's work)."""
    from django.db import connections

    assert cli.main(["serve", "--port", "8999", "--workers", "3"]) == 0
    config = started[0].cfg
    expected = 1 if connections["default"].vendor == "sqlite" else 2
    assert config.threads == expected
    # One thread: the worker handles requests in its main thread, not through a pool.
    assert config.worker_class_str == (cli.INLINE_WORKER if expected == 1 else cli.THREAD_WORKER)
    assert config.workers == 3
    assert config.bind == ["127.0.0.1:8999"]


@pytest.mark.parametrize(("vendor", "threads"), [("sqlite", 1), ("postgresql", 2)])
def test_the_default_number_of_threads_follows_the_database(
    monkeypatch: pytest.MonkeyPatch, vendor: str, threads: int
) -> None:
    from django.db import connections

    monkeypatch.setattr(connections["default"], "vendor", vendor)
    assert cli.default_threads() == threads


def test_serve_takes_the_number_of_threads(started: list[Any]) -> None:
    cli.main(["serve", "--threads", "4"])
    assert started[0].cfg.threads == 4
    assert started[0].cfg.worker_class_str == cli.THREAD_WORKER
    assert started[0].cfg.worker_class.__name__ == "ThreadWorker"
    cli.main(["serve", "--threads", "1"])
    assert started[1].cfg.threads == 1
    assert started[1].cfg.worker_class.__name__ == "InlineThreadWorker"


def test_a_request_may_run_as_long_as_nginx_waits_for_it(started: list[Any]) -> None:
    """The inline worker tells the master it is alive between requests only: gunicorn's
    timeout (30 s by default) would restart it under a long request nginx still waits for."""
    cli.main(["serve", "--threads", "1"])
    conf = (settings.BASE_DIR / "deploy" / "nginx" / "actionplan.conf").read_text()
    waits = {int(s) for s in re.findall(r"proxy_read_timeout\s+(\d+)s;", conf)}
    assert waits == {started[0].cfg.timeout} == {cli.REQUEST_TIMEOUT}


def test_serve_refuses_zero_threads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--threads", "0"])
    assert "--threads" in capsys.readouterr().err
