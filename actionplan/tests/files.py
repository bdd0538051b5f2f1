"""Helpers of the tests of stored files (proposal attachments, evidence files)."""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import subprocess
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from actionplan.files import PARTIAL_PREFIX


def a_folder_that_cannot_be_created(tmp_path: Path) -> Path:
    """A folder no one can create, whoever runs the test (root included): its parent is a file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    return blocker / "folder"


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@contextlib.contextmanager
def small_filesystem_at(folder: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted on ``folder``, for a full disk (needs root and mount rights: the
    test is skipped without them)."""
    mount = shutil.which("mount")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a small file system needs root")
    made = subprocess.run(  # noqa: S603 - fixed arguments and a folder of this test
        [mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)  # noqa: S603, S607


def assert_the_sweep_keeps_only_files_with_a_row(folder: Path, kept: Path, content: bytes) -> None:
    """Beside ``kept`` (a file its row points to), a temporary file of a crashed transaction
    and a file without a row, both two hours old, and a young temporary file: `sweep-files`
    removes the two old ones only."""
    crashed = folder / "2026" / "05" / f"{PARTIAL_PREFIX}abc"
    orphan = folder / "2026" / "05" / "0123456789abcdef.pdf"
    young = folder / "2026" / "05" / f"{PARTIAL_PREFIX}young"
    for path in (crashed, orphan, young):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    two_hours_ago = (
        datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(hours=2)
    ).timestamp()
    for path in (crashed, orphan, kept):
        os.utime(path, (two_hours_ago, two_hours_ago))
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert out.getvalue().strip() == "removed 2 file(s) without a row"
    assert kept.exists() and young.exists()
    assert not crashed.exists() and not orphan.exists()
