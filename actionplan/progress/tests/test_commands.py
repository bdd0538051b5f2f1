from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions
from actionplan.progress.actions import ReportInput
from actionplan.progress.annual import find_chromium
from actionplan.progress.models import ReportingCycle, Status

from .conftest import YEAR, osaka


def test_send_reminders_mails_missing_bodies(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send-reminders".replace("-", "_"), stdout=out)
    assert "sent 2 reminder mail(s) for 1 open cycle(s)" in out.getvalue()
    assert ["osaka@example.jp"] in [m.to for m in mail.outbox]


def test_send_reminders_refuses_an_unknown_year(cycle: ReportingCycle) -> None:
    with pytest.raises(CommandError, match="no open reporting cycle for fiscal year 1999"):
        call_command("send_reminders", year=1999)


def poppler(tool: str) -> str:
    """A poppler-utils tool (pdftotext, pdfinfo): CI installs it, a developer may not."""
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def chromium_or_skip() -> str:
    """Chromium prints the PDFs: CI installs it, a developer may not."""
    found = find_chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed")
        pytest.skip("Chromium is not installed")
    return found


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


NARRATIVE = "水素ステーションの実証を完了"


@pytest.fixture
def accepted_report(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    """大阪府's report on the members' action for YEAR, submitted and accepted."""
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.DONE, 100, NARRATIVE), 0
    )
    report = actions.submit_report(osaka_editor, report, report.revision)
    actions.accept_report(bureau_staff, report, report.revision)


@pytest.mark.slow
def test_annual_report_writes_the_workbook_and_pdfs_with_japanese_text(
    accepted_report: None, plan_version: PlanVersion, members_action: Action, tmp_path: Path
) -> None:
    chromium_or_skip()
    out = io.StringIO()
    call_command("annual_report", YEAR, output=str(tmp_path), pdf=True, stdout=out)
    themes = list(plan_version.themes.order_by("position"))
    assert out.getvalue().startswith(f"wrote {2 + 1 + len(themes)} file(s)")
    assert (tmp_path / f"progress-annual-{YEAR}.xlsx").read_bytes().startswith(b"PK")

    whole = tmp_path / f"progress-annual-{YEAR}.pdf"
    text = run(poppler("pdftotext"), "-layout", str(whole), "-")
    assert "令和7年度（2025年度） 進捗フォローアップ報告" in text
    for theme in themes:
        assert theme.name_ja in text, theme.name_ja
    assert NARRATIVE in text
    info = run(poppler("pdfinfo"), str(whole))
    assert "(A4)" in info
    # One theme per page: at least as many pages as themes.
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= len(themes)

    theme = members_action.theme
    one = run(poppler("pdftotext"), str(tmp_path / f"progress-annual-{YEAR}-{theme.code}.pdf"), "-")
    assert theme.name_ja in one and NARRATIVE in one
    other = next(t for t in themes if t.pk != theme.pk)
    assert f"\n{other.name_ja}\n" not in one


def test_annual_report_pdf_reports_a_missing_browser(
    plan_version: PlanVersion, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="printed no PDF|No such file"):
        call_command(
            "annual_report", YEAR, output=str(tmp_path), pdf=True, chromium=str(tmp_path / "none")
        )
