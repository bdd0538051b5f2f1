"""Evidence files on reports: checked like proposal attachments (size, type by content), stored
like them (in place only once committed; a full disk or a read-only folder answers 503 and
leaves neither row nor file; the sweep removes files without a row), served only to signed-in
roles who may see the report, always as a download."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import EvidenceFile, ProgressReport, ReportingCycle, Status
from actionplan.tests.files import (
    assert_the_sweep_keeps_only_files_with_a_row,
    small_filesystem_at,
    stored_files,
)

from .conftest import YEAR, osaka

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(tmp_path: Path, settings: object) -> Path:
    settings.PROGRESS_EVIDENCE_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def draft(editor: User, action: Action) -> ProgressReport:
    report, _ = actions.save_report(
        editor, action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30), 0
    )
    return report


def test_editor_attaches_a_pdf_and_only_roles_download_it(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    kyoto_editor: User,
    reviewer: User,
    evidence_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = draft(osaka_editor, members_action)
    editor = client_for(osaka_editor)
    # The file is moved into place when the upload's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(
            f"/progress/reports/{report.pk}/evidence/",
            {"file": SimpleUploadedFile("実績.pdf", PDF, content_type="image/png")},
        )
    stored = EvidenceFile.objects.get()
    assert (stored.original_name, stored.content_type, stored.size) == (
        "実績.pdf",
        "application/pdf",
        len(PDF),
    )
    assert Path(stored.file.path).is_relative_to(evidence_root)
    assert stored.history.get().history_user == osaka_editor
    url = f"/progress/reports/{report.pk}/evidence/{stored.pk}/"
    assert url in editor.get(f"/progress/reports/{report.pk}/").content.decode()
    download = client_for(reviewer).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client_for(kyoto_editor).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to sign-in
    public = Client().get(f"/progress/public/actions/{members_action.pk}/").content.decode()
    assert "実績.pdf" not in public


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("script.pdf", b"#!/bin/sh\necho hi\n", "確認できません"),
        ("huge.pdf", PDF + b"0" * 2048, "大きすぎます"),
    ],
)
def test_files_that_are_not_documents_or_too_large_are_refused(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    settings: object,
    name: str,
    content: bytes,
    words: str,
) -> None:
    settings.PROPOSAL_MAX_ATTACHMENT_BYTES = 1024  # type: ignore[attr-defined]
    report = draft(osaka_editor, members_action)
    page = client_for(osaka_editor).post(
        f"/progress/reports/{report.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert words in page.content.decode()
    assert not EvidenceFile.objects.exists()


def test_no_file_on_a_submitted_report_or_in_a_closed_cycle(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = actions.submit_report(osaka_editor, draft(osaka_editor, members_action), 1)
    client_for(osaka_editor).post(
        f"/progress/reports/{report.pk}/evidence/", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert not EvidenceFile.objects.exists()
    report = actions.return_report(bureau_staff, report, 2, "資料を追加してください")
    actions.close_cycle(bureau_staff, cycle)
    client_for(osaka_editor).post(
        f"/progress/reports/{report.pk}/evidence/", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "資料のファイルをサーバーに保存できませんでした。ファイルは受け付けられていません。"),
        ("/en", "The file could not be stored on the server, so it has not been received."),
    ],
)
def test_a_read_only_folder_gives_a_clean_localized_503_and_stores_nothing(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    evidence_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    message: str,
) -> None:
    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    report = draft(osaka_editor, members_action)
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    response = client_for(osaka_editor).post(
        f"{prefix}/progress/reports/{report.pk}/evidence/",
        {"file": SimpleUploadedFile("実績.pdf", PDF)},
    )
    assert response.status_code == 503 and response["Retry-After"] == "300"
    page = response.content.decode()
    assert message in page
    assert "Traceback" not in page
    assert not EvidenceFile.objects.exists() and stored_files(evidence_root) == []


def test_a_full_disk_leaves_no_file_no_row_and_no_full_disk(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    evidence_root: Path,
    settings: Any,
) -> None:
    report = draft(osaka_editor, members_action)
    with small_filesystem_at(evidence_root / "evidence") as folder:
        settings.PROGRESS_EVIDENCE_ROOT = folder
        response = client_for(osaka_editor).post(
            f"/progress/reports/{report.pk}/evidence/",
            {"file": SimpleUploadedFile("big.pdf", PDF + b"%" + b"x" * 200_000 + b"\n")},
        )
        assert response.status_code == 503
        assert not EvidenceFile.objects.exists() and stored_files(folder) == []
        usage = shutil.disk_usage(folder)
        assert usage.used < usage.total // 4


def test_the_sweep_removes_evidence_files_without_a_row_and_keeps_the_others(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    evidence_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = draft(osaka_editor, members_action)
    with django_capture_on_commit_callbacks(execute=True):
        kept = actions.add_evidence_file(osaka_editor, report, SimpleUploadedFile("a.pdf", PDF))
    assert_the_sweep_keeps_only_files_with_a_row(evidence_root, Path(kept.file.path), PDF)
    assert kept.file.read() == PDF


def test_the_bulk_acceptance_preview_lists_the_evidence_files(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_admin: User
) -> None:
    report = draft(osaka_editor, members_action)
    files = [
        actions.add_evidence_file(osaka_editor, report, SimpleUploadedFile(f"実績{i}.pdf", PDF))
        for i in range(4)
    ]
    actions.submit_report(osaka_editor, report, report.revision)
    page = client_for(bureau_admin).get(f"/progress/review/?year={YEAR}").content.decode()
    row = page.split(f'value="{report.pk}:')[1].split("</tr>")[0]
    for number, evidence in enumerate(files):
        assert f"/progress/reports/{report.pk}/evidence/{evidence.pk}/" in row
        assert f"実績{number}.pdf" in row
    assert "—" not in row


def test_a_too_large_evidence_file_is_named_with_human_sizes_in_the_page_language(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, settings: object
) -> None:
    settings.PROPOSAL_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # type: ignore[attr-defined]
    report = draft(osaka_editor, members_action)
    client = client_for(osaka_editor)
    big = PDF + b"0" * (11 * 1024 * 1024)
    url = f"/progress/reports/{report.pk}/evidence/"
    page = client.post(url, {"file": SimpleUploadedFile("big.pdf", big)}, follow=True)
    assert "big.pdf は大きすぎます（11.0\u00a0MB、上限 10.0\u00a0MB）" in page.content.decode()
    page = client.post(f"/en{url}", {"file": SimpleUploadedFile("big.pdf", big)}, follow=True)
    assert "big.pdf is too large (11.0\u00a0MB; the limit is 10.0\u00a0MB)" in (
        page.content.decode()
    )
    assert not EvidenceFile.objects.exists()
