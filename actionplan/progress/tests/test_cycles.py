"""A closed cycle stops the follow-up of its year on every path until the bureau reopens it."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions, excel
from actionplan.progress.actions import ProgressError, ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, ReviewState, Status

from .conftest import YEAR, osaka
from .test_api import bearer
from .test_excel import download, fill, to_bytes


def closed(cycle: ReportingCycle, bureau_staff: User) -> ReportingCycle:
    return actions.close_cycle(bureau_staff, cycle)


def test_draft_submitted_through_the_api_after_closing_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30), 0
    )
    closed(cycle, bureau_staff)
    response = Client().post(
        f"/api/v1/progress/reports/{report.pk}/submit",
        json.dumps({"revision": 1}),
        content_type="application/json",
        headers=bearer(osaka_editor),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "fiscal_year"
    assert "開いていません" in response.json()["message"]
    report.refresh_from_db()
    assert (report.state, report.revision) == (ReviewState.DRAFT, 1)


def test_submitted_report_cannot_be_accepted_or_returned_in_a_closed_cycle(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30), 0
    )
    report = actions.submit_report(osaka_editor, report, 1)
    closed(cycle, bureau_staff)
    staff = client_for(bureau_staff)
    page = staff.post(f"/progress/reports/{report.pk}/accept/", {"revision": 2}, follow=True)
    assert "報告受付は開いていません" in page.content.decode()
    with pytest.raises(ProgressError):
        actions.return_report(bureau_staff, report, 2, "直してください")
    report.refresh_from_db()
    assert report.state == ReviewState.SUBMITTED


def test_web_save_and_workbook_are_refused_while_closed_and_work_after_reopening(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    closed(cycle, bureau_staff)
    editor = client_for(osaka_editor)
    url = f"/progress/{YEAR}/270008/{members_action.pk}/edit/"
    page = editor.post(url, {"status": "in_progress", "percent": 30, "revision": 0})
    assert "報告受付は開いていません" in page.content.decode()
    result = excel.apply_workbook(osaka_editor, to_bytes(fill(download())))
    assert [(e.row, e.column) for e in result.errors] == [(1, "B")]
    assert "報告受付は開いていません" in result.errors[0].message
    assert not ProgressReport.objects.exists()

    reopened = client_for(bureau_staff).post(f"/progress/cycles/{YEAR}/reopen/")
    assert reopened.status_code == 302
    cycle.refresh_from_db()
    assert cycle.is_open
    assert [h.is_open for h in cycle.history.order_by("history_date")] == [True, False, True]
    assert excel.apply_workbook(osaka_editor, to_bytes(fill(download()))).errors == []
    assert ProgressReport.objects.get().percent == 60


def test_closed_cycle_shows_no_reminder_button_and_sends_no_mail(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    assert "督促メールを送る" in staff.get(f"/progress/cycles/{YEAR}/").content.decode()
    closed(cycle, bureau_staff)
    page = staff.get(f"/progress/cycles/{YEAR}/").content.decode()
    assert "督促メールを送る" not in page
    assert "報告受付を再開する" in page
    response = staff.post(f"/progress/cycles/{YEAR}/remind/", follow=True)
    assert "終了しているため、督促はできません" in response.content.decode()
    call_command("send_reminders")
    assert mail.outbox == []
    cycle.refresh_from_db()
    assert cycle.last_reminded_at is None


def test_reopen_of_a_cycle_is_refused_to_an_editor(
    cycle: ReportingCycle, osaka_editor: User, bureau_staff: User
) -> None:
    closed(cycle, bureau_staff)
    response = client_for(osaka_editor).post(f"/progress/cycles/{YEAR}/reopen/")
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert not cycle.is_open


CLOSED_NOTE = "この年度の報告受付は終了しています。局が再開するまで、変更・提出・承認はできません。"


def test_a_closed_cycle_offers_no_edit_or_submission_on_the_body_page(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30, "済"), 0
    )
    editor = client_for(osaka_editor)
    edit_link = f"/progress/{YEAR}/270008/{members_action.pk}/edit/"
    page = editor.get(f"/progress/{YEAR}/270008/").content.decode()
    assert "提出できる下書きが 1 件あります" in page and edit_link in page
    closed(cycle, bureau_staff)
    page = editor.get(f"/progress/{YEAR}/270008/").content.decode()
    assert CLOSED_NOTE in page
    assert "提出できる下書き" not in page and "下書きをまとめて提出する" not in page
    assert edit_link not in page and "記入したワークブックをアップロード" not in page
    english = editor.get(f"/en/progress/{YEAR}/270008/").content.decode()
    assert "Reporting for this year is closed" in english


def test_a_closed_cycle_offers_no_review_or_submit_button_on_report_pages(
    cycle: ReportingCycle,
    members_action: Action,
    union_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30, "済"), 0
    )
    report = actions.submit_report(osaka_editor, report, 1)
    draft, _ = actions.save_report(
        bureau_staff, union_action, YEAR, None, ReportInput(Status.IN_PROGRESS, 30, "済"), 0
    )
    admin = client_for(bureau_admin)
    page = admin.get(f"/progress/reports/{report.pk}/").content.decode()
    assert "承認する" in page and "差し戻す" in page
    closed(cycle, bureau_staff)
    page = admin.get(f"/progress/reports/{report.pk}/").content.decode()
    assert CLOSED_NOTE in page
    assert "/accept/" not in page and "/return/" not in page
    page = admin.get(f"/progress/reports/{draft.pk}/").content.decode()
    assert CLOSED_NOTE in page and "/submit/" not in page and "/edit/" not in page
    review = admin.get(f"/progress/review/?year={YEAR}").content.decode()
    assert CLOSED_NOTE in review
    assert 'name="report"' not in review and "選んだ報告を承認する" not in review


def test_a_cycle_is_opened_only_for_a_year_of_the_plan(
    plan_version: object, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    page = staff.post("/progress/cycles/", {"fiscal_year": 2050, "deadline": "2051-05-31"})
    assert page.status_code == 200
    assert page.context["form"].errors["fiscal_year"] == [
        "令和32年度（2050年度）は現行の計画の対象外です"
        "（令和6年度（2024年度）〜令和18年度（2036年度））"
    ]
    english = staff.post("/en/progress/cycles/", {"fiscal_year": 2023, "deadline": "2024-05-31"})
    assert english.context["form"].errors["fiscal_year"] == [
        "FY2023 is not covered by the current plan (FY2024 to FY2036)."
    ]
    # The open-ended period 2026～ covers ten years from its start.
    opened = staff.post("/progress/cycles/", {"fiscal_year": 2036, "deadline": "2037-05-31"})
    assert opened.status_code == 302
    assert list(ReportingCycle.objects.values_list("fiscal_year", flat=True)) == [2036]


def test_a_cycle_deadline_before_the_year_begins_is_refused(
    plan_version: object, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    page = staff.post("/progress/cycles/", {"fiscal_year": YEAR, "deadline": "2020-01-01"})
    assert page.context["form"].errors["deadline"] == [
        "提出期限は令和7年度（2025年度）の初日（2025-04-01）以降の日付です"
    ]
    english = staff.post("/en/progress/cycles/", {"fiscal_year": YEAR, "deadline": "2025-03-31"})
    assert english.context["form"].errors["deadline"] == [
        "The deadline must be on or after the first day of FY2025 (2025-04-01)."
    ]
    assert not ReportingCycle.objects.exists()
    assert (
        staff.post("/progress/cycles/", {"fiscal_year": YEAR, "deadline": "2025-04-01"}).status_code
        == 302
    )


def test_the_report_form_of_a_closed_cycle_says_so_and_offers_no_save(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    url = f"/progress/{YEAR}/270008/{members_action.pk}/edit/"
    editor = client_for(osaka_editor)
    assert "保存（下書き）" in editor.get(url).content.decode()
    closed(cycle, bureau_staff)
    for prefix, notice, button in (
        ("", "この年度の報告受付は終了しています", "保存（下書き）"),
        ("/en", "Reporting for this year is closed", "Save (draft)"),
    ):
        page = editor.get(prefix + url).content.decode()
        assert notice in page
        assert button not in page and 'name="percent"' not in page
