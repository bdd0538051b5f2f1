from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.jobs import actions as jobs
from actionplan.jobs.models import Job
from actionplan.plans.models import PlanVersion
from actionplan.progress import annual

from .conftest import YEAR
from .test_commands import NARRATIVE, accepted_report, chromium_or_skip, poppler, run

__all__ = ["accepted_report"]  # a fixture these tests use

PDF_PAGE = f"/progress/annual/{YEAR}.pdf"


@pytest.mark.slow
def test_staff_ask_for_the_pdf_see_it_prepared_then_download_it(
    accepted_report: None,
    plan_version: PlanVersion,
    bureau_staff: User,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    chromium_or_skip()
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = client_for(bureau_staff)
    assert "PDFを作成する" in staff.get(PDF_PAGE).content.decode()
    # Asking answers at once: the printing is a job that runs after the request.
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        asked = staff.post(PDF_PAGE)
    assert asked.status_code == 302 and asked["Location"] == PDF_PAGE
    assert len(jobs) == 1
    waiting = staff.get(f"/en{PDF_PAGE}").content.decode()
    assert "The PDF is being prepared" in waiting and 'http-equiv="refresh"' in waiting
    # Asking again while it is being prepared starts no second job.
    with django_capture_on_commit_callbacks(execute=False) as again:
        staff.post(PDF_PAGE)
    assert again == [] and Job.objects.count() == 1
    jobs[0]()  # the worker runs the job
    job = Job.objects.get()
    assert job.state == Job.State.DONE
    page = staff.get(PDF_PAGE).content.decode()
    download = f"/progress/annual/{YEAR}.pdf/{job.pk}/"
    assert f'href="{download}"' in page and "PDFをダウンロード" in page
    response = staff.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="progress-annual-{YEAR}.pdf"'
    pdf = tmp_path / "downloaded.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    text = run(poppler("pdftotext"), "-layout", str(pdf), "-")
    # The annual report is a Japanese document whatever the page language.
    assert "令和7年度（2025年度） 進捗フォローアップ報告" in text and NARRATIVE in text
    for theme in plan_version.themes.all():
        assert theme.name_ja in text, theme.name_ja
    assert not any(p.name.startswith(".partial-") for p in (tmp_path / "media").rglob("*"))


def test_a_pdf_that_could_not_be_printed_says_so_and_can_be_asked_for_again(
    plan_version: PlanVersion,
    bureau_staff: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The browser is found when the page is shown but fails when the job runs.
    monkeypatch.setattr(annual, "find_chromium", lambda: str(tmp_path / "no-such-browser"))
    staff = client_for(bureau_staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(PDF_PAGE).status_code == 302
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and "no-such-browser" in job.error
    page = staff.get(PDF_PAGE).content.decode()
    assert "PDFを作成できませんでした。" in page and "PDFを作り直す" in page
    english = staff.get(f"/en{PDF_PAGE}").content.decode()
    assert "The PDF could not be made." in english
    assert staff.get(f"/progress/annual/{YEAR}.pdf/{job.pk}/").status_code == 404


def test_outsiders_cannot_ask_for_the_pdf_nor_download_another_persons(
    plan_version: PlanVersion,
    bureau_staff: User,
    osaka_editor: User,
    outsider: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(annual, "find_chromium", lambda: "/usr/bin/chromium")
    assert client_for(outsider).post(PDF_PAGE).status_code == 403
    anonymous = Client().post(PDF_PAGE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not Job.objects.exists()
    # A finished PDF is served to the person who asked for it, nobody else.
    client_for(bureau_staff).post(PDF_PAGE)
    job = Job.objects.get()
    jobs.finish(job, b"%PDF-1.4 a finished report", ".pdf")
    mine = client_for(bureau_staff).get(f"/progress/annual/{YEAR}.pdf/{job.pk}/")
    assert mine.status_code == 200
    assert client_for(osaka_editor).get(f"/progress/annual/{YEAR}.pdf/{job.pk}/").status_code == 404
    assert client_for(osaka_editor).get(PDF_PAGE).content.decode().count("PDFをダウンロード") == 0
