"""Mail about the progress follow-up and the desk: to a body's editors when its report is
returned or accepted, to the bureau when reports are submitted, reminders listing the missing
actions, and overdue proposals to their assigned staff.

Each person chooses (``Profile.notification_mode``) between a mail per event and the daily
digest. An event is routed once, when it happens: a mail to those who want it at once, a
``DigestItem`` for each of the others, which ``send_digest`` turns into one mail per person and
deletes in the same transaction — every event goes into exactly one mail for each recipient.
Overdue proposals are found by the daily run itself: in the digest of those who chose it, in a
mail of their own for the others.

Submissions are gathered for the bureau staff who want a mail per event: a report submitted on
its own becomes a ``DigestItem`` with ``send_after`` (``PROGRESS_SUBMISSION_WINDOW_SECONDS``
later), and ``send_submission_mails`` — a delayed job, and the ``send-submissions`` command
from cron for a job lost with its worker — sends each person one mail with every submission
gathered for them once the first is due, deleting the items in the same transaction. Reports
submitted together (``submissions_together``) come in one mail at once.

Every mail goes through the outbox (``enqueue_mail``) inside the transaction of the change it
is about, so a change that rolls back sends nothing. Each mail is in the language its
recipient chose (``Profile.mail_language``: Japanese by default, or English), whatever the
language of the request that causes it: subject, body, fiscal years (令和7年度（2025年度） or
FY2025), action texts (the English text where there is one) and links to the pages of that
language (``/en/…``). An event for people of both languages is one mail per language; a
digest item is written in its recipient's language when the event happens. Links are
absolute, built from ``SITE_URL``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actionplan.accounts.models import (
    MailLanguage,
    NotificationMode,
    Profile,
    Role,
    default_notification_mode,
)
from actionplan.jobs.queue import enqueue_in
from actionplan.mail.contact import contact_lines
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.models import Action, MemberGovernment

from .models import DigestItem, DigestKind, ProgressReport, ReportingCycle, ReviewState

# A long action text makes a long subject line or list item; the link carries the rest.
TITLE_CHARS = 60
LANGUAGES = tuple(MailLanguage.values)  # in this order when an event is mailed per language


def absolute_url(view: str, *args: object, language: str = "ja") -> str:
    """The page of ``view`` in ``language`` (``/en/…`` for English) as a link usable outside
    the site (in a mail)."""
    with translation.override(language):
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


def language_of(user: User) -> str:
    """The language of the person's mail: their choice, Japanese without a profile."""
    language = Profile.objects.filter(user=user).values_list("mail_language", flat=True).first()
    return language if language in LANGUAGES else "ja"


def split_by_mode(users: Iterable[User]) -> tuple[list[User], list[User]]:
    """(those who want a mail per event, those who want the digest)."""
    immediate: list[User] = []
    digest: list[User] = []
    for user in users:
        (digest if mode_of(user) == NotificationMode.DIGEST else immediate).append(user)
    return immediate, digest


def by_language(users: Iterable[User]) -> dict[str, list[User]]:
    """The people of each mail language (Japanese first), each language with someone in it."""
    groups: dict[str, list[User]] = {}
    for user in users:
        groups.setdefault(language_of(user), []).append(user)
    return {language: groups[language] for language in LANGUAGES if language in groups}


Text = Callable[[str], str]
Mail = Callable[[str], tuple[str, str]]


def _mail_each_language(users: Iterable[User], mail: Mail) -> int:
    """One mail (subject, body) per language to ``users``; returns the number queued."""
    queued = 0
    for language, group in by_language(users).items():
        with translation.override(language):
            subject, body = mail(language)
        queued += enqueue_mail(subject, body, [u.email for u in group]) is not None
    return queued


def _item_for(user: User, item: Text) -> str:
    language = language_of(user)
    with translation.override(language):
        return item(language)


def _route(
    users: Iterable[User], kind: str, report: ProgressReport, item: Text, mail: Mail
) -> None:
    """One event: a mail now to those who want it at once (one per language), a digest item in
    their language for each of the others."""
    immediate, digest = split_by_mode(users)
    _mail_each_language(immediate, mail)
    DigestItem.objects.bulk_create(
        DigestItem(user=u, kind=kind, report=report, text=_item_for(u, item)) for u in digest
    )


def bureau_recipients() -> list[str]:
    return recipients_for(None)


def bureau_people() -> list[User]:
    return people_for(None)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def _action_text(action: Action, language: str) -> str:
    """The action's text in the mail's language: the English text where there is one."""
    if language == "en" and action.text_en.strip():
        return _short(action.text_en)
    return _short(action.text_ja)


def _body_name(government: MemberGovernment | None, language: str = "ja") -> str:
    if government is None:
        return _("関西広域連合")
    if language == "en" and government.name_en:
        return government.name_en
    return government.name_ja


def _body_code(government: MemberGovernment | None) -> str:
    return government.lg_code if government else "union"


def _report_link(report: ProgressReport, language: str) -> str:
    return absolute_url("progress:report", report.pk, language=language)


def _reviewed_mail(report: ProgressReport, language: str) -> tuple[str, str]:
    values = {
        "year": fiscal_year_label(report.fiscal_year, language),
        "action": _action_text(report.action, language),
    }
    if report.state == ReviewState.ACCEPTED:
        subject = _("【進捗報告】承認されました：%(year)s %(action)s") % values
        lead = _("次の進捗報告が広域産業振興局に承認されました。")
        comment = ""
    else:
        subject = _("【進捗報告】差し戻されました：%(year)s %(action)s") % values
        lead = _("次の進捗報告が差し戻されました。コメントを確認して修正し、再提出してください。")
        comment = "\n" + _("コメント：") + f"\n{report.review_comment}\n"
    body = (
        _("%(body)s ご担当者様") % {"body": _body_name(report.member_government, language)}
        + f"\n\n{lead}\n\n"
        + _("年度：%(year)s") % values
        + "\n"
        + _("取組：%(action)s") % values
        + "\n"
        + _("報告：%(link)s") % {"link": _report_link(report, language)}
        + f"\n{comment}\n"
        + contact_lines(language)
    )
    return subject, body


def _reviewed_item(report: ProgressReport, language: str) -> str:
    values = {
        "year": fiscal_year_label(report.fiscal_year, language),
        "body": _body_name(report.member_government, language),
        "action": _action_text(report.action, language),
    }
    link = _report_link(report, language)
    if report.state == ReviewState.ACCEPTED:
        return _("・承認：%(year)s %(body)s：%(action)s") % values + f"\n  {link}"
    return (
        _("・差し戻し：%(year)s %(body)s：%(action)s") % values
        + f"\n  {link}\n  "
        + _("コメント：")
        + " ".join(report.review_comment.split())
    )


def notify_reviewed(report: ProgressReport) -> None:
    """Tell the report's body that the bureau returned (with its comment) or accepted it, or
    the bureau that the body submitted it; each person at once or in their digest, in their
    language. Call it inside the transaction of the transition."""
    if report.state == ReviewState.SUBMITTED:
        notify_submitted(report)
        return
    if report.state not in (ReviewState.ACCEPTED, ReviewState.RETURNED):
        return
    _route(
        people_for(report.member_government),
        DigestKind.REVIEWED,
        report,
        lambda language: _reviewed_item(report, language),
        lambda language: _reviewed_mail(report, language),
    )


def _submission_item(report: ProgressReport, language: str = "ja") -> str:
    values = {
        "year": fiscal_year_label(report.fiscal_year, language),
        "body": _body_name(report.member_government, language),
        "action": _action_text(report.action, language),
    }
    return _("・%(year)s %(body)s：%(action)s") % values + f"\n  {_report_link(report, language)}"


def _submitted_mail(
    items: list[str], language: str, single: ProgressReport | None = None
) -> tuple[str, str]:
    """The bureau's mail about submitted reports (``items``, written in ``language``): named
    in the subject when there is one (``single``), counted when there are several."""
    if single is not None and len(items) == 1:
        subject = _("【進捗報告】提出されました：%(year)s %(body)s %(action)s") % {
            "year": fiscal_year_label(single.fiscal_year, language),
            "body": _body_name(single.member_government, language),
            "action": _action_text(single.action, language),
        }
    else:
        subject = _("【進捗報告】提出されました：%(count)s件") % {"count": len(items)}
    body = (
        _("広域産業振興局 ご担当者様")
        + "\n\n"
        + _(
            "次の進捗報告 %(count)s件が提出されました。内容を確認し、承認または差し戻してください。"
        )
        % {"count": len(items)}
        + "\n\n"
        + "\n".join(items)
        + "\n\n"
        + _("確認待ちの一覧：%(link)s")
        % {"link": absolute_url("progress:review", language=language)}
        + "\n\n"
        + contact_lines(language)
    )
    return subject, body


# Reports submitted together (``submissions_together``): one mail for all of them.
_together: ContextVar[list[ProgressReport] | None] = ContextVar("submitted_together", default=None)


@contextmanager
def submissions_together() -> Iterator[None]:
    """Reports submitted in this block (a body submitting all its drafts at once) reach those
    who want a mail per event in one mail listing them all (one per language), sent when the
    block ends without an error; the others get a digest item per report as usual."""
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
        _mail_each_language(
            immediate,
            lambda language: _submitted_mail(
                [_submission_item(r, language) for r in reports], language
            ),
        )


def submission_window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.PROGRESS_SUBMISSION_WINDOW_SECONDS)


def notify_submitted(report: ProgressReport) -> None:
    """Tell the bureau that a report was submitted: the next digest for those who chose it
    (the default for the bureau); for the others, one mail for the reports submitted together,
    else a gathered item that ``send_submission_mails`` sends with the person's other
    submissions of the window. Marks the revision as announced."""
    immediate, digest = split_by_mode(bureau_people())
    together = _together.get()
    if together is not None:
        together.append(report)  # the one mail of the block
        gathered: list[User] = []
    elif submission_window():
        gathered = immediate
    else:
        gathered = []
        _mail_each_language(
            immediate,
            lambda language: _submitted_mail(
                [_submission_item(report, language)], language, single=report
            ),
        )
    send_after = timezone.now() + submission_window()
    DigestItem.objects.bulk_create(
        [
            DigestItem(
                user=u,
                kind=DigestKind.SUBMITTED,
                report=report,
                text=_item_for(u, lambda language: _submission_item(report, language)),
            )
            for u in digest
        ]
        + [
            DigestItem(
                user=u,
                kind=DigestKind.SUBMITTED,
                report=report,
                text=_item_for(u, lambda language: _submission_item(report, language)),
                send_after=send_after,
            )
            for u in gathered
        ]
    )
    if gathered:
        # Once the submission commits; should the job be lost (a worker restarting), the
        # `send-submissions` command from cron sends what is due.
        delay = submission_window().total_seconds()
        transaction.on_commit(lambda: enqueue_in(delay, send_submission_mails))
    # An update, not save(): the mark is bookkeeping, not a change of the report (no history
    # row, no new revision, no updated_at).
    ProgressReport.objects.filter(pk=report.pk).update(digest_revision=report.revision)
    report.digest_revision = report.revision


def send_submission_mails(now: datetime.datetime | None = None) -> int:
    """Send each person whose first gathered submission is due one mail listing every
    submission gathered for them (people with the same list and language share the mail), and
    delete those items in the same transaction: each submission is in exactly one mail per
    person, whoever runs this and however often. Returns the number of mails queued."""
    now = now or timezone.now()
    with transaction.atomic():
        due = set(
            DigestItem.objects.filter(send_after__isnull=False, send_after__lte=now).values_list(
                "user_id", flat=True
            )
        )
        if not due:
            return 0
        items = list(
            # Only the items are locked (the report is an outer join).
            DigestItem.objects.select_for_update(of=("self",))
            .filter(user_id__in=due, send_after__isnull=False)
            .select_related("user", "report__action", "report__member_government")
            .order_by("user_id", "created_at", "id")
        )
        waiting = {i.pk for i in _still_waiting(items)}
        groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        sent: list[int] = []
        reports: dict[tuple[str, tuple[str, ...]], ProgressReport | None] = {}
        for user_id in sorted({i.user_id for i in items}):
            mine = [i for i in items if i.user_id == user_id]
            if not any(i.send_after is not None and i.send_after <= now for i in mine):
                continue  # sent by a concurrent run; what is left is not due yet
            user = mine[0].user
            sent.extend(i.pk for i in mine)
            mine = [i for i in mine if i.pk in waiting]
            if not (mine and user.is_active and user.email):
                continue
            key = (language_of(user), tuple(i.text for i in mine))
            groups.setdefault(key, []).append(user.email)
            reports[key] = mine[0].report if len(mine) == 1 else None
        mails = 0
        for (language, texts), recipients in groups.items():
            with translation.override(language):
                subject, body = _submitted_mail(
                    list(texts), language, single=reports[(language, texts)]
                )
            mails += enqueue_mail(subject, body, recipients) is not None
        DigestItem.objects.filter(pk__in=sent).delete()
    return mails


def reminder_text(
    cycle: ReportingCycle,
    government: MemberGovernment | None,
    missing: list[Action],
    language: str = "ja",
) -> tuple[str, str]:
    """Subject and body of the reminder to one body: the missing actions, each with the link
    to its report form, the deadline and the bureau's contact."""
    with translation.override(language):
        year = fiscal_year_label(cycle.fiscal_year, language)
        code = _body_code(government)
        items = "\n".join(
            f"・{_action_text(a, language)}\n  "
            + absolute_url("progress:edit", cycle.fiscal_year, code, a.pk, language=language)
            for a in missing
        )
        values = {"year": year, "count": len(missing), "deadline": f"{cycle.deadline:%Y-%m-%d}"}
        subject = _("【進捗報告のお願い】%(year)s 未提出 %(count)s件") % values
        body = (
            _("%(body)s ご担当者様") % {"body": _body_name(government, language)}
            + "\n\n"
            + _("%(year)sの進捗報告の提出期限は %(deadline)s です。") % values
            + "\n"
            + _("次の取組 %(count)s件の報告が未提出です。") % values
            + f"\n\n{items}\n\n"
            + _("一覧：%(link)s")
            % {"link": absolute_url("progress:body", cycle.fiscal_year, code, language=language)}
            + "\n"
            + _("ブラウザ、またはExcelのワークブックで報告してください。")
            + "\n\n"
            + contact_lines(language)
        )
    return subject, body


def send_reminder(
    cycle: ReportingCycle, government: MemberGovernment | None, missing: list[Action]
) -> int:
    """Queue the reminder to one body's people, one mail per language; returns how many."""
    return _mail_each_language(
        people_for(government),
        lambda language: reminder_text(cycle, government, missing, language),
    )


@dataclass(frozen=True)
class Digest:
    reports: int  # submitted reports announced to the bureau in digests
    overdue: int  # overdue proposals announced to their staff
    mails: int  # mails queued
    reviewed: int = 0  # returns and acceptances announced to editors in digests


def _still_waiting(items: Iterable[DigestItem]) -> list[DigestItem]:
    """The submission items worth telling at send time: each report once per person (its last
    item), and only while it still waits for review. A report submitted, returned and
    submitted again has an item per submission; one returned or accepted since has nothing
    left to review. ``items`` in creation order; items of another kind pass through."""
    kept: dict[tuple[str, int, int | None], DigestItem] = {}
    for item in items:
        if item.kind != DigestKind.SUBMITTED:
            kept[(item.kind, item.pk, None)] = item
        elif item.report is not None and item.report.state == ReviewState.SUBMITTED:
            kept.pop((item.kind, item.user_id, item.report_id), None)  # keep the last in place
            kept[(item.kind, item.user_id, item.report_id)] = item
    return list(kept.values())


def _unannounced_submissions() -> list[ProgressReport]:
    # Submitted before submissions were routed when they happen: announced by this run.
    reports = (
        ProgressReport.objects.filter(state=ReviewState.SUBMITTED)
        .select_related("action", "member_government")
        .order_by("fiscal_year", "member_government__position", "action_id")
    )
    return [r for r in reports if r.digest_revision != r.revision]


def _overdue_by_person() -> tuple[
    int, dict[User, list[str]], dict[tuple[str, tuple[str, ...]], list[str]]
]:
    """Proposals still waiting for a first response after the deadline, listed for each
    assigned person (the bureau for proposals nobody is assigned to): (how many, the lines of
    each person who wants the digest, the lines of each (language, group) who want a mail of
    its own), each line in its reader's language. Only the receipt number, title, deadline and
    the desk link: the proposer's contact stays on the desk."""
    # Imported here: the desk does not depend on the progress follow-up, nor the reverse.
    from actionplan.partnerships.models import Proposal
    from actionplan.partnerships.queries import overdue

    proposals = list(
        overdue(Proposal.objects.all())
        .select_related("assignee")
        .order_by("first_response_due", "receipt_number")
    )
    digest: dict[User, list[str]] = {}
    mails: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for p in proposals:
        lines = {}
        for language in LANGUAGES:
            with translation.override(language):
                lines[language] = (
                    _("・%(number)s %(title)s（回答期限 %(due)s）")
                    % {
                        "number": p.receipt_number,
                        "title": _short(p.title),
                        "due": f"{p.first_response_due:%Y-%m-%d}",
                    }
                    + f"\n  {absolute_url('partnerships:proposal', p.pk, language=language)}"
                )
        assignee = p.assignee
        if assignee is not None and assignee.is_active and assignee.email:
            people = [assignee]
        else:
            people = bureau_people()
        immediate, digesting = split_by_mode(people)
        for user in digesting:
            digest.setdefault(user, []).append(lines[language_of(user)])
        for language, group in by_language(immediate).items():
            key = (language, tuple(sorted({u.email for u in group})))
            mails.setdefault(key, []).append(lines[language])
    return len(proposals), digest, mails


def _overdue_mail(lines: list[str], recipients: list[str], language: str = "ja") -> bool:
    with translation.override(language):
        subject = _("【公民連携窓口】初回回答の期限切れ %(count)s件") % {"count": len(lines)}
        body = (
            _("ご担当者様")
            + "\n\n"
            + _("次の提案 %(count)s件は、初回回答の期限を過ぎています。提案者に回答してください。")
            % {"count": len(lines)}
            + "\n\n"
            + "\n".join(lines)
            + "\n\n"
            + contact_lines(language)
        )
    return enqueue_mail(subject, body, recipients) is not None


def _digest_mail(
    user: User, reviewed: list[str], submitted: list[str], overdue_lines: list[str]
) -> bool:
    """One person's daily mail, in their language: every event kept for them since the last
    digest."""
    language = language_of(user)
    with translation.override(language):
        sections = []
        if reviewed:
            sections.append(
                _("■ 差し戻し・承認された進捗報告 %(count)s件") % {"count": len(reviewed)}
                + "\n"
                + _("差し戻された報告はコメントを確認して修正し、再提出してください。")
                + "\n\n"
                + "\n".join(reviewed)
            )
        if submitted:
            sections.append(
                _("■ 提出された進捗報告 %(count)s件（確認待ち）") % {"count": len(submitted)}
                + "\n"
                + _("内容を確認し、承認または差し戻してください。")
                + "\n\n"
                + "\n".join(submitted)
                + "\n\n"
                + _("確認待ちの一覧：%(link)s")
                % {"link": absolute_url("progress:review", language=language)}
            )
        if overdue_lines:
            sections.append(
                _("■ 初回回答の期限を過ぎた提案 %(count)s件") % {"count": len(overdue_lines)}
                + "\n"
                + _("提案者に回答してください。")
                + "\n\n"
                + "\n".join(overdue_lines)
            )
        counts = []
        if reviewed:
            counts.append(_("差し戻し・承認 %(count)s件") % {"count": len(reviewed)})
        if submitted:
            counts.append(_("提出 %(count)s件") % {"count": len(submitted)})
        if overdue_lines:
            counts.append(_("期限切れの提案 %(count)s件") % {"count": len(overdue_lines)})
        separator = ", " if language == "en" else "・"
        subject = _("【日次のお知らせ】%(counts)s") % {"counts": separator.join(counts)}
        body = (
            _("%(name)s 様") % {"name": user.get_full_name() or user.get_username()}
            + "\n\n"
            + _(
                "前回のお知らせ以降の出来事をまとめてお知らせします"
                "（1件ごとのメールに変えるには：%(link)s）。"
            )
            % {"link": absolute_url("accounts:notifications", language=language)}
            + "\n\n"
            + "\n\n".join(sections)
            + "\n\n"
            + contact_lines(language)
        )
    return enqueue_mail(subject, body, [user.email]) is not None


def send_digest() -> Digest:
    """The daily digest (the ``send-digest`` command, run from cron): each person who chose the
    digest gets one mail with every event kept for them (returns and acceptances of their
    body's reports, submitted reports for the bureau) and their overdue proposals; the items
    are deleted as they are mailed. Those who chose a mail per event get their overdue
    proposals in a mail of their own (and their gathered submissions that are due). All in one
    transaction: the deletions and the mails commit together."""
    with transaction.atomic():
        for report in _unannounced_submissions():
            notify_submitted(report)
        items = list(
            # Only the items are locked (the report is an outer join).
            DigestItem.objects.select_for_update(of=("self",))
            .filter(send_after__isnull=True)
            .select_related("user", "report")
            .order_by("user_id", "kind", "created_at", "id")
        )
        shown = _still_waiting(items)
        overdue_count, overdue_digest, overdue_mails = _overdue_by_person()
        people: dict[int, User] = {i.user_id: i.user for i in shown}
        people.update({u.pk: u for u in overdue_digest})
        mails = 0
        for user_id, user in sorted(people.items()):
            mine = [i for i in shown if i.user_id == user_id]
            reviewed = [i.text for i in mine if i.kind == DigestKind.REVIEWED]
            submitted = [i.text for i in mine if i.kind == DigestKind.SUBMITTED]
            lines = overdue_digest.get(user, [])
            if user.is_active and user.email:
                mails += _digest_mail(user, reviewed, submitted, lines)
        DigestItem.objects.filter(pk__in=[i.pk for i in items]).delete()
        for (language, recipients), lines in overdue_mails.items():
            mails += _overdue_mail(lines, list(recipients), language)
        reports = {i.report_id for i in shown if i.kind == DigestKind.SUBMITTED}
        reviewed_count = len(
            {(i.report_id, i.text) for i in shown if i.kind == DigestKind.REVIEWED}
        )
        mails += send_submission_mails()
    return Digest(reports=len(reports), overdue=overdue_count, mails=mails, reviewed=reviewed_count)
