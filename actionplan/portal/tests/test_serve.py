"""`actionplan serve` runs threaded gunicorn workers, which keep visitors' connections alive."""

from __future__ import annotations

from typing import Any

import pytest

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
    assert config.worker_class_str == "gthread"
    expected = 1 if connections["default"].vendor == "sqlite" else 2
    assert config.threads == expected
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


def test_serve_refuses_zero_threads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--threads", "0"])
    assert "--threads" in capsys.readouterr().err
