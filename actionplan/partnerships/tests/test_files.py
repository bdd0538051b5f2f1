"""Attachments follow the transaction: in place only once the proposal is committed; nothing
left behind by a rollback, a full disk or a read-only folder."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from actionplan import files
from actionplan.mail.models import OutgoingMail
from actionplan.partnerships import actions
from actionplan.partnerships.models import Attachment, Proposal
from actionplan.plans.models import PlanVersion
from actionplan.tests.files import (
    assert_the_sweep_keeps_only_files_with_a_row,
    small_filesystem_at,
    stored_files,
)

from .conftest import PDF, proposal_input, upload
from .test_views import form_data


def a_pdf_of(size: int) -> bytes:
    return PDF + b"%" + b"x" * size + b"\n"


def test_an_attachment_is_in_place_only_once_the_proposal_is_committed(
    plan_version: PlanVersion, private_folder: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as commit:
        proposal = actions.submit_proposal(proposal_input(), [upload("plan.pdf", PDF)]).proposal
    # Before the commit: only a synced temporary file, under no name a row points to.
    staged = stored_files(private_folder)
    assert [p.name.startswith(files.PARTIAL_PREFIX) for p in staged] == [True]
    for callback in commit:
        callback()
    attachment = proposal.attachments.get()
    assert stored_files(private_folder) == [Path(attachment.file.path)]
    assert attachment.file.read() == PDF


def test_a_failed_second_attachment_leaves_neither_row_nor_file(
    plan_version: PlanVersion, private_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = 0
    real_fsync = os.fsync

    def disk_full_on_second_file(descriptor: int) -> None:
        nonlocal written
        written += 1
        if written == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", disk_full_on_second_file)
    with pytest.raises(files.FilesNotStored):
        actions.submit_proposal(
            proposal_input(), [upload("a.pdf", PDF), upload("b.pdf", a_pdf_of(1000))]
        )
    assert not Proposal.objects.exists() and not Attachment.objects.exists()
    assert not OutgoingMail.objects.exists()
    assert stored_files(private_folder) == []


def test_a_read_only_folder_gives_the_proposer_a_clean_localized_answer(
    client: Client, plan_version: PlanVersion, private_folder: Path, monkeypatch: Any
) -> None:
    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    response = client.post(
        "/proposals/new/", {**form_data(), "attachments": [upload("plan.pdf", PDF)]}
    )
    assert response.status_code == 503 and response["Retry-After"] == "300"
    assert "添付ファイルをサーバーに保存できませんでした。" in response.content.decode()
    english = client.post(
        "/en/proposals/new/", {**form_data(), "attachments": [upload("plan.pdf", PDF)]}
    )
    assert "The attachments could not be stored on the server." in english.content.decode()
    assert "添付" not in english.content.decode()
    assert not Proposal.objects.exists() and stored_files(private_folder) == []


@pytest.fixture
def small_filesystem(private_folder: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted as the attachment folder (needs root and mount rights)."""
    with small_filesystem_at(private_folder) as folder:
        yield folder


def test_a_full_disk_leaves_no_file_no_row_and_no_full_disk(
    client: Client, plan_version: PlanVersion, small_filesystem: Path
) -> None:
    response = client.post(
        "/proposals/new/",
        {**form_data(), "attachments": [upload("a.pdf", PDF), upload("b.pdf", a_pdf_of(200_000))]},
    )
    assert response.status_code == 503
    assert not Proposal.objects.exists() and stored_files(small_filesystem) == []
    usage = shutil.disk_usage(small_filesystem)
    assert usage.used < usage.total // 4


def test_the_sweep_removes_files_without_a_row_and_keeps_the_others(
    submitted: actions.Submitted, private_folder: Path
) -> None:
    kept = Path(submitted.proposal.attachments.get().file.path)
    assert_the_sweep_keeps_only_files_with_a_row(private_folder, kept, PDF)
