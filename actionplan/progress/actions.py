"""Every write of the progress follow-up. Each function checks who asks, owns its transaction and
leaves a history row (django-simple-history) naming the user."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from actionplan.accounts.models import Role
from actionplan.accounts.permissions import (
    PermissionDenied,
    can_act_for,
    can_read_internal,
    government_of,
    is_bureau,
    require,
    role_of,
)
from actionplan.faults.conflicts import lost_race_as
from actionplan.files import storing_files, sweep_unreferenced_files
from actionplan.partnerships.uploads import ALLOWED_TYPES, detect_content_type
from actionplan.plans.fiscal import fiscal_year_label, fiscal_year_of
from actionplan.plans.models import (
    Action,
    ActionAssignment,
    Actor,
    MemberGovernment,
    Milestone,
    PlanVersion,
    Theme,
)
from actionplan.plans.queries import current_version
from actionplan.plans.translations import find_untranslatable

from . import notifications, queries
from .models import (
    Direction,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportComment,
    ReportingCycle,
    ReviewState,
    Status,
)

AnyUser = AbstractBaseUser | AnonymousUser

EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.RETURNED)

# The percents a status allows (inclusive); a status not listed allows 0–100. 完了 means the
# action is done (the roll-up counts it as 100), 未着手 that nothing happened yet, 実施中 that
# it started and is not finished: a report saying otherwise contradicts itself.
STATUS_PERCENT_RANGE: dict[str, tuple[int, int]] = {
    Status.NOT_STARTED: (0, 0),
    Status.IN_PROGRESS: (1, 99),
    Status.DONE: (100, 100),
}


class ProgressError(Exception):
    """Bad input: the message says what is wrong, ``field`` where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ProgressError):
    """The write was based on an older revision than the stored one."""


@dataclass
class ReportInput:
    status: str
    percent: int
    narrative_ja: str = ""
    narrative_en: str = ""
    evidence_links: list[str] = field(default_factory=list)

    def clean(self) -> ReportInput:
        if self.status not in Status.values:
            raise ProgressError(
                _("状況「%(status)s」は選べません（%(choices)s）")
                % {"status": self.status, "choices": ", ".join(Status.values)},
                "status",
            )
        if isinstance(self.percent, bool) or not isinstance(self.percent, int):
            raise ProgressError(_("進捗率は0から100の整数です"), "percent")
        if not 0 <= self.percent <= 100:
            raise ProgressError(_("進捗率は0から100の整数です"), "percent")
        low, high = STATUS_PERCENT_RANGE.get(self.status, (0, 100))
        if not low <= self.percent <= high:
            label = Status(self.status).label
            raise ProgressError(
                (
                    _("状況「%(status)s」の進捗率は%(low)d%%です")
                    if low == high
                    else _("状況「%(status)s」の進捗率は%(low)d〜%(high)d%%です")
                )
                % {"status": label, "low": low, "high": high},
                "percent",
            )
        validate = URLValidator(schemes=["http", "https"])
        links = [link.strip() for link in self.evidence_links if link.strip()]
        for link in links:
            try:
                validate(link)
            except ValidationError:
                raise ProgressError(
                    _("根拠資料のURLが正しくありません: %(link)s") % {"link": link},
                    "evidence_links",
                ) from None
        return ReportInput(
            self.status,
            self.percent,
            self.narrative_ja.strip(),
            self.narrative_en.strip(),
            links,
        )

    def differs_from(self, report: ProgressReport) -> bool:
        return (
            self.status != report.status
            or self.percent != report.percent
            or self.narrative_ja != report.narrative_ja
            or self.narrative_en != report.narrative_en
            or self.evidence_links != list(report.evidence_links)
        )


def _stamp(report: ProgressReport, user: AnyUser) -> None:
    # simple-history takes the user from the request in views; API and commands set it here.
    report._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
    report.updated_by_id = user.pk


def _user_id(user: AnyUser) -> int:
    if user.pk is None:
        raise PermissionDenied(_("サインインが必要です"))
    return int(user.pk)


def _check_revision(report: ProgressReport, base_revision: int | None) -> None:
    if base_revision is None or base_revision != report.revision:
        raise ConflictError(
            _(
                "この報告は他の人が先に更新しました（あなたの版 %(yours)s、現在の版 "
                "%(current)s）。最新の内容を読み込んでからやり直してください。"
            )
            % {"yours": base_revision, "current": report.revision},
            "revision",
        )


def _year_label(fiscal_year: int) -> str:
    """令和7年度（2025年度） or FY2025, in the language of the request."""
    return fiscal_year_label(fiscal_year, get_language() or "ja")


def open_cycle_for(fiscal_year: int) -> ReportingCycle:
    """The open cycle of the year, locked until the caller's transaction ends so that closing
    the cycle waits for a write in progress (and a write after the close sees it closed).
    Writes of one year queue on this row; each is a short transaction, so the wait is short."""
    cycle = (
        ReportingCycle.objects.select_for_update()
        .filter(fiscal_year=fiscal_year, is_open=True)
        .first()
    )
    if cycle is None:
        raise ProgressError(
            _("%(year)sの報告受付は開いていません") % {"year": _year_label(fiscal_year)},
            "fiscal_year",
        )
    return cycle


def period_label(action: Action) -> str:
    """The action's period in the request's language: 令和8年度（2026年度）～, FY2024–FY2025."""
    period = action.period
    language = get_language() or "ja"
    if period.fiscal_year_end is None:
        return fiscal_year_label(period.fiscal_year_start, language, open_ended=True)
    if period.fiscal_year_end == period.fiscal_year_start:
        return fiscal_year_label(period.fiscal_year_start, language)
    first = fiscal_year_label(period.fiscal_year_start, language)
    return f"{first}–{fiscal_year_label(period.fiscal_year_end, language)}"


def check_in_period(action: Action, fiscal_year: int) -> None:
    """A report exists only for a fiscal year inside its action's period."""
    if not queries.action_runs_in(action, fiscal_year):
        raise ProgressError(
            _("この取組の期間は%(period)sです。%(year)sの報告は作成できません")
            % {"period": period_label(action), "year": _year_label(fiscal_year)},
            "fiscal_year",
        )


def save_report(
    user: AnyUser,
    action: Action,
    fiscal_year: int,
    government: MemberGovernment | None,
    data: ReportInput,
    base_revision: int | None,
) -> tuple[ProgressReport, bool]:
    """Create or change a body's report; returns the report and whether anything changed.

    A new report needs ``base_revision`` 0; a change needs the stored revision. Submitting,
    accepting and returning are separate steps.
    """
    require(can_act_for(user, government), _("この報告主体の報告を編集する権限がありません"))
    if not queries.body_carries(action, government):
        raise ProgressError(_("この取組はこの報告主体の担当ではありません"), "action")
    check_in_period(action, fiscal_year)
    clean = data.clean()
    with transaction.atomic():
        open_cycle_for(fiscal_year)
        report = (
            ProgressReport.objects.select_for_update()
            .filter(action=action, fiscal_year=fiscal_year, member_government=government)
            .first()
        )
        if report is None:
            if base_revision not in (0, None):
                raise ConflictError(_("この報告は削除されたか、まだありません"), "revision")
            report = ProgressReport(
                action=action, fiscal_year=fiscal_year, member_government=government
            )
        else:
            if not clean.differs_from(report):
                # Saving what is already stored (a workbook uploaded twice) changes nothing.
                return report, False
            _check_revision(report, base_revision)
            if report.state not in EDITABLE_STATES:
                raise ProgressError(
                    _("%(state)sの報告は変更できません") % {"state": report.get_state_display()},
                    "state",
                )
            report.revision += 1
            report.state = ReviewState.DRAFT
        report.status = clean.status
        report.percent = clean.percent
        report.narrative_ja = clean.narrative_ja
        report.narrative_en = clean.narrative_en
        report.evidence_links = clean.evidence_links
        _stamp(report, user)
        # A concurrent request may have created the same report since the lookup above.
        with lost_race_as(
            lambda: ConflictError(
                _("この報告は同時に別の操作で作成されました。読み込み直してください"), "revision"
            )
        ):
            report.save()
    return report, True


def _transition(
    user: AnyUser,
    report: ProgressReport,
    base_revision: int | None,
    allowed_from: Iterable[str],
    to: str,
    comment: str = "",
    *,
    correction: bool = False,
) -> ProgressReport:
    with transaction.atomic():
        locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
        open_cycle_for(locked.fiscal_year)
        _check_revision(locked, base_revision)
        if to in (ReviewState.SUBMITTED, ReviewState.ACCEPTED):
            # A report stored before writes checked the period is neither submitted nor accepted.
            check_in_period(locked.action, locked.fiscal_year)
        if locked.state not in allowed_from:
            raise ProgressError(
                _("%(state)sの報告にはこの操作はできません")
                % {"state": locked.get_state_display()},
                "state",
            )
        locked.state = to
        locked.review_comment = comment
        if correction:
            locked.corrected_at = timezone.now()
        locked.revision += 1
        _stamp(locked, user)
        locked.save()
        # Returned (also when an accepted report is reopened) or accepted: the body's editors
        # are told; submitted: the bureau. In the same transaction, so a transition that rolls
        # back mails nobody and keeps no digest item.
        notifications.notify_reviewed(locked)
    return locked


def submit_report(
    user: AnyUser, report: ProgressReport, base_revision: int | None
) -> ProgressReport:
    require(can_act_for(user, report.member_government), _("この報告を提出する権限がありません"))
    return _transition(user, report, base_revision, EDITABLE_STATES, ReviewState.SUBMITTED)


def accept_report(
    user: AnyUser, report: ProgressReport, base_revision: int | None
) -> ProgressReport:
    require(is_bureau(user), _("報告の承認は広域産業振興局だけができます"))
    if not may_accept(user, report):
        raise PermissionDenied(
            _("自分が作成・変更・提出した報告は承認できません（別の職員が承認します）")
        )
    return _transition(user, report, base_revision, [ReviewState.SUBMITTED], ReviewState.ACCEPTED)


def may_accept(user: AnyUser, report: ProgressReport) -> bool:
    """Bureau, and (unless PROGRESS_FOUR_EYES is off) not the report's writer or submitter."""
    if not is_bureau(user):
        return False
    return not (settings.PROGRESS_FOUR_EYES and wrote_or_submitted(user, report))


def wrote_or_submitted(user: AnyUser, report: ProgressReport) -> bool:
    """Whether the user wrote, changed or submitted the report at any time: its history rows
    in the draft or submitted state are the writes and submissions, with who made them."""
    if user.pk is None:
        return False
    written: bool = report.history.filter(
        history_user_id=user.pk, state__in=[ReviewState.DRAFT, ReviewState.SUBMITTED]
    ).exists()
    return written


def reopen_report(
    user: AnyUser, report: ProgressReport, base_revision: int | None, reason: str
) -> ProgressReport:
    """The bureau takes back an accepted report to correct it: it becomes returned (the body
    or the bureau changes it and submits it again) with the reason as its comment; the history
    keeps the accepted version, and the public page shows the date of the correction."""
    require(is_bureau(user), _("承認済みの報告の再開は広域産業振興局だけができます"))
    if not reason.strip():
        raise ProgressError(_("再開には理由が必要です"), "comment")
    return _transition(
        user,
        report,
        base_revision,
        [ReviewState.ACCEPTED],
        ReviewState.RETURNED,
        reason.strip(),
        correction=True,
    )


def return_report(
    user: AnyUser, report: ProgressReport, base_revision: int | None, comment: str
) -> ProgressReport:
    require(is_bureau(user), _("報告の差し戻しは広域産業振興局だけができます"))
    if not comment.strip():
        raise ProgressError(_("差し戻しには理由のコメントが必要です"), "comment")
    return _transition(
        user,
        report,
        base_revision,
        [ReviewState.SUBMITTED],
        ReviewState.RETURNED,
        comment.strip(),
    )


def can_see_report(user: AnyUser, report: ProgressReport) -> bool:
    """Bureau and reviewers see every report; an editor sees their own government's."""
    if role_of(user) == Role.MEMBER_EDITOR:
        return can_act_for(user, report.member_government)
    return can_read_internal(user)


def comment_on_report(user: AnyUser, report: ProgressReport, text: str) -> ReportComment:
    require(can_see_report(user, report), _("この報告にコメントする権限がありません"))
    if not text.strip():
        raise ProgressError(_("コメントが空です"), "text")
    with transaction.atomic():
        comment = ReportComment(report=report, author_id=_user_id(user), text=text.strip())
        comment._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        comment.save()
    return comment


def assign_action(
    user: AnyUser, action: Action, governments: Iterable[MemberGovernment]
) -> tuple[int, int]:
    """Set exactly which member governments carry a `members` action; returns (added, removed).
    Each added or removed assignment gets its own history row."""
    require(is_bureau(user), _("担当の割り当ては広域産業振興局だけができます"))
    if action.actor != Actor.MEMBERS:
        raise ProgressError(_("関西広域連合の取組は広域産業振興局が担当します"), "action")
    wanted = {g.pk for g in governments}
    with transaction.atomic():
        current = {
            a.member_government_id: a
            for a in ActionAssignment.objects.select_for_update().filter(action=action)
        }
        removed = 0
        for gov_id, assignment in current.items():
            if gov_id not in wanted:
                assignment._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
                assignment.delete()
                removed += 1
        added = 0
        for gov_id in sorted(wanted - set(current)):
            assignment = ActionAssignment(action=action, member_government_id=gov_id)
            assignment._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
            assignment.save()
            added += 1
    return added, removed


def open_cycle(user: AnyUser, fiscal_year: int, deadline: datetime.date) -> ReportingCycle:
    """Open (or open again with a new deadline) the cycle of a fiscal year the current plan
    covers (``queries.reporting_years``), due on or after the year's first day (1 April)."""
    require(is_bureau(user), _("報告受付の開始は広域産業振興局だけができます"))
    years = queries.reporting_years(current_version())
    if fiscal_year not in years:
        if not years:
            raise ProgressError(_("計画がまだ取り込まれていません"), "fiscal_year")
        raise ProgressError(
            _("%(year)sは現行の計画の対象外です（%(first)s〜%(last)s）")
            % {
                "year": _year_label(fiscal_year),
                "first": _year_label(years[0]),
                "last": _year_label(years[-1]),
            },
            "fiscal_year",
        )
    first_day = datetime.date(fiscal_year, 4, 1)
    if deadline < first_day:
        raise ProgressError(
            _("提出期限は%(year)sの初日（%(first_day)s）以降の日付です")
            % {"year": _year_label(fiscal_year), "first_day": f"{first_day:%Y-%m-%d}"},
            "deadline",
        )
    return _open_cycle(user, fiscal_year, deadline)


def _open_cycle(user: AnyUser, fiscal_year: int, deadline: datetime.date) -> ReportingCycle:
    with transaction.atomic():
        cycle = ReportingCycle.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
        if cycle is None:
            cycle = ReportingCycle(fiscal_year=fiscal_year, opened_by_id=_user_id(user))
        cycle.deadline = deadline
        cycle.is_open = True
        cycle._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        cycle.save()
    return cycle


def reopen_cycle(user: AnyUser, cycle: ReportingCycle) -> ReportingCycle:
    """Open a closed cycle again, keeping its deadline (history kept); also a cycle of a year
    that a later edition of the plan no longer covers, to correct its reports."""
    require(is_bureau(user), _("報告受付の開始は広域産業振興局だけができます"))
    return _open_cycle(user, cycle.fiscal_year, cycle.deadline)


def close_cycle(user: AnyUser, cycle: ReportingCycle) -> ReportingCycle:
    require(is_bureau(user), _("報告受付の終了は広域産業振興局だけができます"))
    with transaction.atomic():
        cycle.is_open = False
        cycle._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        cycle.save()
    return cycle


def _recipients(government: MemberGovernment | None) -> list[str]:
    return notifications.recipients_for(government)


def send_reminders(user: AnyUser | None, cycle: ReportingCycle) -> int:
    """Mail every body with missing reports; ``user`` None is the scheduled command. Returns
    the number of mails queued (stored in the outbox with the reminder's date, sent after)."""
    if user is not None:
        require(is_bureau(user), _("督促メールの送信は広域産業振興局だけができます"))
    cycle.refresh_from_db(fields=["is_open"])
    if not cycle.is_open:
        raise ProgressError(
            _("%(year)sの報告受付は終了しているため、督促はできません")
            % {"year": _year_label(cycle.fiscal_year)},
            "fiscal_year",
        )
    sent = 0
    version = current_version()
    with transaction.atomic():
        for body in queries.body_statuses(cycle, version):
            if body.missing <= 0 or version is None:
                continue
            recipients = _recipients(body.government)
            if not recipients:
                continue
            reports = queries.reports_by_action(cycle.fiscal_year, body.government)
            done = (ReviewState.SUBMITTED, ReviewState.ACCEPTED)
            missing = [
                a
                for a in queries.carried_actions(version, cycle.fiscal_year, body.government)
                if a.pk not in reports or reports[a.pk].state not in done
            ]
            # Each person's mail language, whatever the language of the request that sends it.
            sent += notifications.send_reminder(cycle, body.government, missing)
        cycle.last_reminded_at = timezone.now()
        if user is not None:
            cycle._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        cycle.save(update_fields=["last_reminded_at"])
    return sent


def government_for_code(code: str) -> MemberGovernment | None:
    """The reporting body named in URLs and workbooks: ``union`` or an lg_code."""
    if code == "union":
        return None
    government = MemberGovernment.objects.filter(lg_code=code).first()
    if government is None:
        raise ProgressError(_("報告主体「%(code)s」はありません") % {"code": code}, "body")
    return government


def default_body_for(user: AnyUser) -> MemberGovernment | None:
    """An editor reports for their government; the bureau for the Union."""
    if is_bureau(user):
        return None
    government = government_of(user)
    if government is None:
        raise PermissionDenied(_("報告主体がありません"))
    return government


def create_indicator(
    user: AnyUser,
    name_ja: str,
    *,
    name_en: str = "",
    unit: str = "",
    source: str = "",
    theme: Theme | None = None,
    action: Action | None = None,
) -> Indicator:
    require(is_bureau(user), _("指標の登録は広域産業振興局だけができます"))
    if not name_ja.strip():
        raise ProgressError(_("指標の名前（日本語）が必要です"), "name_ja")
    if (theme is None) == (action is None):
        raise ProgressError(_("指標はテーマか取組のどちらか一つに結び付けます"), "theme")
    with transaction.atomic():
        indicator = Indicator(
            name_ja=name_ja.strip(),
            name_en=name_en.strip(),
            unit=unit.strip(),
            source=source.strip(),
            theme=theme,
            action=action,
        )
        indicator._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        indicator.save()
    return indicator


# How far before its baseline year (or the plan's first year, without a baseline) an indicator's
# value may go: the plan's figures describe the decade before it at most.
INDICATOR_PAST_YEARS = 10


def indicator_years(indicator: Indicator) -> range:
    """The fiscal years an indicator may have a value for: from ``INDICATOR_PAST_YEARS`` before
    its baseline year (else its plan's first year) up to the current fiscal year; a value of a
    year that has not begun cannot have been measured."""
    current = fiscal_year_of(timezone.localdate())
    anchor = indicator.baseline_year
    if anchor is None:
        owner = indicator.theme or indicator.action
        anchor = owner.version.plan_start_fy if owner is not None else current
    return range(anchor - INDICATOR_PAST_YEARS, current + 1)


def check_value_year(indicator: Indicator, fiscal_year: int) -> None:
    years = indicator_years(indicator)
    if fiscal_year > years[-1]:
        raise ProgressError(
            _("%(year)sはまだ始まっていません（記録できるのは%(last)sまでです）")
            % {"year": _year_label(fiscal_year), "last": _year_label(years[-1])},
            "fiscal_year",
        )
    if fiscal_year < years[0]:
        raise ProgressError(
            _("%(year)sは古すぎます（記録できるのは%(first)s以降です）")
            % {"year": _year_label(fiscal_year), "first": _year_label(years[0])},
            "fiscal_year",
        )


def record_indicator_value(
    user: AnyUser,
    indicator: Indicator,
    fiscal_year: int,
    value: Decimal,
    note: str = "",
    report: ProgressReport | None = None,
) -> IndicatorValue:
    """Set the value of an indicator for a fiscal year (replacing an earlier one, with history).

    The bureau records values; a reporting body may give one with its own report, for an
    indicator of the report's action and the report's year, while the report can still be
    changed. A value given with a report is public once the report is accepted.
    """
    if report is not None:
        require(
            can_act_for(user, report.member_government), _("この報告に値を記録する権限がありません")
        )
        if indicator.action_id != report.action_id:
            raise ProgressError(_("この指標はこの報告の取組の指標ではありません"), "indicator")
        if fiscal_year != report.fiscal_year:
            raise ProgressError(_("値の年度は報告の年度と同じです"), "fiscal_year")
        if report.state not in EDITABLE_STATES:
            raise ProgressError(
                _("%(state)sの報告は変更できません") % {"state": report.get_state_display()},
                "state",
            )
    else:
        require(is_bureau(user), _("指標の値の記録は広域産業振興局だけができます"))
    check_value_year(indicator, fiscal_year)
    if not value.is_finite():
        raise ProgressError(_("値が数ではありません"), "value")
    if abs(value) >= Decimal(10) ** 16:
        # The column holds 16 digits before the decimal point.
        raise ProgressError(_("値が大きすぎます"), "value")
    with transaction.atomic():
        if report is not None:
            open_cycle_for(fiscal_year)  # a report's value is a write of the report
        record = (
            IndicatorValue.objects.select_for_update()
            .filter(indicator=indicator, fiscal_year=fiscal_year)
            .first()
        ) or IndicatorValue(indicator=indicator, fiscal_year=fiscal_year)
        record.value = value
        record.note = note.strip()
        record.report = report
        record._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        record.save()
    return record


# Why a history row says the English is unofficial: the portal already marks every English text
# as an unofficial translation (PlanVersion.translation_notice), and the history keeps who wrote it.
UNOFFICIAL_TRANSLATION_REASON = "unofficial translation"


def translate_action(user: AnyUser, action: Action, text_en: str) -> Action:
    """Write the unofficial English text of an action of the staged or current edition."""
    translate_item(user, action.version, f"action-action-text-{action.pk}", text_en)
    action.refresh_from_db()
    return action


def translate_item(user: AnyUser, version: PlanVersion, token: str, text_en: str) -> int:
    """Write the unofficial English of one text of the staged or current edition (a token of
    `untranslated_items`: a record's field, or a label shared by several rows, each of which
    gets it). Reversible through each row's history, which names the user and says it is
    unofficial. Returns how many rows were written."""
    require(is_bureau(user), _("英訳の入力は広域産業振興局だけができます"))
    text = "\n".join(line.strip() for line in text_en.strip().splitlines())
    if not text:
        raise ProgressError(_("英訳を入力してください"), "text_en")
    with transaction.atomic():
        stored = PlanVersion.objects.select_for_update().get(pk=version.pk)
        if stored.state == PlanVersion.State.SUPERSEDED:
            raise ProgressError(_("過去の版には英訳を入力できません"), "item")
        rows = find_untranslatable(stored, token)
        if not rows:
            raise ProgressError(_("この版にこの文章はありません"), "item")
        for translatable, pk in rows:
            model: Any = translatable.model
            limit = model._meta.get_field(f"{translatable.name}_en").max_length
            if limit is not None and len(text) > limit:
                raise ProgressError(
                    _("英訳が長すぎます（%(limit)s文字まで）") % {"limit": limit}, "text_en"
                )
            record = model.objects.select_for_update().get(pk=pk)
            setattr(record, f"{translatable.name}_en", text)
            record._history_user = user  # noqa: SLF001
            record._change_reason = UNOFFICIAL_TRANSLATION_REASON  # noqa: SLF001
            record.save(update_fields=[f"{translatable.name}_en"])
    return len(rows)


def is_complete(report: ProgressReport) -> bool:
    """A draft ready to submit: its values are consistent (every save checks that) and it says
    what was done (a narrative in Japanese)."""
    return report.state in EDITABLE_STATES and bool(report.narrative_ja.strip())


def submit_reports(user: AnyUser, revisions: dict[int, int]) -> list[ProgressReport]:
    """Submit several reports at once, all or none: ``revisions`` maps each report id to the
    revision the user saw. Each report gets its own history row, as when submitted alone."""
    submitted = []
    with transaction.atomic(), notifications.submissions_together():
        reports = ProgressReport.objects.select_related("member_government").in_bulk(
            list(revisions)
        )
        for report_id, revision in sorted(revisions.items()):
            report = reports.get(report_id)
            if report is None:
                raise ProgressError(_("この報告は削除されたか、まだありません"), "reports")
            if not is_complete(report):
                raise ProgressError(
                    _("報告 %(id)s は提出できる下書きではありません（取組内容が空です）")
                    % {"id": report_id},
                    "reports",
                )
            submitted.append(submit_report(user, report, revision))
    return submitted


def accept_reports(user: AnyUser, revisions: dict[int, int]) -> list[ProgressReport]:
    """Accept several submitted reports at once, all or none, each with the checks and the
    history row of a single acceptance (bureau, open cycle, four eyes, revision)."""
    require(is_bureau(user), _("報告の承認は広域産業振興局だけができます"))
    accepted = []
    with transaction.atomic():
        reports = ProgressReport.objects.in_bulk(list(revisions))
        for report_id, revision in sorted(revisions.items()):
            report = reports.get(report_id)
            if report is None:
                raise ProgressError(_("この報告は削除されたか、まだありません"), "reports")
            accepted.append(accept_report(user, report, revision))
    return accepted


def assign_actions(
    user: AnyUser, wanted: Mapping[Action, Iterable[MemberGovernment]]
) -> tuple[int, int]:
    """The assignment matrix: set the governments of several `members` actions in one step,
    all or none (each added or removed assignment has its history row). Returns (added,
    removed) in total."""
    require(is_bureau(user), _("担当の割り当ては広域産業振興局だけができます"))
    added = removed = 0
    with transaction.atomic():
        for action, governments in wanted.items():
            a, r = assign_action(user, action, governments)
            added += a
            removed += r
    return added, removed


@dataclass
class TargetInput:
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    target_year: int | None
    direction: str = Direction.UP


def _check_target(data: TargetInput) -> None:
    for value, name in (
        (data.baseline_value, "baseline_value"),
        (data.target_value, "target_value"),
    ):
        if value is not None and (not value.is_finite() or abs(value) >= Decimal(10) ** 16):
            raise ProgressError(_("値が数ではないか、大きすぎます"), name)
    for year, name in ((data.baseline_year, "baseline_year"), (data.target_year, "target_year")):
        if year is not None and not 2000 <= year <= 2100:
            raise ProgressError(_("年度が正しくありません"), name)
    if (data.baseline_value is None) != (data.baseline_year is None):
        raise ProgressError(_("基準値と基準年度は両方とも記入します"), "baseline_year")
    if (data.target_value is None) != (data.target_year is None):
        raise ProgressError(_("目標値と目標年度は両方とも記入します"), "target_year")
    if data.baseline_year is not None and data.target_year is not None:
        if data.target_year <= data.baseline_year:
            raise ProgressError(_("目標年度は基準年度より後です"), "target_year")
    if data.direction not in Direction.values:
        raise ProgressError(_("向きは増える・減るのどちらかです"), "direction")


def set_indicator_target(
    user: AnyUser, indicator: Indicator, data: TargetInput, base_revision: int | None = None
) -> Indicator:
    """Set an indicator's baseline, target and which direction is good (history kept). With
    ``base_revision`` (the page's hidden field, the API's ``revision`` or ``If-Match``), a change
    based on an older revision is refused."""
    require(is_bureau(user), _("指標の目標の設定は広域産業振興局だけができます"))
    _check_target(data)
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        if base_revision is not None and base_revision != locked.revision:
            raise ConflictError(
                _(
                    "この指標の基準と目標は他の人が先に変更しました（あなたの版 %(yours)s、"
                    "現在の版 %(current)s）。最新の内容を読み込んでからやり直してください。"
                )
                % {"yours": base_revision, "current": locked.revision},
                "revision",
            )
        locked.revision += 1
        locked.baseline_value = data.baseline_value
        locked.baseline_year = data.baseline_year
        locked.target_value = data.target_value
        locked.target_year = data.target_year
        locked.direction = data.direction
        locked._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        locked.save()
    return locked


def indicators_from_plan(version: PlanVersion) -> list[Indicator]:
    """Make each figure the plan itself gives in its developments (関西の動き: a label, a value,
    the year it describes and its source) an indicator of its theme with that value, the
    plan's own starting point as its baseline. Running it again changes nothing. Run by the
    operator (a command), so the history names no user."""
    made = []
    with transaction.atomic():
        for milestone in Milestone.objects.filter(
            version=version, figure_value__isnull=False, figure_as_of_year__isnull=False
        ).select_related("theme"):
            name = milestone.figure_label_ja.strip()
            figure = milestone.figure_value
            if not name or figure is None:
                continue
            indicator = Indicator.objects.filter(
                theme__code=milestone.theme.code, name_ja=name
            ).first()
            if indicator is None:
                indicator = Indicator.objects.create(
                    name_ja=name,
                    name_en=milestone.figure_label_en.strip(),
                    unit=milestone.figure_unit.strip(),
                    source=milestone.figure_source_ja.strip()[:300],
                    theme=milestone.theme,
                    baseline_value=milestone.figure_value,
                    baseline_year=milestone.figure_as_of_year,
                )
            year = int(milestone.figure_as_of_year or 0)
            if not indicator.values.filter(fiscal_year=year).exists():
                IndicatorValue.objects.create(
                    indicator=indicator,
                    fiscal_year=year,
                    value=figure,
                    note=_("計画に記載の値（%(year)s年時点）") % {"year": year},
                )
            made.append(indicator)
    return made


def add_evidence_file(user: AnyUser, report: ProgressReport, upload: UploadedFile) -> EvidenceFile:
    """Attach a file to a report as evidence, with the checks of proposal attachments: the size
    limit and the type judged by content (PDF, Office document, image). Like any change of the
    report, only while it can be changed and its cycle is open."""
    require(
        can_act_for(user, report.member_government), _("この報告に資料を添付する権限がありません")
    )
    if report.state not in EDITABLE_STATES:
        raise ProgressError(
            _("%(state)sの報告は変更できません") % {"state": report.get_state_display()}, "state"
        )
    name = (upload.name or "file")[:255]
    limit = settings.PROPOSAL_MAX_ATTACHMENT_BYTES
    if (upload.size or 0) > limit:
        raise ProgressError(
            _("%(name)s は大きすぎます（%(size)s、上限 %(limit)s）")
            % {
                "name": name,
                "size": filesizeformat(upload.size or 0),
                "limit": filesizeformat(limit),
            },
            "file",
        )
    mime = detect_content_type(upload.file) if upload.file is not None else None
    if mime is None:
        raise ProgressError(
            _("%(name)s は内容からPDF・Office文書・画像と確認できません") % {"name": name}, "file"
        )
    # A full disk or an unwritable folder: FilesNotStored, no row, no file left behind.
    with storing_files("evidence file"), transaction.atomic():
        open_cycle_for(report.fiscal_year)
        evidence = EvidenceFile(
            report=report,
            original_name=name,
            content_type=mime,
            size=upload.size or 0,
            uploaded_by_id=_user_id(user),
        )
        evidence.file.save(f"evidence.{ALLOWED_TYPES[mime]}", upload, save=False)
        evidence._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        evidence.save()
    return evidence


def sweep_evidence_files(older_than: datetime.timedelta) -> int:
    """Remove evidence files that no row points to (staged for a transaction that never
    committed, or left by a report deleted since), last changed longer ago than ``older_than``;
    returns how many. Only files under the evidence folder are touched."""
    return sweep_unreferenced_files(
        Path(settings.PROGRESS_EVIDENCE_ROOT),
        EvidenceFile.objects.values_list("file", flat=True),
        older_than,
    )
