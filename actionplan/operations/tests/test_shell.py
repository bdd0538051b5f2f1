"""`actionplan shell -c` prints the script's output and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_shell(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-m", "actionplan.cli", "shell", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_script_prints_only_its_own_output(tmp_path: Path) -> None:
    result = run_shell(tmp_path, "-c", "print(HistoricalProposal.__name__, Proposal.__name__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HistoricalProposal Proposal\n"
    assert "could not be automatically imported" not in result.stderr


def test_a_script_on_standard_input_prints_only_its_own_output(tmp_path: Path) -> None:
    result = run_shell(tmp_path, stdin="print(Action._meta.label)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "plans.Action\n"
