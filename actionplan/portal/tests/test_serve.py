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


def test_serve_uses_two_threads_per_worker_by_default(started: list[Any]) -> None:
    assert cli.main(["serve", "--port", "8999", "--workers", "3"]) == 0
    config = started[0].cfg
    assert config.worker_class_str == "gthread"
    assert config.threads == 2
    assert config.workers == 3
    assert config.bind == ["127.0.0.1:8999"]


def test_serve_takes_the_number_of_threads(started: list[Any]) -> None:
    cli.main(["serve", "--threads", "4"])
    assert started[0].cfg.threads == 4


def test_serve_refuses_zero_threads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--threads", "0"])
    assert "--threads" in capsys.readouterr().err
