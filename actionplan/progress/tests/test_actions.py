from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail

from actionplan.accounts.permissions import PermissionDenied
from actionplan.plans.models import Action, ActionAssignment
from actionplan.progress import actions
from actionplan.progress.actions import ConflictError, ProgressError, ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, ReviewState, Status

from .conftest import YEAR, kyoto, osaka


def draft(user: User, action: Action, gov: object = "osaka") -> ProgressReport:
    government = osaka() if gov == "osaka" else None
    report, changed = actions.save_report(
        user,
        action,
        YEAR,
        government,
        ReportInput(Status.IN_PROGRESS, 40, "実施中です", "", ["https://example.jp/a"]),
        0,
    )
    assert changed
    return report


def test_editor_drafts_submits_and_bureau_accepts(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = draft(osaka_editor, members_action)
    assert report.state == ReviewState.DRAFT and report.revision == 1
    report = actions.submit_report(osaka_editor, report, 1)
    assert report.state == ReviewState.SUBMITTED
    report = actions.accept_report(bureau_staff, report, report.revision)
    report.refresh_from_db()
    assert report.state == ReviewState.ACCEPTED
    history = list(report.history.order_by("history_date"))
    assert [h.state for h in history] == ["draft", "submitted", "accepted"]
    assert history[0].history_user == osaka_editor
    assert history[-1].history_user == bureau_staff


def test_return_needs_a_comment_and_reopens_editing(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = actions.submit_report(osaka_editor, draft(osaka_editor, members_action), 1)
    with pytest.raises(ProgressError, match="コメント"):
        actions.return_report(bureau_staff, report, report.revision, "  ")
    report = actions.return_report(bureau_staff, report, report.revision, "根拠資料を追加")
    assert report.state == ReviewState.RETURNED and report.review_comment == "根拠資料を追加"
    report, changed = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.DONE, 100), report.revision
    )
    assert changed and report.state == ReviewState.DRAFT


def test_later_save_on_an_old_revision_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = draft(osaka_editor, members_action)
    actions.save_report(
        bureau_staff, members_action, YEAR, osaka(), ReportInput(Status.DONE, 100), 1
    )
    with pytest.raises(ConflictError, match="他の人が先に更新"):
        actions.save_report(
            osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.ONGOING, 70), 1
        )
    report.refresh_from_db()
    assert (report.status, report.percent, report.revision) == (Status.DONE, 100, 2)


def test_editor_cannot_report_for_another_government(
    cycle: ReportingCycle, members_action: Action, kyoto_editor: User
) -> None:
    with pytest.raises(PermissionDenied):
        draft(kyoto_editor, members_action)
    assert not ProgressReport.objects.exists()


def test_body_must_carry_the_action(
    cycle: ReportingCycle, members_action: Action, bureau_staff: User
) -> None:
    with pytest.raises(ProgressError, match="担当ではありません"):
        actions.save_report(
            bureau_staff, members_action, YEAR, kyoto(), ReportInput(Status.DONE, 100), 0
        )


def test_union_action_is_reported_by_the_bureau_only(
    cycle: ReportingCycle, union_action: Action, bureau_staff: User, osaka_editor: User
) -> None:
    report = draft(bureau_staff, union_action, gov=None)
    assert report.member_government is None and report.body_code == "union"
    with pytest.raises(PermissionDenied):
        draft(osaka_editor, union_action, gov=None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ReportInput("finished", 10), "status"),
        (ReportInput(Status.DONE, 101), "percent"),
        (ReportInput(Status.DONE, 100, evidence_links=["javascript:alert(1)"]), "evidence_links"),
    ],
)
def test_bad_input_is_refused_with_its_field(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, data: ReportInput, field: str
) -> None:
    with pytest.raises(ProgressError) as caught:
        actions.save_report(osaka_editor, members_action, YEAR, osaka(), data, 0)
    assert caught.value.field == field
    assert not ProgressReport.objects.exists()


def test_no_report_without_an_open_cycle(members_action: Action, osaka_editor: User) -> None:
    with pytest.raises(ProgressError, match="受付は開いていません"):
        draft(osaka_editor, members_action)


def test_assignment_keeps_history(members_action: Action, bureau_staff: User) -> None:
    added, removed = actions.assign_action(bureau_staff, members_action, [kyoto()])
    assert (added, removed) == (1, 1)
    assert list(members_action.member_governments.all()) == [kyoto()]
    history = ActionAssignment.history.filter(action_id=members_action.pk)
    assert sorted(h.history_type for h in history) == ["+", "+", "-"]
    assert all(h.history_user == bureau_staff for h in history)


def test_editor_cannot_assign(members_action: Action, osaka_editor: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.assign_action(osaka_editor, members_action, [kyoto()])


def test_reminders_go_to_bodies_with_missing_reports(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    kyoto_editor: User,
    bureau_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.send_reminders(bureau_staff, cycle)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # 大阪府 carries one action and the bureau every Union action; 京都府 carries nothing.
    assert recipients == ["osaka@example.jp", "staff@example.jp"]
    assert sent == 2
    osaka_mail = next(m for m in mail.outbox if m.to == ["osaka@example.jp"])
    assert "未提出 1件" in osaka_mail.subject and "2026-05-31" in osaka_mail.body
    cycle.refresh_from_db()
    assert cycle.last_reminded_at is not None


def test_no_reminder_once_reported(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    actions.submit_report(osaka_editor, draft(osaka_editor, members_action), 1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_reminders(None, cycle)
    assert [m.to for m in mail.outbox] == [["staff@example.jp"]]
    assert all(m.to != ["osaka@example.jp"] for m in mail.outbox)


def test_a_report_for_a_year_before_its_action_period_is_refused(
    cycle: ReportingCycle, later_union_action: Action, bureau_staff: User
) -> None:
    with pytest.raises(ProgressError) as refused:
        actions.save_report(
            bureau_staff, later_union_action, YEAR, None, ReportInput(Status.DONE, 100, "済"), 0
        )
    assert refused.value.field == "fiscal_year"
    assert "令和8年度（2026年度）～" in refused.value.message
    assert "令和7年度（2025年度）の報告は作成できません" in refused.value.message
    assert not ProgressReport.objects.exists()


def test_a_report_for_a_year_after_its_action_period_is_refused(
    cycle: ReportingCycle, members_action: Action, kyoto_editor: User, bureau_staff: User
) -> None:
    actions.assign_action(bureau_staff, members_action, [kyoto()])
    actions.open_cycle(bureau_staff, YEAR + 1, datetime.date(2027, 5, 31))
    with pytest.raises(ProgressError, match="2026年度）の報告は作成できません"):
        actions.save_report(
            kyoto_editor, members_action, YEAR + 1, kyoto(), ReportInput(Status.DONE, 100), 0
        )
    assert not ProgressReport.objects.exists()


def test_an_open_ended_period_covers_every_later_year(
    later_union_action: Action, bureau_staff: User
) -> None:
    actions.open_cycle(bureau_staff, 2030, datetime.date(2031, 5, 31))
    report, changed = actions.save_report(
        bureau_staff, later_union_action, 2030, None, ReportInput(Status.ONGOING, 50), 0
    )
    assert changed and report.fiscal_year == 2030


def test_a_stored_report_outside_its_period_is_neither_submitted_nor_accepted(
    cycle: ReportingCycle,
    later_union_action: Action,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    # A report stored before writes checked the period: made in FY2026, moved to FY2025.
    actions.open_cycle(bureau_staff, YEAR + 1, datetime.date(2027, 5, 31))
    report, _ = actions.save_report(
        bureau_staff, later_union_action, YEAR + 1, None, ReportInput(Status.DONE, 100, "済"), 0
    )
    report = actions.submit_report(bureau_staff, report, report.revision)
    ProgressReport.objects.filter(pk=report.pk).update(fiscal_year=YEAR)
    report.refresh_from_db()
    with pytest.raises(ProgressError, match="報告は作成できません"):
        actions.accept_report(bureau_admin, report, report.revision)
    report.refresh_from_db()
    assert report.state == ReviewState.SUBMITTED
