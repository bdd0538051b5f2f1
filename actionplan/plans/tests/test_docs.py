"""A command that is not in the README does not exist for its users."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(
    path.stem
    for app in ("plans", "opendata")
    for path in ROOT.glob(f"actionplan/{app}/management/commands/*.py")
    if not path.stem.startswith("_")
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    spelled = f"actionplan {command.replace('_', '-')}"
    assert spelled in README or f"actionplan {command}" in README, f"{spelled} not in README.md"
