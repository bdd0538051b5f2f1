"""A command that is not in the README does not exist for its users."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(
    path.stem
    for path in ROOT.glob("actionplan/*/management/commands/*.py")
    if not path.stem.startswith("_")
)


def test_commands_are_found_at_all() -> None:
    # Guards the glob: if it stopped matching, the test below would have nothing to check.
    assert {"import", "export", "reindex"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    spelled = f"actionplan {command.replace('_', '-')}"
    assert spelled in README or f"actionplan {command}" in README, f"{spelled} not in README.md"
