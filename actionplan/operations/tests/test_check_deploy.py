"""`actionplan check --deploy` is clean with the production settings the README gives."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ENV_FILE = Path(settings.BASE_DIR) / "deploy" / "actionplan.env"


def production_environment(tmp_path: Path) -> dict[str, str]:
    """deploy/actionplan.env with its placeholders filled in, as an administrator would."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "PYTHONPATH")
    }
    for number, line in enumerate(ENV_FILE.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition("=")
        assert separator and name.isupper(), f"{ENV_FILE}:{number}: not VARIABLE=value"
        env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return env


def test_the_env_file_is_documented_in_the_readme() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert "deploy/actionplan.env" in readme
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert f"`{line.partition('=')[0]}`" in readme, line


def test_check_deploy_prints_no_warning_with_the_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-m", "actionplan.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_without_them(tmp_path: Path) -> None:
    # The same check with the HTTPS settings left out: it must be the settings that silence it.
    env = production_environment(tmp_path)
    for name in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"):
        env.pop(name)
    env["SESSION_COOKIE_SECURE"] = "false"
    result = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-m", "actionplan.cli", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W008" in output and "security.W012" in output
