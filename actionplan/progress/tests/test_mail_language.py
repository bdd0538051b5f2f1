"""Staff mail in each person's language (``Profile.mail_language``), and submissions gathered
into one mail for the bureau staff who want a mail per event."""

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
from actionplan.progress.models import DigestItem, ReportingCycle

from .conftest import YEAR
from .test_actions import draft
from .test_bulk import three_osaka_actions
from .test_notifications import choose, digest, later, mails_to, submitted

SITE = "https://plan.example.jp"
ENGLISH_ACTION = "Initiatives in and around the Expo site"


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE
    settings.PROGRESS_CONTACT_NAME = "広域産業振興局 進捗担当"
    settings.PROGRESS_CONTACT_NAME_EN = "Progress desk of the bureau"
    settings.PROGRESS_CONTACT_EMAIL = "progress-desk@example.jp"
    settings.PROGRESS_SUBMISSION_WINDOW_SECONDS = 300


@pytest.fixture
def english_action(members_action: Action) -> Action:
    Action.objects.filter(pk=members_action.pk).update(text_en=ENGLISH_ACTION)
    members_action.refresh_from_db()
    return members_action


def speaks(user: User, language: str) -> None:
    Profile.objects.filter(user=user).update(mail_language=language)


def assert_japanese(mail: OutgoingMail) -> None:
    assert "/en/" not in mail.body and "FY20" not in mail.subject + mail.body
    assert re.search(r"[ぁ-んァ-ン]", mail.subject)


def test_returned_and_accepted_reports_reach_each_editor_in_their_language(
    cycle: ReportingCycle, english_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    japanese = make_person("osaka2", "member_editor", "270008")
    speaks(osaka_editor, "en")
    report = submitted(osaka_editor, english_action)
    actions.return_report(bureau_staff, report, report.revision, "数値を追記してください")
    # One event, two languages: one mail per language.
    [returned] = mails_to("osaka@example.jp")
    assert returned.recipients == ["osaka@example.jp"]
    assert returned.subject == f"[Progress report] Returned: FY{YEAR} {ENGLISH_ACTION}"
    assert returned.body.startswith("To the person in charge at Osaka")
    assert "Please read the comment" in returned.body and "数値を追記してください" in returned.body
    assert f"Report: {SITE}/en/progress/reports/{report.pk}/" in returned.body
    assert "Contact: Progress desk of the bureau" in returned.body
    assert "令和" not in returned.body and "ご担当者様" not in returned.body
    [same] = mails_to(japanese.email)
    assert same.recipients == [japanese.email]
    assert same.subject.startswith("【進捗報告】差し戻されました：令和7年度（2025年度）")
    assert f"{SITE}/progress/reports/{report.pk}/" in same.body
    assert english_action.text_ja.split()[0][:10] in same.body
    assert_japanese(same)

    report.refresh_from_db()
    actions.submit_report(osaka_editor, report, report.revision)
    report.refresh_from_db()
    actions.accept_report(bureau_staff, report, report.revision)
    accepted = mails_to("osaka@example.jp")[-1]
    assert accepted.subject == f"[Progress report] Accepted: FY{YEAR} {ENGLISH_ACTION}"
    assert "The bureau has accepted" in accepted.body
    assert f"{SITE}/en/progress/reports/{report.pk}/" in accepted.body
    assert mails_to(japanese.email)[-1].subject.startswith("【進捗報告】承認されました")


def test_an_action_without_english_text_is_named_in_japanese_in_an_english_mail(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    Action.objects.filter(pk=members_action.pk).update(text_en="")
    members_action.refresh_from_db()
    speaks(osaka_editor, "en")
    report = submitted(osaka_editor, members_action)
    actions.accept_report(bureau_staff, report, report.revision)
    [sent] = mails_to("osaka@example.jp")
    assert sent.subject.startswith(f"[Progress report] Accepted: FY{YEAR} ")
    assert members_action.text_ja.split()[0][:10] in sent.subject


def test_reminders_are_in_each_editors_language(
    cycle: ReportingCycle, english_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    japanese = make_person("osaka2", "member_editor", "270008")
    speaks(osaka_editor, "en")
    sent = actions.send_reminders(bureau_staff, cycle)
    [english] = mails_to("osaka@example.jp")
    assert english.recipients == ["osaka@example.jp"]
    assert english.subject == f"[Progress report request] FY{YEAR}: 1 report(s) missing"
    assert f"The deadline for the FY{YEAR} progress reports is 2026-05-31." in english.body
    assert ENGLISH_ACTION in english.body
    assert f"{SITE}/en/progress/{YEAR}/270008/{english_action.pk}/edit/" in english.body
    assert f"Overview: {SITE}/en/progress/{YEAR}/270008/" in english.body
    assert "Email: progress-desk@example.jp" in english.body
    [japanese_mail] = mails_to(japanese.email)
    assert japanese_mail.subject == "【進捗報告のお願い】令和7年度（2025年度） 未提出 1件"
    assert f"{SITE}/progress/{YEAR}/270008/{english_action.pk}/edit/" in japanese_mail.body
    assert_japanese(japanese_mail)
    # Osaka in two languages, and the bureau for the Union's own actions.
    assert sent == 3


def test_the_daily_digest_is_in_its_readers_language(
    cycle: ReportingCycle,
    english_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    speaks(bureau_staff, "en")  # the bureau's default: the digest
    report = submitted(osaka_editor, english_action)
    assert not OutgoingMail.objects.exists()
    digest()
    [english] = mails_to("staff@example.jp")
    assert english.subject == "[Daily notice] 1 submitted"
    assert english.body.startswith("Dear staff")
    assert f"- FY{YEAR} Osaka" in english.body and ENGLISH_ACTION in english.body
    assert f"{SITE}/en/progress/reports/{report.pk}/" in english.body
    assert f"Reports waiting for review: {SITE}/en/progress/review/" in english.body
    assert f"{SITE}/en/accounts/notifications/" in english.body
    [japanese] = mails_to("admin@example.jp")
    assert japanese.subject == "【日次のお知らせ】提出 1件"
    assert f"{SITE}/progress/reports/{report.pk}/" in japanese.body
    assert_japanese(japanese)


def test_overdue_proposals_are_mailed_in_each_persons_language(
    bureau_staff: User, bureau_admin: User, plan_version: PlanVersion
) -> None:
    speaks(bureau_staff, "en")
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    speaks(bureau_admin, "en")  # keeps the digest
    late = desk.submit_proposal(proposal_input(title="期限切れの提案")).proposal
    Proposal.objects.filter(pk=late.pk).update(first_response_due=datetime.date(2020, 1, 1))
    OutgoingMail.objects.all().delete()
    digest()
    [own] = mails_to("staff@example.jp")
    assert own.subject == "[Partnership desk] First response overdue: 1 proposal(s)"
    assert f"{late.receipt_number} 期限切れの提案 (response due 2020-01-01)" in own.body
    assert f"{SITE}/en/desk/proposals/{late.pk}/" in own.body
    [daily] = mails_to("admin@example.jp")
    assert daily.subject == "[Daily notice] 1 overdue proposal(s)"
    assert "Proposals past their first-response deadline: 1" in daily.body
    assert f"{SITE}/en/desk/proposals/{late.pk}/" in daily.body


def test_submissions_together_come_in_one_mail_per_language(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    for person in (bureau_staff, bureau_admin):
        choose(person, NotificationMode.IMMEDIATE)
    speaks(bureau_staff, "en")
    drafts = [draft(osaka_editor, a) for a in three_osaka_actions(plan_version, bureau_staff)]
    actions.submit_reports(osaka_editor, {d.pk: d.revision for d in drafts})
    [english] = mails_to("staff@example.jp")
    assert english.recipients == ["staff@example.jp"]
    assert english.subject == "[Progress report] Submitted: 3 report(s)"
    assert "3 progress report(s) have been submitted" in english.body
    assert all(f"{SITE}/en/progress/reports/{d.pk}/" in english.body for d in drafts)
    [japanese] = mails_to("admin@example.jp")
    assert japanese.subject == "【進捗報告】提出されました：3件"
    assert all(f"{SITE}/progress/reports/{d.pk}/" in japanese.body for d in drafts)
    assert_japanese(japanese)
    # The block's mail is the whole announcement: nothing is left to gather.
    assert not DigestItem.objects.exists()
    assert notifications.send_submission_mails(later()) == 0


# Submissions gathered for those who want a mail per event.


def test_single_submissions_within_the_window_come_in_one_mail(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    scheduled: list[float] = []
    monkeypatch.setattr(notifications, "enqueue_in", lambda delay, func: scheduled.append(delay))
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        reports = [
            submitted(osaka_editor, a) for a in three_osaka_actions(plan_version, bureau_staff)
        ]
    # Each submission schedules the sending job at the end of the window; nothing is sent yet.
    assert scheduled == [300.0, 300.0, 300.0]
    assert not OutgoingMail.objects.exists()
    assert notifications.send_submission_mails(later(60)) == 0  # the window is still open
    assert notifications.send_submission_mails(later()) == 1
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["staff@example.jp"]
    assert sent.subject == "【進捗報告】提出されました：3件"
    assert all(f"{SITE}/progress/reports/{r.pk}/" in sent.body for r in reports)
    assert sent.body.count("・令和7年度（2025年度） 大阪府：") == 3
    # Run again (a second job, the cron command): nothing is sent twice.
    assert notifications.send_submission_mails(later(900)) == 0
    # The admin kept the digest: untouched by the window, all three in the daily mail.
    assert "3 submitted report(s)" in digest()
    [daily] = mails_to("admin@example.jp")
    assert "提出 3件" in daily.subject
    assert len(mails_to("staff@example.jp")) == 1


def test_a_submission_after_the_window_comes_in_a_new_mail(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    first, second, third = three_osaka_actions(plan_version, bureau_staff)
    one = submitted(osaka_editor, first)
    two = submitted(osaka_editor, second)
    assert notifications.send_submission_mails(later()) == 1
    three = submitted(osaka_editor, third)
    # The next window starts with the next submission: the mail just sent is not resent.
    assert notifications.send_submission_mails(later(60)) == 0
    assert notifications.send_submission_mails(later()) == 1
    first_mail, second_mail = mails_to("staff@example.jp")
    assert first_mail.subject == "【進捗報告】提出されました：2件"
    assert f"/progress/reports/{one.pk}/" in first_mail.body
    assert f"/progress/reports/{two.pk}/" in first_mail.body
    assert f"/progress/reports/{three.pk}/" not in first_mail.body
    # One report alone is named in the subject.
    assert second_mail.subject.startswith(
        "【進捗報告】提出されました：令和7年度（2025年度） 大阪府"
    )
    assert f"/progress/reports/{three.pk}/" in second_mail.body
    assert f"/progress/reports/{one.pk}/" not in second_mail.body


def test_gathered_submissions_survive_a_lost_job_and_go_out_by_the_command(
    cycle: ReportingCycle,
    english_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    for person in (bureau_staff, bureau_admin):
        choose(person, NotificationMode.IMMEDIATE)
    speaks(bureau_staff, "en")
    report = submitted(osaka_editor, english_action)
    # The delayed job never ran (a worker restarted): the items wait in the database.
    assert DigestItem.objects.filter(send_after__isnull=False).count() == 2
    DigestItem.objects.update(send_after=timezone.now() - datetime.timedelta(seconds=1))
    out = io.StringIO()
    call_command("send_submissions", stdout=out)
    assert "queued 2 mail(s)" in out.getvalue()
    [english] = mails_to("staff@example.jp")
    assert english.recipients == ["staff@example.jp"]
    assert (
        english.subject
        == f"[Progress report] Submitted: FY{YEAR} Osaka Prefecture {ENGLISH_ACTION}"
    )
    assert f"{SITE}/en/progress/reports/{report.pk}/" in english.body
    [japanese] = mails_to("admin@example.jp")
    assert japanese.subject.startswith("【進捗報告】提出されました：令和7年度（2025年度） 大阪府")
    call_command("send_submissions", stdout=io.StringIO())
    digest()
    assert len(OutgoingMail.objects.all()) == 2


def test_a_zero_window_mails_each_submission_at_once(
    settings: Any,
    cycle: ReportingCycle,
    english_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    settings.PROGRESS_SUBMISSION_WINDOW_SECONDS = 0
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    report = submitted(osaka_editor, english_action)
    [sent] = OutgoingMail.objects.all()
    assert sent.recipients == ["staff@example.jp"]
    assert f"{SITE}/progress/reports/{report.pk}/" in sent.body
    assert not DigestItem.objects.exists()


def test_a_rolled_back_submission_gathers_nothing(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    report = draft(osaka_editor, members_action)
    with pytest.raises(actions.ProgressError):
        actions.submit_report(osaka_editor, report, report.revision + 5)
    assert not DigestItem.objects.exists()
    assert notifications.send_submission_mails(later()) == 0


# The choice itself.


def test_a_person_chooses_their_mail_language_on_their_page(osaka_editor: User) -> None:
    client = client_for(osaka_editor)
    html = client.get("/accounts/notifications/").content.decode()
    assert "お知らせメールの言語" in html
    assert re.search(r'value="ja"[^>]*checked', html)
    response = client.post(
        "/accounts/notifications/", {"notification_mode": "immediate", "mail_language": "en"}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=osaka_editor)
    assert profile.mail_language == "en" and profile.notification_mode == "immediate"
    last = profile.history.first()
    assert last.history_user_id == osaka_editor.pk and "mail_language" in last.history_change_reason
    english = client.get("/en/accounts/notifications/").content.decode()
    assert "Language of notification mail" in english
    assert re.search(r'value="en"[^>]*checked', english)
    # A form without the field keeps the language.
    client.post("/accounts/notifications/", {"notification_mode": "digest"})
    profile.refresh_from_db()
    assert profile.mail_language == "en" and profile.notification_mode == "digest"


def test_an_unknown_language_is_refused(osaka_editor: User) -> None:
    response = client_for(osaka_editor).post(
        "/en/accounts/notifications/", {"notification_mode": "digest", "mail_language": "fr"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Profile.objects.get(user=osaka_editor).mail_language == "ja"


def test_nobody_changes_another_persons_language(
    osaka_editor: User, kyoto_editor: User, outsider: User
) -> None:
    for field in ("user", "user_id", "username", "profile"):
        client_for(kyoto_editor).post(
            "/accounts/notifications/",
            {"notification_mode": "immediate", "mail_language": "en", field: str(osaka_editor.pk)},
        )
    assert Profile.objects.get(user=osaka_editor).mail_language == "ja"
    assert Profile.objects.get(user=kyoto_editor).mail_language == "en"
    data = {"notification_mode": "immediate", "mail_language": "en"}
    assert client_for(outsider).post("/accounts/notifications/", data).status_code == 403
    anonymous = client_for(None).post("/accounts/notifications/", data)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert set(Profile.objects.values_list("mail_language", flat=True)) == {"ja", "en"}
    assert Profile.objects.filter(mail_language="en").count() == 1


def test_the_bureau_sees_each_persons_mail_language(
    bureau_admin: User, osaka_editor: User, kyoto_editor: User
) -> None:
    speaks(osaka_editor, "en")
    html = client_for(bureau_admin).get("/accounts/users/").content.decode()
    assert "メールの言語" in html
    row = next(r for r in html.split("<tr>") if "<td>osaka</td>" in r)
    assert "英語" in row
    kyoto_row = next(r for r in html.split("<tr>") if "<td>kyoto</td>" in r)
    assert "日本語" in kyoto_row
    english = client_for(bureau_admin).get("/en/accounts/users/").content.decode()
    assert "Mail language" in english
    assert client_for(osaka_editor).get("/accounts/users/").status_code == 403


def test_a_gathered_submission_accepted_within_the_window_is_not_mailed(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    bureau_staff: User,
    bureau_admin: User,
) -> None:
    choose(bureau_staff, NotificationMode.IMMEDIATE)
    first, second, _third = three_osaka_actions(plan_version, bureau_staff)
    waiting = submitted(osaka_editor, first)
    accepted = submitted(osaka_editor, second)
    actions.accept_report(bureau_admin, accepted, accepted.revision)
    assert notifications.send_submission_mails(later()) == 1
    [sent] = mails_to("staff@example.jp")
    assert f"/progress/reports/{waiting.pk}/" in sent.body
    assert f"/progress/reports/{accepted.pk}/" not in sent.body
    assert not DigestItem.objects.filter(user=bureau_staff).exists()
