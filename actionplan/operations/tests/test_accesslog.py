"""Tokens in URLs never reach the access log of `actionplan serve` or Django's request log."""

from __future__ import annotations

import datetime
import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from actionplan.cli import GunicornServer
from actionplan.operations.accesslog import AccessLogger, MaskSecretsFilter, mask_secrets

TOKEN = "q3ZfT0k3n-S3cr3t_abcdefghijklmnopqrstuvwxyz01"  # noqa: S105 - a made-up token


def access_line(path: str, query: str = "", referer: str = "-") -> str:
    """What gunicorn, configured as `actionplan serve` configures it, logs for a request."""
    config = Config()
    config.set("logger_class", "actionplan.operations.accesslog.AccessLogger")
    config.set("accesslog", "-")
    logger = config.logger_class(config)
    assert isinstance(logger, AccessLogger)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    raw_uri = path + (f"?{query}" if query else "")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "test",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    return stream.getvalue()


@pytest.mark.parametrize(
    "path",
    [
        f"/proposals/status/{TOKEN}/",
        f"/en/proposals/status/{TOKEN}/withdraw/",
        f"/accounts/invitations/{TOKEN}/",
        f"/accounts/reset/MQ/{TOKEN}/",
    ],
)
def test_tokens_in_paths_are_masked_in_the_access_log(path: str) -> None:
    line = access_line(path)
    assert "GET /" in line and " 200 " in line
    assert TOKEN not in line
    assert "***" in line


def test_tokens_in_query_strings_and_referrers_are_masked() -> None:
    line = access_line(
        "/api/v1/themes",
        query=f"token={TOKEN}&page=2",
        referer=f"https://x/proposals/status/{TOKEN}/",
    )
    assert TOKEN not in line
    assert "token=***&page=2" in line
    assert "/proposals/status/***/" in line


def test_other_paths_are_logged_as_they_are() -> None:
    line = access_line("/themes/life_science/", query="page=2")
    assert "GET /themes/life_science/?page=2 HTTP/1.1" in line


def test_serve_uses_the_masking_logger() -> None:
    captured: dict[str, object] = {}

    class Recorder(GunicornServer):
        def run(self) -> None:
            captured.update(self.options)

    from actionplan import cli

    original = cli.GunicornServer
    cli.GunicornServer = Recorder  # type: ignore[misc]
    try:
        cli.serve(["--port", "8129"])
    finally:
        cli.GunicornServer = original  # type: ignore[misc]
    assert captured["logger_class"] == "actionplan.operations.accesslog.AccessLogger"


def test_django_request_log_is_masked_too() -> None:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/proposals/status/{TOKEN}/",),
        None,
    )
    assert MaskSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /proposals/status/***/"
    assert mask_secrets("/accounts/invitations/abc/") == "/accounts/invitations/***/"


def test_each_atom_is_what_gunicorn_would_log_masked() -> None:
    """The line asks only for the atoms its format names; each is gunicorn's value, masked and
    quoted as gunicorn quotes it (compared with gunicorn's own atoms for every atom)."""
    from gunicorn.glogging import SafeAtoms

    atoms = "h l u t r s m U q H b B f a T D M L p".split()
    names = ["{referer}i", "{x-missing}i", "{content-type}o", "{raw_uri}e", "{Referer}i"]
    line_format = " ".join(f"%({atom})s" for atom in atoms + names) + " %(bad}x)s"
    config = Config()
    config.set("logger_class", "actionplan.operations.accesslog.AccessLogger")
    config.set("accesslog", "-")
    config.set("access_log_format", line_format)
    logger = config.logger_class(config)
    logger.now = lambda: "[06/Dec/2026:15:00:00 +0000]"
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    referer = f'https://x/proposals/status/{TOKEN}/?q="a"'
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/accounts/invitations/{TOKEN}/?token={TOKEN}",
        "PATH_INFO": f"/accounts/invitations/{TOKEN}/",
        "QUERY_STRING": f"token={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": 'agent "quoted"',
    }
    response = SimpleNamespace(
        status="404 Not Found", sent=0, headers=[("Content-Type", "text/html")]
    )
    request = SimpleNamespace(headers=[("REFERER", referer), ("HOST", "example.org")])
    took = datetime.timedelta(seconds=1, microseconds=2345)
    logger.access(response, request, environ, took)
    # The last line: pytest's capturing handler writes its own form of it first.
    line = stream.getvalue().rstrip("\n").splitlines()[-1]
    expected = line_format % SafeAtoms(logger.atoms(response, request, environ, took))
    assert line == expected
    assert TOKEN not in line
    assert "404 GET" in line and " 0 None " not in line
    assert 'agent \\"quoted\\"' in line and "text/html" in line and line.endswith(" -")
