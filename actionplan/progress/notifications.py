"""Mail about the progress follow-up and the desk: to a body's editors when its report is
returned or accepted, to the bureau when reports are submitted, reminders listing the missing
actions, and overdue proposals to their assigned staff.

Each person chooses (``Profile.notification_mode``) between a mail per event and the daily
digest. An event is routed once, when it happens: a mail to those who want it at once, a
``DigestItem`` for each of the others, which ``send_digest`` turns into one mail per person and
deletes in the same transaction — every event goes into exactly one mail for each recipient.
Overdue proposals are found by the daily run itself: in the digest of those who chose it, in a
mail of their own for the others.

Every mail goes through the outbox (``enqueue_mail``) inside the transaction of the change it
is about, so a change that rolls back sends nothing. Mails are in Japanese, the staff's
language, whatever the language of the request that causes them (there is no per-person
language); links are absolute, built from ``SITE_URL``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from actionplan.accounts.models import NotificationMode, Profile, Role, default_notification_mode
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.models import Action, MemberGovernment

from .models import DigestItem, DigestKind, ProgressReport, ReportingCycle, ReviewState

# A long action text makes a long subject line or list item; the link carries the rest.
TITLE_CHARS = 60


def absolute_url(view: str, *args: object) -> str:
    """The Japanese page of ``view`` as a link usable outside the site (in a mail)."""
    with translation.override("ja"):
        path = reverse(view, args=list(args))
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def people_for(government: MemberGovernment | None) -> list[User]:
    """The active editors (with a mail address) of a member government; for the Union (None)
    the bureau's staff."""
    if government is None:
        profiles = Profile.objects.filter(role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF])
    else:
        profiles = Profile.objects.filter(role=Role.MEMBER_EDITOR, member_government=government)
    users = [p.user for p in profiles.select_related("user") if p.user.email and p.user.is_active]
    return sorted(users, key=lambda u: (u.email, u.pk))


def recipients_for(government: MemberGovernment | None) -> list[str]:
    """The mail addresses of ``people_for(government)``."""
    return sorted({u.email for u in people_for(government)})


def mode_of(user: User) -> str:
    """Immediate or digest: the person's choice, else their role's default (a person without a
    profile gets a mail per event)."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return str(NotificationMode.IMMEDIATE)
    return profile.notification_mode or default_notification_mode(profile.role)


def split_by_mode(users: Iterable[User]) -> tuple[list[User], list[User]]:
    """(those who want a mail per event, those who want the digest)."""
    immediate: list[User] = []
    digest: list[User] = []
    for user in users:
        (digest if mode_of(user) == NotificationMode.DIGEST else immediate).append(user)
    return immediate, digest


def _route(
    users: Iterable[User],
    kind: str,
    report: ProgressReport,
    item: str,
    subject: str,
    body: str,
) -> None:
    """One event: a mail now to those who want it at once, a digest item for each of the
    others."""
    immediate, digest = split_by_mode(users)
    enqueue_mail(subject, body, [u.email for u in immediate])
    DigestItem.objects.bulk_create(
        DigestItem(user=u, kind=kind, report=report, text=item) for u in digest
    )


def bureau_recipients() -> list[str]:
    return recipients_for(None)


def bureau_people() -> list[User]:
    return people_for(None)


def contact_lines() -> str:
    """The bureau's contact, as the mails sign it."""
    name = settings.PROGRESS_CONTACT_NAME
    email = settings.PROGRESS_CONTACT_EMAIL
    lines = ["――", f"問い合わせ先：{name}" if name else "問い合わせ先："]
    if email:
        lines.append(f"メール：{email}")
    return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def _body_name(government: MemberGovernment | None) -> str:
    return government.name_ja if government else "関西広域連合"


def _body_code(government: MemberGovernment | None) -> str:
    return government.lg_code if government else "union"


def notify_reviewed(report: ProgressReport) -> None:
    """Tell the report's body that the bureau returned (with its comment) or accepted it, or
    the bureau that the body submitted it; each person at once or in their digest. Call it
    inside the transaction of the transition."""
    year = fiscal_year_label(report.fiscal_year, "ja")
    action = _short(report.action.text_ja)
    link = absolute_url("progress:report", report.pk)
    if report.state == ReviewState.SUBMITTED:
        notify_submitted(report)
        return
    if report.state == ReviewState.ACCEPTED:
        subject = f"【進捗報告】承認されました：{year} {action}"
        lead = "次の進捗報告が広域産業振興局に承認されました。"
        comment = ""
        item = f"・承認：{year} {_body_name(report.member_government)}：{action}\n  {link}"
    elif report.state == ReviewState.RETURNED:
        subject = f"【進捗報告】差し戻されました：{year} {action}"
        lead = "次の進捗報告が差し戻されました。コメントを確認して修正し、再提出してください。"
        comment = f"\nコメント：\n{report.review_comment}\n"
        item = (
            f"・差し戻し：{year} {_body_name(report.member_government)}：{action}\n  {link}\n"
            f"  コメント：{' '.join(report.review_comment.split())}"
        )
    else:
        return
    body = (
        f"{_body_name(report.member_government)} ご担当者様\n\n"
        f"{lead}\n\n"
        f"年度：{year}\n"
        f"取組：{action}\n"
        f"報告：{link}\n"
        f"{comment}\n"
        f"{contact_lines()}"
    )
    _route(people_for(report.member_government), DigestKind.REVIEWED, report, item, subject, body)


def _submission_item(report: ProgressReport) -> str:
    year = fiscal_year_label(report.fiscal_year, "ja")
    return (
        f"・{year} {_body_name(report.member_government)}：{_short(report.action.text_ja)}\n"
        f"  {absolute_url('progress:report', report.pk)}"
    )


# Reports submitted together (``submissions_together``): one mail for all of them.
_together: ContextVar[list[ProgressReport] | None] = ContextVar("submitted_together", default=None)


@contextmanager
def submissions_together() -> Iterator[None]:
    """Reports submitted in this block (a body submitting all its drafts at once) reach those
    who want a mail per event in one mail listing them all, sent when the block ends without
    an error; the others get a digest item per report as usual."""
    if _together.get() is not None:
        yield
        return
    token = _together.set([])
    try:
        yield
        reports = _together.get() or []
    finally:
        _together.reset(token)
    if reports:
        immediate, _digest = split_by_mode(bureau_people())
        enqueue_mail(
            f"【進捗報告】提出されました：{len(reports)}件",
            _submitted_body(reports),
            [u.email for u in immediate],
        )


def _submitted_body(reports: list[ProgressReport]) -> str:
    items = "\n".join(_submission_item(r) for r in reports)
    return (
        "広域産業振興局 ご担当者様\n\n"
        f"次の進捗報告 {len(reports)}件が提出されました。"
        "内容を確認し、承認または差し戻してください。\n\n"
        f"{items}\n\n"
        f"確認待ちの一覧：{absolute_url('progress:review')}\n"
    )


def notify_submitted(report: ProgressReport) -> None:
    """Tell the bureau that a report was submitted: a mail now to those who chose it (one for
    reports submitted together), the next digest for the others (the default for the bureau).
    Marks the revision as announced."""
    year = fiscal_year_label(report.fiscal_year, "ja")
    subject = (
        f"【進捗報告】提出されました：{year} {_body_name(report.member_government)} "
        f"{_short(report.action.text_ja)}"
    )
    together = _together.get()
    if together is None:
        people = bureau_people()
    else:
        # Those who want a mail per event get the one mail of the block.
        together.append(report)
        people = split_by_mode(bureau_people())[1]
    item = _submission_item(report)
    _route(people, DigestKind.SUBMITTED, report, item, subject, _submitted_body([report]))
    # An update, not save(): the mark is bookkeeping, not a change of the report (no history
    # row, no new revision, no updated_at).
    ProgressReport.objects.filter(pk=report.pk).update(digest_revision=report.revision)
    report.digest_revision = report.revision


def reminder_text(
    cycle: ReportingCycle, government: MemberGovernment | None, missing: list[Action]
) -> tuple[str, str]:
    """Subject and body of the reminder to one body: the missing actions, each with the link
    to its report form, the deadline and the bureau's contact."""
    year = fiscal_year_label(cycle.fiscal_year, "ja")
    code = _body_code(government)
    items = "\n".join(
        f"・{_short(a.text_ja)}\n  {absolute_url('progress:edit', cycle.fiscal_year, code, a.pk)}"
        for a in missing
    )
    subject = f"【進捗報告のお願い】{year} 未提出 {len(missing)}件"
    body = (
        f"{_body_name(government)} ご担当者様\n\n"
        f"{year}の進捗報告の提出期限は {cycle.deadline:%Y-%m-%d} です。\n"
        f"次の取組 {len(missing)}件の報告が未提出です。\n\n"
        f"{items}\n\n"
        f"一覧：{absolute_url('progress:body', cycle.fiscal_year, code)}\n"
        "ブラウザ、またはExcelのワークブックで報告してください。\n\n"
        f"{contact_lines()}"
    )
    return subject, body


@dataclass(frozen=True)
class Digest:
    reports: int  # submitted reports announced to the bureau in digests
    overdue: int  # overdue proposals announced to their staff
    mails: int  # mails queued
    reviewed: int = 0  # returns and acceptances announced to editors in digests


def _unannounced_submissions() -> list[ProgressReport]:
    # Submitted before submissions were routed when they happen: announced by this run.
    reports = (
        ProgressReport.objects.filter(state=ReviewState.SUBMITTED)
        .select_related("action", "member_government")
        .order_by("fiscal_year", "member_government__position", "action_id")
    )
    return [r for r in reports if r.digest_revision != r.revision]


def _overdue_by_person() -> tuple[int, dict[User, list[str]], dict[tuple[str, ...], list[str]]]:
    """Proposals still waiting for a first response after the deadline, listed for each
    assigned person (the bureau for proposals nobody is assigned to): (how many, the lines of
    each person who wants the digest, the lines of each group who want a mail of its own).
    Only the receipt number, title, deadline and the desk link: the proposer's contact stays
    on the desk."""
    # Imported here: the desk does not depend on the progress follow-up, nor the reverse.
    from actionplan.partnerships.models import Proposal
    from actionplan.partnerships.queries import overdue

    proposals = list(
        overdue(Proposal.objects.all())
        .select_related("assignee")
        .order_by("first_response_due", "receipt_number")
    )
    digest: dict[User, list[str]] = {}
    mails: dict[tuple[str, ...], list[str]] = {}
    for p in proposals:
        line = (
            f"・{p.receipt_number} {_short(p.title)}（回答期限 {p.first_response_due:%Y-%m-%d}）\n"
            f"  {absolute_url('partnerships:proposal', p.pk)}"
        )
        assignee = p.assignee
        if assignee is not None and assignee.is_active and assignee.email:
            people = [assignee]
        else:
            people = bureau_people()
        immediate, digesting = split_by_mode(people)
        for user in digesting:
            digest.setdefault(user, []).append(line)
        if immediate:
            key = tuple(sorted({u.email for u in immediate}))
            mails.setdefault(key, []).append(line)
    return len(proposals), digest, mails


def _overdue_mail(lines: list[str], recipients: list[str]) -> bool:
    subject = f"【公民連携窓口】初回回答の期限切れ {len(lines)}件"
    body = (
        "ご担当者様\n\n"
        f"次の提案 {len(lines)}件は、初回回答の期限を過ぎています。"
        "提案者に回答してください。\n\n" + "\n".join(lines) + "\n"
    )
    return enqueue_mail(subject, body, recipients) is not None


def _digest_mail(
    user: User, reviewed: list[str], submitted: list[str], overdue_lines: list[str]
) -> bool:
    """One person's daily mail: every event kept for them since the last digest."""
    sections = []
    if reviewed:
        sections.append(
            f"■ 差し戻し・承認された進捗報告 {len(reviewed)}件\n"
            "差し戻された報告はコメントを確認して修正し、再提出してください。\n\n"
            + "\n".join(reviewed)
        )
    if submitted:
        sections.append(
            f"■ 提出された進捗報告 {len(submitted)}件（確認待ち）\n"
            "内容を確認し、承認または差し戻してください。\n\n"
            + "\n".join(submitted)
            + f"\n\n確認待ちの一覧：{absolute_url('progress:review')}"
        )
    if overdue_lines:
        sections.append(
            f"■ 初回回答の期限を過ぎた提案 {len(overdue_lines)}件\n"
            "提案者に回答してください。\n\n" + "\n".join(overdue_lines)
        )
    counts = []
    if reviewed:
        counts.append(f"差し戻し・承認 {len(reviewed)}件")
    if submitted:
        counts.append(f"提出 {len(submitted)}件")
    if overdue_lines:
        counts.append(f"期限切れの提案 {len(overdue_lines)}件")
    subject = "【日次のお知らせ】" + "・".join(counts)
    body = (
        f"{user.get_full_name() or user.get_username()} 様\n\n"
        "前回のお知らせ以降の出来事をまとめてお知らせします"
        "（1件ごとのメールに変えるには："
        + absolute_url("accounts:notifications")
        + "）。\n\n"
        + "\n\n".join(sections)
        + "\n\n"
        + contact_lines()
    )
    return enqueue_mail(subject, body, [user.email]) is not None


def send_digest() -> Digest:
    """The daily digest (the ``send-digest`` command, run from cron): each person who chose the
    digest gets one mail with every event kept for them (returns and acceptances of their
    body's reports, submitted reports for the bureau) and their overdue proposals; the items
    are deleted as they are mailed. Those who chose a mail per event get their overdue
    proposals in a mail of their own. All in one transaction: the deletions and the mails
    commit together."""
    with transaction.atomic():
        for report in _unannounced_submissions():
            notify_submitted(report)
        items = list(
            DigestItem.objects.select_for_update()
            .select_related("user")
            .order_by("user_id", "kind", "created_at", "id")
        )
        overdue_count, overdue_digest, overdue_mails = _overdue_by_person()
        people: dict[int, User] = {i.user_id: i.user for i in items}
        people.update({u.pk: u for u in overdue_digest})
        mails = 0
        for user_id, user in sorted(people.items()):
            mine = [i for i in items if i.user_id == user_id]
            reviewed = [i.text for i in mine if i.kind == DigestKind.REVIEWED]
            submitted = [i.text for i in mine if i.kind == DigestKind.SUBMITTED]
            lines = overdue_digest.get(user, [])
            if user.is_active and user.email:
                mails += _digest_mail(user, reviewed, submitted, lines)
        DigestItem.objects.filter(pk__in=[i.pk for i in items]).delete()
        for recipients, lines in overdue_mails.items():
            mails += _overdue_mail(lines, list(recipients))
        reports = {i.report_id for i in items if i.kind == DigestKind.SUBMITTED}
        reviewed_count = len(
            {(i.report_id, i.text) for i in items if i.kind == DigestKind.REVIEWED}
        )
    return Digest(reports=len(reports), overdue=overdue_count, mails=mails, reviewed=reviewed_count)
