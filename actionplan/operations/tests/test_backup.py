"""actionplan backup / restore on the configured database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from actionplan.partnerships import actions as desk
from actionplan.partnerships.models import Attachment, Proposal
from actionplan.partnerships.tests.conftest import PDF, proposal_input
from actionplan.plans.models import Action, PlanVersion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folders(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROPOSAL_ATTACHMENT_ROOT = tmp_path / "media" / "private" / "proposals"
    return tmp_path


def wipe_database() -> None:
    """An empty database, as a new server's would be."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        empty = sqlite3.connect(":memory:")
        empty.backup(connection.connection)
        empty.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_and_restore_bring_back_every_record_and_file(
    plan_version: PlanVersion, folders: Path
) -> None:
    submitted = desk.submit_proposal(proposal_input(), [SimpleUploadedFile("plan.pdf", PDF)])
    attachment = Attachment.objects.get(proposal=submitted.proposal)
    stored = Path(attachment.file.path)
    checksum = digest(stored)
    actions_before = Action.objects.count()

    out = call_command_output("backup", str(folders / "backup"))
    assert out.startswith(f"backup written to {folders / 'backup'}:")
    manifest = json.loads((folders / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"]["plans.Action"] == actions_before
    assert manifest["records"]["partnerships.HistoricalProposal"] >= 1
    relative = stored.relative_to(folders / "media").as_posix()
    assert manifest["files"][f"media/{relative}"]["sha256"] == checksum

    wipe_database()
    stored.unlink()
    out = call_command_output("restore", str(folders / "backup"))
    assert out.startswith("restored ")

    assert Action.objects.count() == actions_before
    restored = Proposal.objects.get(pk=submitted.proposal.pk)
    assert restored.email == submitted.proposal.email
    assert digest(Path(restored.attachments.get().file.path)) == checksum
    # Search works on the restored database: its index came back with it.
    from actionplan.search.queries import search

    assert search("水素").hits


def test_a_damaged_backup_is_refused_and_nothing_is_restored(
    plan_version: PlanVersion, folders: Path
) -> None:
    desk.submit_proposal(proposal_input(), [SimpleUploadedFile("plan.pdf", PDF)])
    call_command_output("backup", str(folders / "backup"))
    copy = next((folders / "backup" / "media").rglob("*.pdf"))
    original = copy.read_bytes()
    copy.write_bytes(original[:-1] + b"X")
    wipe_database()
    with pytest.raises(CommandError, match=rf"{copy}: damaged"):
        call_command_output("restore", str(folders / "backup"))
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []
    # Repaired, the same backup restores (and the test database is whole again).
    copy.write_bytes(original)
    assert call_command_output("restore", str(folders / "backup")).startswith("restored ")


def test_restore_refuses_a_database_that_is_not_empty(
    plan_version: PlanVersion, folders: Path
) -> None:
    call_command_output("backup", str(folders / "backup"))
    count = Action.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command_output("restore", str(folders / "backup"))
    assert Action.objects.count() == count


def test_backup_refuses_a_folder_that_is_not_empty(
    plan_version: PlanVersion, folders: Path
) -> None:
    target = folders / "backup"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError, match="not empty"):
        call_command_output("backup", str(target))
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_restore_refuses_a_folder_without_manifest(folders: Path) -> None:
    (folders / "empty").mkdir()
    with pytest.raises(CommandError, match="no manifest"):
        call_command_output("restore", str(folders / "empty"))


def call_command_output(*args: str) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
