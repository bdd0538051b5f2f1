"""Four eyes on acceptance, and corrections of accepted reports."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from actionplan.accounts.permissions import PermissionDenied
from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions
from actionplan.progress.actions import ProgressError, ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, ReviewState, Status

from .conftest import YEAR, osaka
from .test_api import bearer


def union_submitted(staff: User, action: Action) -> ProgressReport:
    report, _ = actions.save_report(
        staff, action, YEAR, None, ReportInput(Status.IN_PROGRESS, 50, "連合の取組"), 0
    )
    return actions.submit_report(staff, report, 1)


def test_bureau_member_cannot_accept_a_report_they_wrote(
    cycle: ReportingCycle, union_action: Action, bureau_staff: User, bureau_admin: User
) -> None:
    report = union_submitted(bureau_staff, union_action)
    page = client_for(bureau_staff).get(f"/progress/reports/{report.pk}/").content.decode()
    assert "承認する" not in page and "別の職員が承認します" in page
    response = client_for(bureau_staff).post(
        f"/progress/reports/{report.pk}/accept/", {"revision": 2}
    )
    assert response.status_code == 403
    api = Client().post(
        f"/api/v1/progress/reports/{report.pk}/accept",
        json.dumps({"revision": 2}),
        content_type="application/json",
        headers=bearer(bureau_staff),
    )
    assert api.status_code == 403
    report.refresh_from_db()
    assert report.state == ReviewState.SUBMITTED
    # Another bureau member may.
    actions.accept_report(bureau_admin, report, 2)
    report.refresh_from_db()
    assert report.state == ReviewState.ACCEPTED


def test_bureau_member_who_changed_a_body_report_cannot_accept_it(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    actions.save_report(
        bureau_staff, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 20), 1
    )
    report = actions.submit_report(osaka_editor, report, 2)
    with pytest.raises(PermissionDenied, match="承認できません"):
        actions.accept_report(bureau_staff, report, 3)


@override_settings(PROGRESS_FOUR_EYES=False)
def test_a_one_person_bureau_may_accept_its_own_report_when_the_setting_is_off(
    cycle: ReportingCycle, union_action: Action, bureau_staff: User
) -> None:
    report = union_submitted(bureau_staff, union_action)
    assert actions.accept_report(bureau_staff, report, 2).state == ReviewState.ACCEPTED


def test_bureau_reopens_an_accepted_report_with_a_reason_and_the_public_page_dates_it(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30), 0
    )
    report = actions.accept_report(bureau_staff, actions.submit_report(osaka_editor, report, 1), 2)
    staff = client_for(bureau_staff)
    page = staff.get(f"/progress/reports/{report.pk}/").content.decode()
    assert "承認を取り消して再開する" in page
    # A reason is required.
    staff.post(f"/progress/reports/{report.pk}/reopen/", {"revision": 3, "comment": " "})
    report.refresh_from_db()
    assert report.state == ReviewState.ACCEPTED
    staff.post(
        f"/progress/reports/{report.pk}/reopen/", {"revision": 3, "comment": "数値の誤りを訂正"}
    )
    report.refresh_from_db()
    assert (report.state, report.review_comment) == (ReviewState.RETURNED, "数値の誤りを訂正")
    assert report.corrected_at is not None
    states = [h.state for h in report.history.order_by("history_date")]
    assert states == ["draft", "submitted", "accepted", "returned"]
    # Not public while it is being corrected.
    public_url = f"/progress/public/actions/{members_action.pk}/"
    assert "実施中 · 30%" not in Client().get(public_url).content.decode()

    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40), 4
    )
    report = actions.submit_report(osaka_editor, report, report.revision)
    actions.accept_report(bureau_admin, report, report.revision)
    page = Client().get(public_url).content.decode()
    assert "実施中 · 40%" in page
    # The date in the site's time zone (TIME_ZONE), as the page shows it: from 15:00 UTC on, a
    # day after the date in UTC.
    assert f"訂正 {timezone.localtime(report.corrected_at):%Y-%m-%d}" in page


def test_only_accepted_reports_can_be_reopened_and_only_by_the_bureau(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 30), 0
    )
    with pytest.raises(ProgressError, match="この操作はできません"):
        actions.reopen_report(bureau_staff, report, 1, "理由")
    report = actions.accept_report(bureau_staff, actions.submit_report(osaka_editor, report, 1), 2)
    response = client_for(osaka_editor).post(
        f"/progress/reports/{report.pk}/reopen/", {"revision": 3, "comment": "理由"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == ReviewState.ACCEPTED and report.corrected_at is None
