"""Mail of the progress follow-up and the desk: returns and acceptances to the body's editors,
reminders with the missing actions, and the daily digest to the bureau."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from actionplan.conftest import client_for
from actionplan.mail.models import OutgoingMail
from actionplan.partnerships import actions as desk
from actionplan.partnerships.models import Proposal
from actionplan.partnerships.tests.conftest import proposal_input
from actionplan.plans.models import Action
from actionplan.progress import actions
from actionplan.progress.models import ProgressReport, ReportingCycle

from .conftest import YEAR
from .test_actions import draft

SITE = "https://plan.example.jp"


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE + "/"
    settings.PROGRESS_CONTACT_NAME = "広域産業振興局 進捗担当"
    settings.PROGRESS_CONTACT_EMAIL = "progress-desk@example.jp"


def mails_to(address: str) -> list[OutgoingMail]:
    return [m for m in OutgoingMail.objects.order_by("pk") if address in m.recipients]


def submitted(user: User, action: Action) -> ProgressReport:
    return actions.submit_report(user, draft(user, action), 1)


def test_a_returned_report_mails_its_editors_with_the_comment_and_link(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    kyoto_editor: User,
    bureau_staff: User,
) -> None:
    report = submitted(osaka_editor, members_action)
    OutgoingMail.objects.all().delete()
    actions.return_report(bureau_staff, report, report.revision, "成果指標の数値を追記してください")
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["osaka@example.jp"]
    assert sent.subject.startswith("【進捗報告】差し戻されました：令和7年度（2025年度）")
    assert "成果指標の数値を追記してください" in sent.body
    assert f"{SITE}/progress/reports/{report.pk}/" in sent.body
    assert "progress-desk@example.jp" in sent.body and "進捗担当" in sent.body


def test_an_accepted_report_mails_its_editors(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    report = submitted(osaka_editor, members_action)
    actions.accept_report(bureau_staff, report, report.revision)
    [sent] = mails_to("osaka@example.jp")
    assert sent.subject.startswith("【進捗報告】承認されました")
    assert f"{SITE}/progress/reports/{report.pk}/" in sent.body
    assert mails_to("staff@example.jp") == []


def test_refused_reviews_mail_nobody(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    outsider: User,
) -> None:
    report = submitted(osaka_editor, members_action)
    for step, data in (("accept", {}), ("return", {"comment": "x"})):
        for user in (outsider, osaka_editor):
            client_for(user).post(
                f"/progress/reports/{report.pk}/{step}/", {"revision": report.revision, **data}
            )
    report.refresh_from_db()
    assert report.state == "submitted"
    assert not OutgoingMail.objects.exists()


def test_reminder_lists_missing_actions_with_links_deadline_and_contact(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    actions.send_reminders(bureau_staff, cycle)
    [sent] = mails_to("osaka@example.jp")
    assert sent.subject == "【進捗報告のお願い】令和7年度（2025年度） 未提出 1件"
    assert f"{SITE}/progress/{YEAR}/270008/{members_action.pk}/edit/" in sent.body
    assert members_action.text_ja.split()[0][:20] in sent.body
    assert "2026-05-31" in sent.body
    assert "progress-desk@example.jp" in sent.body


def digest() -> str:
    out = io.StringIO()
    call_command("send_digest", stdout=out)
    return out.getvalue()


def test_digest_lists_new_submissions_once_and_again_after_resubmission(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    report = submitted(osaka_editor, members_action)
    # Submitting mails nobody: the bureau hears of it in the digest, not one mail per report.
    assert not OutgoingMail.objects.exists()
    rows = report.history.count()
    assert "1 submitted report(s)" in digest()
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["admin@example.jp", "staff@example.jp"]
    assert "提出 1件" in sent.subject
    assert f"{SITE}/progress/reports/{report.pk}/" in sent.body and "大阪府" in sent.body
    report.refresh_from_db()
    assert report.digest_revision == report.revision
    assert report.history.count() == rows  # the mark is bookkeeping: no history row

    assert "queued 0 mail(s): 0 submitted report(s)" in digest()
    assert OutgoingMail.objects.count() == 1

    report = actions.return_report(bureau_staff, report, report.revision, "追記を")
    actions.submit_report(osaka_editor, report, report.revision)
    OutgoingMail.objects.all().delete()
    assert "1 submitted report(s)" in digest()
    assert OutgoingMail.objects.get().recipients == ["admin@example.jp", "staff@example.jp"]


def test_digest_mails_overdue_proposals_to_their_assigned_staff(
    bureau_staff: User, bureau_admin: User, plan_version: object
) -> None:
    late = desk.submit_proposal(proposal_input(title="期限切れの提案")).proposal
    unassigned = desk.submit_proposal(proposal_input(title="担当者のいない提案")).proposal
    fresh = desk.submit_proposal(proposal_input(title="期限内の提案")).proposal
    desk.assign_proposal(bureau_admin, late, bureau_staff)
    Proposal.objects.filter(pk__in=[late.pk, unassigned.pk]).update(
        first_response_due=datetime.date(2020, 1, 1)
    )
    OutgoingMail.objects.all().delete()
    assert "2 overdue proposal(s)" in digest()
    mine = OutgoingMail.objects.get(recipients=["staff@example.jp"])
    assert late.receipt_number in mine.body and "期限切れの提案" in mine.body
    assert f"{SITE}/desk/proposals/{late.pk}/" in mine.body
    assert unassigned.receipt_number not in mine.body
    # The proposer's contact stays on the desk.
    assert late.email not in mine.body and late.contact_name not in mine.body
    bureau = OutgoingMail.objects.get(recipients=["admin@example.jp", "staff@example.jp"])
    assert unassigned.receipt_number in bureau.body
    assert fresh.receipt_number not in mine.body + bureau.body
