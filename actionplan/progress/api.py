"""/api/v1/progress: accepted reports and indicators for everyone; writes with an API token,
through the same actions (and permission checks) as the web pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, TypeVar

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator, StrictInt

from actionplan.accounts.permissions import is_bureau
from actionplan.api.auth import token_auth
from actionplan.api.errors import ApiError, error_response
from actionplan.api.params import MAX_ID, FiscalYear, RecordId
from actionplan.plans.models import Action
from actionplan.plans.queries import editions_of_action

from . import actions, queries, targets
from .actions import ConflictError, ProgressError, ReportInput, TargetInput
from .models import Indicator, ProgressReport

router = Router(tags=["progress"])


class ReportOut(Schema):
    id: int
    action_id: int
    fiscal_year: int
    body: str = Field(description="lg_code of the member government, or `union`")
    body_name: str
    status: str
    percent: int
    narrative_ja: str
    narrative_en: str
    evidence_links: list[str]
    state: str
    revision: int
    updated_at: datetime.datetime

    plan_version: int = Field(description="the plan version whose action it was filed against")
    plan_edition: str = Field(description="that version's edition label")

    @staticmethod
    def resolve_body(obj: ProgressReport) -> str:
        return obj.body_code

    @staticmethod
    def resolve_plan_version(obj: ProgressReport) -> int:
        return obj.action.version.number

    @staticmethod
    def resolve_plan_edition(obj: ProgressReport) -> str:
        return obj.action.version.edition_ja


class ReportIn(Schema):
    status: str
    # Strict: JSON true or "30" is not a percent (lax parsing would store true as 1).
    percent: StrictInt = Field(..., ge=0, le=100)
    narrative_ja: str = ""
    narrative_en: str = ""
    evidence_links: list[str] = []
    revision: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="the revision the change is based on (0 for a new report); or If-Match",
    )


class StepIn(Schema):
    revision: int | None = Field(
        None, ge=0, le=MAX_ID, description="the revision the step is based on; or If-Match"
    )
    comment: str = ""


class IndicatorValueOut(Schema):
    fiscal_year: int
    value: Decimal
    note: str


class ExpectedOut(Schema):
    fiscal_year: int
    value: Decimal


class IndicatorOut(Schema):
    id: int
    name_ja: str
    name_en: str
    unit: str
    source: str
    theme_code: str | None
    action_id: int | None
    values: list[IndicatorValueOut]
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    target_year: int | None
    direction: str = Field(description="`up` (more is better) or `down`")
    status: str | None = Field(
        description="`on_track`, `at_risk` or `off_track` by the rule in the README; null "
        "without a baseline, a target and a later public value"
    )
    expected: list[ExpectedOut] = Field(
        description="the expected value of each fiscal year from the baseline year to the "
        "target year (the straight line the status is measured against); empty without both"
    )
    revision: int = Field(description="the revision of the baseline and target, for writes")

    @staticmethod
    def resolve_expected(obj: Indicator) -> list[ExpectedOut]:
        return [
            ExpectedOut(fiscal_year=year, value=value) for year, value in targets.expected_line(obj)
        ]

    @staticmethod
    def resolve_status(obj: Indicator) -> str | None:
        assessment = targets.assess(obj, {v.fiscal_year: v for v in obj.values.all()})
        return str(assessment.status) if assessment else None

    @staticmethod
    def resolve_theme_code(obj: Indicator) -> str | None:
        return obj.theme.code if obj.theme else None

    @staticmethod
    def resolve_values(obj: Indicator) -> list[IndicatorValueOut]:
        return [
            IndicatorValueOut(fiscal_year=v.fiscal_year, value=v.value, note=v.note)
            for v in obj.values.all()
        ]


def _not_bool(value: object) -> object:
    # Lax parsing would read true as 1.
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")  # noqa: TRY004
    return value


# A JSON number, or a decimal number as a string (the reads give Decimals as strings); never
# true/false, NaN or an infinity; at most 16 digits before the point and 4 after, as stored.
Number = Annotated[
    Decimal,
    BeforeValidator(_not_bool),
    Field(allow_inf_nan=False, max_digits=20, decimal_places=4),
]


class TargetIn(Schema):
    baseline_value: Number | None = Field(None, description="with `baseline_year`, or neither")
    baseline_year: StrictInt | None = Field(None, ge=2000, le=2100)
    target_value: Number | None = Field(None, description="with `target_year`, or neither")
    target_year: StrictInt | None = Field(
        None, ge=2000, le=2100, description="after `baseline_year`"
    )
    direction: str = Field("up", description="`up` (more is better) or `down`")
    revision: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="the indicator's revision the change is based on (from the read); or If-Match",
    )


def _revision(request: HttpRequest, given: int | None) -> int | None:
    """The revision from the body, else from ``If-Match`` (a bare or quoted number)."""
    if given is not None:
        return given
    header = request.headers.get("If-Match", "").strip().strip('"')
    return int(header) if header.isdigit() else None


Row = TypeVar("Row", bound=models.Model)


def _found(rows: QuerySet[Row], pk: int, message: str) -> Row:
    """The row, else a 404 in the API's shape saying what is missing."""
    found = rows.filter(pk=pk).first()
    if found is None:
        raise ApiError(404, "not_found", message % {"id": pk})
    return found


def _error(exc: ProgressError) -> HttpResponse:
    if isinstance(exc, ConflictError):
        return error_response(409, "conflict", exc.message, exc.field)
    return error_response(422, "invalid", exc.message, exc.field)


@router.get("/reports", response=list[ReportOut], summary="Accepted progress reports")
def list_reports(
    request: HttpRequest,
    fiscal_year: FiscalYear | None = None,
    action_id: RecordId | None = None,
    body: str | None = None,
) -> list[ProgressReport]:
    reports = queries.public_reports().select_related("member_government", "action__version")
    if fiscal_year is not None:
        reports = reports.filter(fiscal_year=fiscal_year)
    if action_id is not None:
        # The action's reports in every edition of the plan (found by its stable key).
        action = Action.objects.select_related("version").filter(pk=action_id).first()
        reports = reports.filter(
            action__in=editions_of_action(action) if action else Action.objects.none()
        )
    if body == "union":
        reports = reports.filter(member_government__isnull=True)
    elif body:
        reports = reports.filter(member_government__lg_code=body)
    return list(reports.order_by("fiscal_year", "action_id", "member_government__position"))


@router.get("/reports/{report_id}", response=ReportOut, summary="One accepted report")
def get_report(request: HttpRequest, report_id: RecordId) -> ProgressReport:
    return _found(
        queries.public_reports().select_related("member_government", "action__version"),
        report_id,
        _("公開されている報告 %(id)s はありません"),
    )


@router.get("/indicators", response=list[IndicatorOut], summary="Indicators and their values")
def list_indicators(request: HttpRequest) -> list[Indicator]:
    """Public values only: a value given with a report shows once the report is accepted."""
    public = queries.public_indicator_values().order_by("fiscal_year")
    return list(
        Indicator.objects.select_related("theme").prefetch_related(
            Prefetch("values", queryset=public)
        )
    )


@router.put(
    "/indicators/{indicator_id}/target",
    auth=token_auth,
    response=IndicatorOut,
    summary="Set an indicator's baseline, target and direction (bureau)",
)
def put_indicator_target(
    request: HttpRequest, indicator_id: RecordId, payload: TargetIn
) -> HttpResponse | Indicator:
    """Replaces the baseline (value, year), the target (value, year) and which direction is
    good; an omitted pair is cleared. Bureau staff only; `revision` (or `If-Match`) must be
    the indicator's current revision, else 409 `conflict`. Bad numbers are refused with 422
    naming the field. The change is kept in the indicator's history."""
    indicator = _found(Indicator.objects.all(), indicator_id, _("指標 %(id)s はありません"))
    if not is_bureau(request.user):
        return error_response(403, "forbidden", _("指標の目標の設定は広域産業振興局だけができます"))
    revision = _revision(request, payload.revision)
    try:
        data = TargetInput(
            payload.baseline_value,
            payload.baseline_year,
            payload.target_value,
            payload.target_year,
            payload.direction,
        )
        if revision is None:
            raise ConflictError(
                _("変更のもとにした版（revision または If-Match）を指定してください"), "revision"
            )
        actions.set_indicator_target(request.user, indicator, data, revision)
    except ProgressError as exc:
        return _error(exc)
    public = queries.public_indicator_values().order_by("fiscal_year")
    return (
        Indicator.objects.select_related("theme")
        .prefetch_related(Prefetch("values", queryset=public))
        .get(pk=indicator.pk)
    )


@router.put(
    "/reports/{action_id}/{fiscal_year}/{body}",
    auth=token_auth,
    response={200: ReportOut, 201: ReportOut},
    summary="Create or change a body's draft report",
)
def put_report(
    request: HttpRequest,
    action_id: RecordId,
    fiscal_year: FiscalYear,
    body: str,
    payload: ReportIn,
) -> HttpResponse | Status[ProgressReport]:
    action = _found(Action.objects.all(), action_id, _("取組 %(id)s はありません"))
    try:
        government = actions.government_for_code(body)
        existed = ProgressReport.objects.filter(
            action=action, fiscal_year=fiscal_year, member_government=government
        ).exists()
        report, _changed = actions.save_report(
            request.user,
            action,
            fiscal_year,
            government,
            ReportInput(
                payload.status,
                payload.percent,
                payload.narrative_ja,
                payload.narrative_en,
                payload.evidence_links,
            ),
            _revision(request, payload.revision),
        )
    except ProgressError as exc:
        return _error(exc)
    return Status(200 if existed else 201, report)


def _step(
    request: HttpRequest, report_id: RecordId, payload: StepIn, step: str
) -> HttpResponse | ProgressReport:
    report = _found(ProgressReport.objects.all(), report_id, _("報告 %(id)s はありません"))
    if not actions.can_see_report(request.user, report):
        return error_response(403, "forbidden", _("この報告を操作する権限がありません"))
    revision = _revision(request, payload.revision)
    try:
        if step == "submit":
            return actions.submit_report(request.user, report, revision)
        if step == "accept":
            return actions.accept_report(request.user, report, revision)
        if step == "reopen":
            return actions.reopen_report(request.user, report, revision, payload.comment)
        return actions.return_report(request.user, report, revision, payload.comment)
    except ProgressError as exc:
        return _error(exc)


@router.post("/reports/{report_id}/submit", auth=token_auth, response=ReportOut)
def submit(
    request: HttpRequest, report_id: RecordId, payload: StepIn
) -> HttpResponse | ProgressReport:
    return _step(request, report_id, payload, "submit")


@router.post("/reports/{report_id}/accept", auth=token_auth, response=ReportOut)
def accept(
    request: HttpRequest, report_id: RecordId, payload: StepIn
) -> HttpResponse | ProgressReport:
    return _step(request, report_id, payload, "accept")


@router.post("/reports/{report_id}/return", auth=token_auth, response=ReportOut)
def return_(
    request: HttpRequest, report_id: RecordId, payload: StepIn
) -> HttpResponse | ProgressReport:
    return _step(request, report_id, payload, "return")


@router.post("/reports/{report_id}/reopen", auth=token_auth, response=ReportOut)
def reopen(
    request: HttpRequest, report_id: RecordId, payload: StepIn
) -> HttpResponse | ProgressReport:
    """Take back an accepted report to correct it (bureau; `comment` is the required reason)."""
    return _step(request, report_id, payload, "reopen")
