"""Mail of the progress follow-up and the desk: returns and acceptances to the body's editors,
reminders with the missing actions, submissions to the bureau, overdue proposals, and each
person's choice between a mail per event and the daily digest."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from actionplan.accounts.models import NotificationMode, Profile
from actionplan.conftest import client_for, make_person
from actionplan.mail.models import OutgoingMail
from actionplan.partnerships import actions as desk
from actionplan.partnerships.models import Proposal
from actionplan.partnerships.tests.conftest import proposal_input
from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions, notifications
from actionplan.progress.models import DigestItem, ProgressReport, ReportingCycle

from .conftest import YEAR
from .test_actions import draft
from .test_bulk import three_osaka_actions

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


def choose(user: User, mode: str) -> None:
    Profile.objects.filter(user=user).update(notification_mode=mode)


def test_digest_lists_new_submissions_once_and_again_after_resubmission(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    report = submitted(osaka_editor, members_action)
    # Submitting mails nobody: by default the bureau hears of it in the digest, not one mail
    # per report.
    assert not OutgoingMail.objects.exists()
    rows = report.history.count()
    assert "1 submitted report(s)" in digest()
    # One mail per person, each listing the report with its absolute link.
    for address in ("admin@example.jp", "staff@example.jp"):
        [sent] = mails_to(address)
        assert sent.recipients == [address]
        assert "提出 1件" in sent.subject
        assert f"{SITE}/progress/reports/{report.pk}/" in sent.body and "大阪府" in sent.body
        assert f"{SITE}/progress/review/" in sent.body
        assert f"{SITE}/accounts/notifications/" in sent.body
    report.refresh_from_db()
    assert report.digest_revision == report.revision
    assert report.history.count() == rows  # the mark is bookkeeping: no history row

    assert "queued 0 mail(s): 0 submitted report(s)" in digest()
    assert OutgoingMail.objects.count() == 2

    report = actions.return_report(bureau_staff, report, report.revision, "追記を")
    actions.submit_report(osaka_editor, report, report.revision)
    OutgoingMail.objects.all().delete()
    assert "1 submitted report(s)" in digest()
    assert sorted(m.recipients[0] for m in OutgoingMail.objects.all()) == [
        "admin@example.jp",
        "staff@example.jp",
    ]


def test_digest_lists_each_report_still_waiting_for_review_once(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    first, second, third = three_osaka_actions(plan_version, bureau_staff)
    # Submitted three times (returned twice in between) and still waiting: listed once.
    waiting = submitted(osaka_editor, first)
    for _round in range(2):
        waiting = actions.return_report(bureau_staff, waiting, waiting.revision, "追記を")
        waiting = actions.submit_report(osaka_editor, waiting, waiting.revision)
    # Accepted, and returned, since their submission: nothing left to review.
    accepted = submitted(osaka_editor, second)
    actions.accept_report(bureau_admin, accepted, accepted.revision)
    returned = submitted(osaka_editor, third)
    actions.return_report(bureau_admin, returned, returned.revision, "根拠を")
    assert "1 submitted report(s)" in digest()
    for address in ("admin@example.jp", "staff@example.jp"):
        [sent] = mails_to(address)
        assert "提出 1件" in sent.subject
        assert "提出された進捗報告 1件（確認待ち）" in sent.body
        assert sent.body.count(f"{SITE}/progress/reports/{waiting.pk}/") == 1
        assert f"{SITE}/progress/reports/{accepted.pk}/" not in sent.body
        assert f"{SITE}/progress/reports/{returned.pk}/" not in sent.body
    assert not DigestItem.objects.exists()


def test_a_digest_with_only_stale_submissions_mails_nobody(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_admin: User
) -> None:
    choose(osaka_editor, NotificationMode.IMMEDIATE)  # the acceptance mail, not a digest item
    report = submitted(osaka_editor, members_action)
    actions.accept_report(bureau_admin, report, report.revision)
    OutgoingMail.objects.all().delete()
    assert "queued 0 mail(s): 0 submitted report(s)" in digest()
    assert not OutgoingMail.objects.exists() and not DigestItem.objects.exists()


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
    # The bureau's default is the digest: one mail per person, with their own proposals and
    # the ones nobody is assigned to.
    [mine] = mails_to("staff@example.jp")
    assert late.receipt_number in mine.body and "期限切れの提案" in mine.body
    assert f"{SITE}/desk/proposals/{late.pk}/" in mine.body
    assert unassigned.receipt_number in mine.body
    # The proposer's contact stays on the desk.
    assert late.email not in mine.body and late.contact_name not in mine.body
    [admin] = mails_to("admin@example.jp")
    assert admin.recipients == ["admin@example.jp"]
    assert unassigned.receipt_number in admin.body and late.receipt_number not in admin.body
    assert fresh.receipt_number not in mine.body + admin.body


def test_overdue_proposals_come_in_a_mail_of_their_own_to_those_who_chose_it(
    bureau_staff: User, bureau_admin: User, plan_version: object
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    late = desk.submit_proposal(proposal_input(title="期限切れの提案")).proposal
    desk.assign_proposal(bureau_admin, late, bureau_staff)
    Proposal.objects.filter(pk=late.pk).update(first_response_due=datetime.date(2020, 1, 1))
    OutgoingMail.objects.all().delete()
    assert "1 overdue proposal(s)" in digest()
    [mine] = OutgoingMail.objects.all()
    assert mine.recipients == ["staff@example.jp"]
    assert mine.subject == "【公民連携窓口】初回回答の期限切れ 1件"
    assert f"{SITE}/desk/proposals/{late.pk}/" in mine.body
    # Signed like every other mail: the bureau's contact.
    assert mine.body.rstrip().endswith("メール：progress-desk@example.jp")
    assert "問い合わせ先：広域産業振興局 進捗担当" in mine.body


def test_an_editor_who_chose_the_digest_gets_returns_and_acceptances_in_one_daily_mail(
    cycle: ReportingCycle,
    members_action: Action,
    union_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    second = make_person("osaka2", "member_editor", "270008")  # keeps a mail per event
    choose(osaka_editor, NotificationMode.DIGEST)
    report = submitted(osaka_editor, members_action)
    actions.return_report(bureau_staff, report, report.revision, "成果指標の数値を追記してください")
    report.refresh_from_db()
    actions.submit_report(osaka_editor, report, report.revision)
    report.refresh_from_db()
    actions.accept_report(bureau_staff, report, report.revision)
    # Nothing to the editor who chose the digest yet; a mail per event to the other one.
    assert mails_to("osaka@example.jp") == []
    assert [m.subject[:14] for m in mails_to(second.email)] == [
        "【進捗報告】差し戻されました",
        "【進捗報告】承認されました：",
    ]
    assert DigestItem.objects.filter(user=osaka_editor).count() == 2

    digest()
    [daily] = mails_to("osaka@example.jp")
    assert daily.recipients == ["osaka@example.jp"]
    assert daily.subject == "【日次のお知らせ】差し戻し・承認 2件"
    assert daily.body.startswith(f"{osaka_editor.get_username()} 様")
    assert "・差し戻し：令和7年度（2025年度） 大阪府" in daily.body
    assert "コメント：成果指標の数値を追記してください" in daily.body
    assert "・承認：令和7年度（2025年度） 大阪府" in daily.body
    assert daily.body.count(f"{SITE}/progress/reports/{report.pk}/") == 2
    assert "progress-desk@example.jp" in daily.body  # the bureau's contact
    # Each event went into exactly one mail: the next digest has nothing for the editor.
    assert not DigestItem.objects.exists()
    digest()
    assert len(mails_to("osaka@example.jp")) == 1
    assert len(mails_to(second.email)) == 2


def later(seconds: float = 301) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_bureau_staff_who_chose_immediate_get_a_mail_per_submission_and_no_digest(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    report = submitted(osaka_editor, members_action)
    # Gathered for the collection window (PROGRESS_SUBMISSION_WINDOW_SECONDS), then mailed.
    assert not OutgoingMail.objects.exists()
    assert notifications.send_submission_mails(later()) == 1
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["staff@example.jp"]
    assert sent.subject.startswith("【進捗報告】提出されました：令和7年度（2025年度） 大阪府")
    assert f"{SITE}/progress/reports/{report.pk}/" in sent.body
    # Switching to the digest afterwards neither repeats nor loses the event: it was mailed.
    choose(bureau_staff, NotificationMode.DIGEST)
    digest()
    assert len(mails_to("staff@example.jp")) == 1
    [admin] = mails_to("admin@example.jp")  # the admin kept the default, the digest
    assert f"{SITE}/progress/reports/{report.pk}/" in admin.body


def test_a_rolled_back_transition_keeps_no_digest_item(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = submitted(osaka_editor, members_action)
    DigestItem.objects.all().delete()
    choose(osaka_editor, NotificationMode.DIGEST)
    with pytest.raises(actions.ProgressError):
        actions.return_report(bureau_staff, report, report.revision + 5, "古い版")
    assert not DigestItem.objects.exists()


def test_a_person_changes_their_own_choice_on_their_page(osaka_editor: User) -> None:
    client = client_for(osaka_editor)
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "お知らせメールの設定" in html
    # An editor's default is a mail per event.
    assert re.search(r'value="immediate"[^>]*checked', html)
    assert not re.search(r'value="digest"[^>]*checked', html)
    response = client.post("/accounts/notifications/", {"notification_mode": "digest"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=osaka_editor)
    assert profile.notification_mode == "digest"
    assert profile.history.first().history_user_id == osaka_editor.pk
    english = client.get("/en/accounts/notifications/").content.decode()
    assert "Notification mail" in english and "Once a day" in english
    assert 'lang="en"' in english


def test_nobody_can_change_another_persons_choice(
    osaka_editor: User, kyoto_editor: User, bureau_admin: User
) -> None:
    # There is no user in the URL or the form: a field naming another user is ignored.
    for field in ("user", "user_id", "username"):
        client_for(kyoto_editor).post(
            "/accounts/notifications/",
            {"notification_mode": "digest", field: str(osaka_editor.pk)},
        )
    assert Profile.objects.get(user=osaka_editor).notification_mode == ""
    assert Profile.objects.get(user=kyoto_editor).notification_mode == "digest"
    other = client_for(bureau_admin).get(f"/accounts/notifications/{osaka_editor.pk}/")
    assert other.status_code == 404


def test_the_page_refuses_anonymous_visitors_and_accounts_without_a_role(
    outsider: User,
) -> None:
    response = client_for(None).post("/accounts/notifications/", {"notification_mode": "digest"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(outsider).get("/accounts/notifications/").status_code == 403


def test_an_unknown_choice_is_refused_in_the_page_language(osaka_editor: User) -> None:
    response = client_for(osaka_editor).post(
        "/en/accounts/notifications/", {"notification_mode": "hourly"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Profile.objects.get(user=osaka_editor).notification_mode == ""


def test_reports_submitted_together_come_in_one_mail_to_those_who_want_it_at_once(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    first, second, _third = three_osaka_actions(plan_version, bureau_staff)
    drafts = [draft(osaka_editor, action) for action in (first, second)]
    actions.submit_reports(osaka_editor, {d.pk: d.revision for d in drafts})
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["staff@example.jp"]
    assert sent.subject == "【進捗報告】提出されました：2件"
    for d in drafts:
        assert f"{SITE}/progress/reports/{d.pk}/" in sent.body
    assert sent.body.rstrip().endswith("メール：progress-desk@example.jp")
    # The admin (the digest, by default) gets both in the next digest, in one mail.
    assert "2 submitted report(s)" in digest()
    [daily] = mails_to("admin@example.jp")
    assert "提出 2件" in daily.subject
    assert len(mails_to("staff@example.jp")) == 1


def test_a_failed_bulk_submission_mails_nobody(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    first, second, _third = three_osaka_actions(plan_version, bureau_staff)
    drafts = [draft(osaka_editor, action) for action in (first, second)]
    with pytest.raises(actions.ProgressError):
        actions.submit_reports(osaka_editor, {drafts[0].pk: 1, drafts[1].pk: 9})
    assert not OutgoingMail.objects.exists() and not DigestItem.objects.exists()
