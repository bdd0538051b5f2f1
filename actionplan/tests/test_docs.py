"""The README is the user's manual: every setting must be in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Any strict helper (env_str, env_url …): a new one must not hide its variables from this test.
ENV_READ = re.compile(r"\benv_[a-z]+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def settings_variables() -> set[str]:
    source = (ROOT / "actionplan" / "settings.py").read_text(encoding="utf-8")
    return set(ENV_READ.findall(source))


def test_settings_reads_variables_at_all() -> None:
    # Guards the regular expression: if it stopped matching, the test below would pass vacuously.
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "PLAN_SOURCE_URL"} <= settings_variables()


def test_every_setting_variable_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in settings_variables() if f"`{name}`" not in readme)
    assert undocumented == [], (
        f"settings read by settings.py but missing in README.md: {undocumented}"
    )
