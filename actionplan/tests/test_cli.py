from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from actionplan.cli import collect_static_if_missing, main


def test_help_lists_serve_and_django_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "serve" in out
    assert "migrate" in out
    assert "createsuperuser" in out


def test_serve_help_shows_host_port_and_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--host" in out
    assert "--port" in out
    assert "--workers" in out


def test_serve_refuses_zero_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--workers", "0"])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_the_installed_command_passes_other_commands_to_django() -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-m", "actionplan.cli", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_serve_collects_static_files_when_debug_is_off_and_the_manifest_is_missing(
    settings: Any, tmp_path: Path
) -> None:
    # A STATIC_ROOT collected with DEBUG on holds the files but no manifest: with DEBUG off,
    # every page naming a static file was a 500 until collectstatic ran again.
    settings.STATIC_ROOT = tmp_path / "static"
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "leftover.css").write_text("body {}", encoding="utf-8")
    settings.STORAGES = PRODUCTION_STORAGES
    settings.DEBUG = False
    with pytest.raises(ValueError, match="manifest"):
        Client().get("/")  # even the 500 page names a static file
    assert collect_static_if_missing() is True
    assert (tmp_path / "static" / "staticfiles.json").exists()
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text("utf-8"))
    assert any(name.endswith(".css") for name in manifest["paths"])
    page = Client().get("/")
    assert page.status_code == 200
    assert manifest["paths"]["portal/portal.css"] in page.content.decode()
    # Once it is there, nothing is collected again.
    assert collect_static_if_missing() is False


def test_serve_collects_nothing_with_debug_on(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.DEBUG = True
    assert collect_static_if_missing() is False
    assert not (tmp_path / "static").exists()
