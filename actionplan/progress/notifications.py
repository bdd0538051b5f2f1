"""Mail about the progress follow-up and the desk: to a body's editors when its report is
returned or accepted, reminders listing the missing actions, and the daily digest to the
bureau (reports submitted since the last digest, overdue proposals to their assigned staff).

Every mail goes through the outbox (``enqueue_mail``) inside the transaction of the change it
is about, so a change that rolls back sends nothing. Mails are in Japanese, the staff's
language, whatever the language of the request that causes them; links are absolute, built
from ``SITE_URL``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from actionplan.accounts.models import Profile, Role
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.models import Action, MemberGovernment

from .models import ProgressReport, ReportingCycle, ReviewState

# A long action text makes a long subject line or list item; the link carries the rest.
TITLE_CHARS = 60


def absolute_url(view: str, *args: object) -> str:
    """The Japanese page of ``view`` as a link usable outside the site (in a mail)."""
    with translation.override("ja"):
        path = reverse(view, args=list(args))
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def recipients_for(government: MemberGovernment | None) -> list[str]:
    """The editors of a member government; for the Union (None) the bureau's staff."""
    if government is None:
        profiles = Profile.objects.filter(role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF])
    else:
        profiles = Profile.objects.filter(role=Role.MEMBER_EDITOR, member_government=government)
    return sorted(
        {p.user.email for p in profiles.select_related("user") if p.user.email and p.user.is_active}
    )


def bureau_recipients() -> list[str]:
    return recipients_for(None)


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
    """Tell the report's body that the bureau returned (with its comment) or accepted it. Call
    it inside the transaction of the transition."""
    year = fiscal_year_label(report.fiscal_year, "ja")
    action = _short(report.action.text_ja)
    link = absolute_url("progress:report", report.pk)
    if report.state == ReviewState.ACCEPTED:
        subject = f"【進捗報告】承認されました：{year} {action}"
        lead = "次の進捗報告が広域産業振興局に承認されました。"
        comment = ""
    elif report.state == ReviewState.RETURNED:
        subject = f"【進捗報告】差し戻されました：{year} {action}"
        lead = "次の進捗報告が差し戻されました。コメントを確認して修正し、再提出してください。"
        comment = f"\nコメント：\n{report.review_comment}\n"
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
    enqueue_mail(subject, body, recipients_for(report.member_government))


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
    reports: int  # submitted reports announced to the bureau
    overdue: int  # overdue proposals announced to their staff
    mails: int  # mails queued


def _submitted_since_last_digest() -> list[ProgressReport]:
    # A report submitted again after a return has a new revision: it is announced again.
    reports = (
        ProgressReport.objects.filter(state=ReviewState.SUBMITTED)
        .select_related("action", "member_government")
        .order_by("fiscal_year", "member_government__position", "action_id")
    )
    return [r for r in reports if r.digest_revision != r.revision]


def _submissions_mail(reports: list[ProgressReport]) -> bool:
    lines = []
    for report in reports:
        year = fiscal_year_label(report.fiscal_year, "ja")
        lines.append(
            f"・{year} {_body_name(report.member_government)}：{_short(report.action.text_ja)}\n"
            f"  {absolute_url('progress:report', report.pk)}"
        )
    body = (
        "広域産業振興局 ご担当者様\n\n"
        f"前回のお知らせ以降、進捗報告が {len(reports)}件提出されました。"
        "内容を確認し、承認または差し戻してください。\n\n"
        + "\n".join(lines)
        + f"\n\n確認待ちの一覧：{absolute_url('progress:review')}\n"
    )
    subject = f"【進捗報告】提出 {len(reports)}件（確認待ち）"
    return enqueue_mail(subject, body, bureau_recipients()) is not None


def _overdue_mails() -> tuple[int, int]:
    """One mail per assigned person (the bureau for proposals nobody is assigned to), listing
    their proposals still waiting for a first response after the deadline. Only the receipt
    number, title, deadline and the desk link: the proposer's contact stays on the desk."""
    # Imported here: the desk does not depend on the progress follow-up, nor the reverse.
    from actionplan.partnerships.models import Proposal
    from actionplan.partnerships.queries import overdue

    proposals = list(
        overdue(Proposal.objects.all())
        .select_related("assignee")
        .order_by("first_response_due", "receipt_number")
    )
    groups: dict[tuple[str, ...], list[Proposal]] = {}
    for proposal in proposals:
        assignee = proposal.assignee
        if assignee is not None and assignee.is_active and assignee.email:
            key: tuple[str, ...] = (assignee.email,)
        else:
            key = tuple(bureau_recipients())
        groups.setdefault(key, []).append(proposal)
    mails = 0
    for recipients, items in groups.items():
        lines = [
            f"・{p.receipt_number} {_short(p.title)}（回答期限 {p.first_response_due:%Y-%m-%d}）\n"
            f"  {absolute_url('partnerships:proposal', p.pk)}"
            for p in items
        ]
        subject = f"【公民連携窓口】初回回答の期限切れ {len(items)}件"
        body = (
            "ご担当者様\n\n"
            f"次の提案 {len(items)}件は、初回回答の期限を過ぎています。"
            "提案者に回答してください。\n\n" + "\n".join(lines) + "\n"
        )
        mails += enqueue_mail(subject, body, list(recipients)) is not None
    return len(proposals), mails


def send_digest() -> Digest:
    """The daily digest (the ``send-digest`` command, run from cron): the bureau gets one mail
    listing the reports submitted since the last digest, which are then marked as announced;
    each assigned person gets one mail listing their overdue proposals (every day while they
    stay overdue). All in one transaction: the marks and the mails commit together."""
    with transaction.atomic():
        reports = _submitted_since_last_digest()
        mails = 0
        if reports:
            mails += _submissions_mail(reports)
            for report in reports:
                # An update, not save(): the mark is bookkeeping, not a change of the report
                # (no history row, no new revision, no updated_at).
                ProgressReport.objects.filter(pk=report.pk).update(digest_revision=report.revision)
        overdue_count, overdue_mails = _overdue_mails()
        mails += overdue_mails
    return Digest(reports=len(reports), overdue=overdue_count, mails=mails)
