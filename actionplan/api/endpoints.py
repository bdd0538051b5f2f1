"""Public read endpoints for the plan: versions, themes, periods, year headlines, actions,
developments, partnerships, organizations, hubs and member governments.

Every list is ordered the way the plan reads and paginated with ``limit``/``offset``; the
current plan version is used unless ``plan_version`` names another. Nothing here reads or
returns personal data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from actionplan.plans import models as m
from actionplan.plans.queries import actions_page_in_reading_order
from actionplan.progress.models import ProgressReport, ReviewState, Status
from actionplan.web.caching import public_read
from actionplan.web.prepared import PreparedQuery, columns

from .errors import ApiError
from .params import (
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    MAX_OFFSET,
    MAX_PLAN_VERSION,
    PlanVersionNumber,
    RecordId,
)

router = Router(tags=["plan"])
router.add_decorator(public_read, mode="view")

MAX_LIMIT = 500
M = TypeVar("M", bound=Model)


# --- shapes --------------------------------------------------------------------------------


class Page(Schema):
    count: int = Field(description="number of items matching the request, over all pages")
    next: str | None = Field(description="URL of the next page, null on the last one")
    previous: str | None = Field(description="URL of the previous page, null on the first one")


class PlanVersionOut(Schema):
    number: int
    is_current: bool
    plan_title_ja: str
    plan_title_en: str
    edition_ja: str
    edition_en: str
    published: str = Field(description="publication month, YYYY-MM")
    plan_start_fy: int
    plan_end_fy: int
    period_note_ja: str
    period_note_en: str
    translation_notice: str
    imported_at: str


class ThemeOut(Schema):
    code: str
    plan_version: int
    position: int
    name_ja: str
    name_en: str
    desired_state_ja: str
    desired_state_en: str
    source_line: int


class PeriodOut(Schema):
    plan_version: int
    position: int
    fiscal_year_start: int
    fiscal_year_end: int | None = Field(description="null for an open-ended period (2026～)")
    label_ja: str
    label_en: str
    display_ja: str
    display_en: str


class YearThemeOut(Schema):
    id: int
    key: str
    plan_version: int
    theme_code: str
    fiscal_year_start: int
    fiscal_year_end: int | None
    text_ja: str
    text_en: str
    source_line: int


class ActionOut(Schema):
    id: int
    key: str = Field(description="identifier that stays the same across plan versions")
    plan_version: int
    theme_code: str
    fiscal_year_start: int
    fiscal_year_end: int | None
    period_label_ja: str
    period_label_en: str
    actor: str = Field(description="union (the Union itself) or members (member governments)")
    group_ja: str
    group_en: str
    parent_id: int | None
    position: int
    text_ja: str
    text_en: str
    member_lg_codes: list[str]
    source_line: int


class ActionDetailOut(ActionOut):
    children: list[int] = Field(description="ids of the sub-items (▶) of this action")


class FigureOut(Schema):
    label_ja: str
    label_en: str
    value: float | None
    unit: str
    as_of_year: int | None
    source_ja: str
    source_en: str


class MilestoneOut(Schema):
    id: int
    key: str
    plan_version: int
    theme_code: str
    position: int
    group_ja: str
    group_en: str
    date: str = Field(description="ISO 8601 at the precision given: YYYY, YYYY-MM or YYYY-MM-DD")
    date_precision: str = Field(description="year, month, day, or empty when undated")
    text_ja: str
    text_en: str
    note_ja: str
    note_en: str
    figure: FigureOut | None
    source_line: int


class PartnerOut(Schema):
    id: int
    name_ja: str
    name_en: str


class PartnershipItemOut(Schema):
    number: int
    text_ja: str
    text_en: str


class PartnershipOut(Schema):
    id: int
    key: str
    plan_version: int | None = Field(description="null for an agreement recorded by staff")
    origin: str = Field(
        description="plan (in the plan's appendix) or registry (recorded by the bureau since)"
    )
    theme_code: str
    title_ja: str
    title_en: str
    date: str
    date_precision: str
    date_kind: str
    date_label_ja: str
    date_label_en: str
    outline_ja: str
    outline_en: str
    source_name_ja: str
    source_name_en: str
    source_url: str = Field(
        description="address of the agreement's official page (its announcement), empty if none"
    )
    member_lg_codes: list[str]
    partners: list[PartnerOut]
    items: list[PartnershipItemOut]


class OrganizationOut(Schema):
    id: int
    name_ja: str
    name_en: str
    kind: str
    corporate_number: str


class HubOut(Schema):
    id: int
    name_ja: str
    name_en: str
    lat: float
    lon: float
    location_precision: str
    theme_codes: list[str]


class MemberGovernmentOut(Schema):
    lg_code: str = Field(description="全国地方公共団体コード, 6 digits with the check digit")
    name_ja: str
    name_en: str
    kind: str
    office_lat: float | None
    office_lon: float | None


class PlanVersionPage(Page):
    results: list[PlanVersionOut]


class ThemePage(Page):
    results: list[ThemeOut]


class PeriodPage(Page):
    results: list[PeriodOut]


class YearThemePage(Page):
    results: list[YearThemeOut]


class ActionPage(Page):
    results: list[ActionOut]


class MilestonePage(Page):
    results: list[MilestoneOut]


class PartnershipPage(Page):
    results: list[PartnershipOut]


class OrganizationPage(Page):
    results: list[OrganizationOut]


class HubPage(Page):
    results: list[HubOut]


class MemberGovernmentPage(Page):
    results: list[MemberGovernmentOut]


# --- parameters ----------------------------------------------------------------------------


class Paging(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"page size, 1 to {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="number of items to skip")


class VersionChoice(Schema):
    plan_version: int | None = Field(
        None,
        ge=1,
        le=MAX_PLAN_VERSION,
        description="plan version number; the current one if omitted",
    )


class ThemeFilter(VersionChoice):
    theme: str | None = Field(None, max_length=60, description="theme code, e.g. life_science")


class YearThemeFilter(ThemeFilter):
    fiscal_year: int | None = Field(
        None,
        ge=FIRST_FISCAL_YEAR,
        le=LAST_FISCAL_YEAR,
        description="fiscal year the period covers (April–March)",
    )


class ActionFilter(YearThemeFilter):
    actor: m.Actor | None = Field(None, description="union or members")
    member: str | None = Field(
        None,
        pattern=r"^[0-9]{6}$",
        description="lg_code of a member government that carries the action",
    )
    status: Status | None = Field(
        None,
        description=(
            "status in an accepted progress report (for fiscal_year when given, else any year)"
        ),
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="text contained in the Japanese or English text (simple substring match)",
    )


class PartnershipFilter(ThemeFilter):
    member: str | None = Field(
        None, pattern=r"^[0-9]{6}$", description="lg_code of a member government that signed"
    )


class HubFilter(Schema):
    theme: str | None = Field(None, max_length=60, description="theme code the hub relates to")


# --- helpers -------------------------------------------------------------------------------


_CURRENT_VERSION = PreparedQuery(
    lambda: (
        m.PlanVersion.objects.filter(is_current=True).order_by("pk").values(*columns(m.PlanVersion))
    )
)
_PUBLISHED_VERSION = PreparedQuery(
    lambda number: (
        m.PlanVersion.objects.published()
        .filter(number=number)
        .order_by("pk")
        .values(*columns(m.PlanVersion))
    ),
    number=int,
)


def _version(number: int | None) -> m.PlanVersion:
    if number is None:
        current: m.PlanVersion | None = _CURRENT_VERSION.first_instance()
        if current is None:
            raise ApiError(404, "not_found", "no plan has been imported yet")
        return current
    version: m.PlanVersion | None = _PUBLISHED_VERSION.first_instance(number=number)
    if version is None:
        raise ApiError(404, "not_found", f"no plan version {number}", "plan_version")
    return version


def _theme(version: m.PlanVersion, code: str) -> m.Theme:
    theme = m.Theme.objects.filter(version=version, code=code).first()
    if theme is None:
        known = ", ".join(version.themes.values_list("code", flat=True))
        raise ApiError(404, "not_found", f"theme: no theme {code!r} (known: {known})", "theme")
    return theme


def _government(lg_code: str) -> m.MemberGovernment:
    government = m.MemberGovernment.objects.filter(lg_code=lg_code).first()
    if government is None:
        raise ApiError(404, "not_found", f"member: no member government {lg_code}", "member")
    return government


def _page_links(request: HttpRequest, paging: Paging, count: int) -> dict[str, Any]:
    def link(offset: int) -> str:
        query = request.GET.copy()
        query["offset"] = str(offset)
        query["limit"] = str(paging.limit)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    after = paging.offset + paging.limit
    return {
        "count": count,
        "next": link(after) if after < count else None,
        "previous": link(max(paging.offset - paging.limit, 0)) if paging.offset > 0 else None,
    }


def _page(request: HttpRequest, queryset: QuerySet[M], paging: Paging) -> dict[str, Any]:
    count = queryset.count()
    rows = list(queryset[paging.offset : paging.offset + paging.limit])
    return {**_page_links(request, paging, count), "results": rows}


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _fy_filter(fiscal_year: int) -> Q:
    return Q(period__fiscal_year_start__lte=fiscal_year) & (
        Q(period__fiscal_year_end__isnull=True) | Q(period__fiscal_year_end__gte=fiscal_year)
    )


# --- serializers (plain dicts: one place decides what is public) -----------------------------


def version_out(v: m.PlanVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "is_current": v.is_current,
        "plan_title_ja": v.plan.title_ja,
        "plan_title_en": v.plan.title_en,
        "edition_ja": v.edition_ja,
        "edition_en": v.edition_en,
        "published": f"{v.published_year:04d}-{v.published_month:02d}",
        "plan_start_fy": v.plan_start_fy,
        "plan_end_fy": v.plan_end_fy,
        "period_note_ja": v.period_note_ja,
        "period_note_en": v.period_note_en,
        "translation_notice": v.translation_notice,
        "imported_at": v.imported_at.isoformat(timespec="seconds"),
    }


def theme_out(t: m.Theme, version: m.PlanVersion) -> dict[str, Any]:
    return {
        "code": t.code,
        "plan_version": version.number,
        "position": t.position,
        "name_ja": t.name_ja,
        "name_en": t.name_en,
        "desired_state_ja": t.desired_state_ja,
        "desired_state_en": t.desired_state_en,
        "source_line": t.source_line,
    }


def period_out(p: m.Period, version: m.PlanVersion) -> dict[str, Any]:
    return {
        "plan_version": version.number,
        "position": p.position,
        "fiscal_year_start": p.fiscal_year_start,
        "fiscal_year_end": p.fiscal_year_end,
        "label_ja": p.label_ja,
        "label_en": p.label_en,
        "display_ja": p.display_ja(),
        "display_en": p.display_en(),
    }


def year_theme_out(y: m.YearTheme, version: m.PlanVersion) -> dict[str, Any]:
    return {
        "id": y.pk,
        "key": y.key,
        "plan_version": version.number,
        "theme_code": y.theme.code,
        "fiscal_year_start": y.period.fiscal_year_start,
        "fiscal_year_end": y.period.fiscal_year_end,
        "text_ja": y.text_ja,
        "text_en": y.text_en,
        "source_line": y.source_line,
    }


def milestone_out(d: m.Milestone, version: m.PlanVersion) -> dict[str, Any]:
    has_figure = d.figure_value is not None or bool(d.figure_label_ja)
    return {
        "id": d.pk,
        "key": d.key,
        "plan_version": version.number,
        "theme_code": d.theme.code,
        "position": d.position,
        "group_ja": d.group_ja,
        "group_en": d.group_en,
        "date": d.date_iso,
        "date_precision": d.date_precision,
        "text_ja": d.text_ja,
        "text_en": d.text_en,
        "note_ja": d.note_ja,
        "note_en": d.note_en,
        "figure": (
            {
                "label_ja": d.figure_label_ja,
                "label_en": d.figure_label_en,
                "value": _float(d.figure_value),
                "unit": d.figure_unit,
                "as_of_year": d.figure_as_of_year,
                "source_ja": d.figure_source_ja,
                "source_en": d.figure_source_en,
            }
            if has_figure
            else None
        ),
        "source_line": d.source_line,
    }


def partnership_out(p: m.Partnership) -> dict[str, Any]:
    precision = "month" if p.date_day is None else "day"
    return {
        "id": p.pk,
        "key": p.key,
        "plan_version": p.version.number if p.version else None,
        "origin": "plan" if p.version_id else "registry",
        "theme_code": p.theme_code,
        "title_ja": p.title_ja,
        "title_en": p.title_en,
        "date": p.date_iso,
        "date_precision": precision,
        "date_kind": p.date_kind,
        "date_label_ja": p.date_label_ja,
        "date_label_en": p.date_label_en,
        "outline_ja": p.outline_ja,
        "outline_en": p.outline_en,
        "source_name_ja": p.source_name_ja,
        "source_name_en": p.source_name_en,
        "source_url": p.source_url,
        "member_lg_codes": sorted(g.lg_code for g in p.member_governments.all()),
        "partners": [
            {"id": o.pk, "name_ja": o.name_ja, "name_en": o.name_en} for o in p.partners.all()
        ],
        "items": [
            {"number": i.number, "text_ja": i.text_ja, "text_en": i.text_en} for i in p.items.all()
        ],
    }


def organization_out(o: m.Organization) -> dict[str, Any]:
    return {
        "id": o.pk,
        "name_ja": o.name_ja,
        "name_en": o.name_en,
        "kind": o.kind,
        "corporate_number": o.corporate_number,
    }


def hub_out(h: m.Hub) -> dict[str, Any]:
    return {
        "id": h.pk,
        "name_ja": h.name_ja,
        "name_en": h.name_en,
        "lat": float(h.lat),
        "lon": float(h.lon),
        "location_precision": h.location_precision,
        "theme_codes": [str(code) for code in h.theme_codes],
    }


def government_out(g: m.MemberGovernment) -> dict[str, Any]:
    return {
        "lg_code": g.lg_code,
        "name_ja": g.name_ja,
        "name_en": g.name_en,
        "kind": g.kind,
        "office_lat": _float(g.office_lat),
        "office_lon": _float(g.office_lon),
    }


def _listed(request: HttpRequest, queryset: QuerySet[M], paging: Paging, out: Any) -> Any:
    page = _page(request, queryset, paging)
    page["results"] = [out(row) for row in page["results"]]
    return page


# An action as the API shows it, read as plain values: no model instances, and no second pass
# of validation over what the code below builds (see actionplan/web/prepared.py for the figures
# that led here; the schema tests check these answers against the published schema).
ACTION_COLUMNS = {
    "id": "id",
    "key": "key",
    "plan_version": "version__number",
    "theme_code": "theme__code",
    "fiscal_year_start": "period__fiscal_year_start",
    "fiscal_year_end": "period__fiscal_year_end",
    "period_label_ja": "period__label_ja",
    "period_label_en": "period__label_en",
    "actor": "actor",
    "group_ja": "group_ja",
    "group_en": "group_en",
    "parent_id": "parent_id",
    "position": "position",
    "text_ja": "text_ja",
    "text_en": "text_en",
}
# Columns whose API name differs (theme__code → theme_code): the prepared reads name them so.
_API_NAMES = {column: name for name, column in ACTION_COLUMNS.items() if column != name}
_ACTION_ROW = PreparedQuery(
    lambda action_id: m.Action.objects.filter(pk=action_id).values(
        *ACTION_COLUMNS.values(), "source_line"
    ),
    names=_API_NAMES,
    action_id=int,
)
_ACTION_MEMBERS = PreparedQuery(
    lambda action_id: (
        m.ActionAssignment.objects.filter(action_id=action_id)
        .order_by("member_government__lg_code")
        .values("member_government__lg_code")
    ),
    action_id=int,
)
_ACTION_CHILDREN = PreparedQuery(
    lambda action_id: (
        m.Action.objects.filter(parent_id=action_id).order_by("position", "id").values("id")
    ),
    action_id=int,
)


# The unfiltered list, the most asked page: a range of the version's reading positions (dense,
# 1..N, numbered at import), its count and its member governments, each compiled once.
_ACTION_PAGE = PreparedQuery(
    lambda version_id, after, last: (
        m.Action.objects.filter(
            version_id=version_id, reading_position__gt=after, reading_position__lte=last
        )
        .order_by("reading_position")
        .values(*ACTION_COLUMNS.values(), "source_line")
    ),
    names=_API_NAMES,
    version_id=int,
    after=int,
    last=int,
)
# The import numbers a version's actions 1..N without gaps, so the last number is the count:
# one step of the index instead of counting every action of the version.
_ACTION_COUNT = PreparedQuery(
    lambda version_id: (
        m.Action.objects.filter(version_id=version_id)
        .order_by("-reading_position")
        .values("reading_position")[:1]
    ),
    version_id=int,
)
_ACTION_PAGE_MEMBERS = PreparedQuery(
    lambda version_id, after, last: (
        m.ActionAssignment.objects.filter(
            action__version_id=version_id,
            action__reading_position__gt=after,
            action__reading_position__lte=last,
        )
        .order_by()
        .values("action_id", "member_government__lg_code")
    ),
    version_id=int,
    after=int,
    last=int,
)


def _action_values(row: dict[str, Any], lg_codes: list[str]) -> dict[str, Any]:
    """The API's action (ActionOut): a row of ACTION_COLUMNS keyed by their API names (as the
    prepared reads name them) with the action's lg_codes added."""
    # Most actions have none or one: sorting those would be a call per row for nothing.
    row["member_lg_codes"] = sorted(lg_codes) if len(lg_codes) > 1 else lg_codes
    # In ActionOut's order: the codes, then the line of the document.
    row["source_line"] = row.pop("source_line")
    return row


def _members_of(action_ids: list[int]) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {pk: [] for pk in action_ids}
    assignments = m.ActionAssignment.objects.filter(action_id__in=action_ids).values_list(
        "action_id", "member_government__lg_code"
    )
    for action_id, lg_code in assignments:
        codes[action_id].append(lg_code)
    return codes


def api_json(request: HttpRequest, data: Any) -> HttpResponse:
    """`data` rendered by the API's own renderer, as ninja renders a view's result."""
    from .api import api  # the instance imports this module's router

    return api.create_response(request, data, status=200)


# --- endpoints -----------------------------------------------------------------------------


@router.get("/plan-versions", response=PlanVersionPage, summary="List plan versions")
def list_plan_versions(request: HttpRequest, paging: Query[Paging]) -> Any:
    queryset = (
        m.PlanVersion.objects.published().select_related("plan").order_by("plan_id", "number")
    )
    return _listed(request, queryset, paging, version_out)


@router.get("/plan-versions/{number}", response=PlanVersionOut, summary="One plan version")
def get_plan_version(request: HttpRequest, number: PlanVersionNumber) -> Any:
    return version_out(_version(number))


@router.get("/themes", response=ThemePage, summary="List themes (取組項目)")
def list_themes(request: HttpRequest, paging: Query[Paging], choice: Query[VersionChoice]) -> Any:
    version = _version(choice.plan_version)
    queryset = m.Theme.objects.filter(version=version).order_by("position", "id")
    return _listed(request, queryset, paging, lambda t: theme_out(t, version))


@router.get("/themes/{code}", response=ThemeOut, summary="One theme by its code")
def get_theme(request: HttpRequest, code: str, choice: Query[VersionChoice]) -> Any:
    version = _version(choice.plan_version)
    theme = m.Theme.objects.filter(version=version, code=code).first()
    if theme is None:
        raise ApiError(404, "not_found", f"no theme {code!r} in plan version {version.number}")
    return theme_out(theme, version)


@router.get("/periods", response=PeriodPage, summary="List periods (fiscal-year columns)")
def list_periods(request: HttpRequest, paging: Query[Paging], choice: Query[VersionChoice]) -> Any:
    version = _version(choice.plan_version)
    queryset = m.Period.objects.filter(version=version).order_by("position", "id")
    return _listed(request, queryset, paging, lambda p: period_out(p, version))


@router.get("/year-themes", response=YearThemePage, summary="List year headlines (テーマ)")
def list_year_themes(
    request: HttpRequest, paging: Query[Paging], filters: Query[YearThemeFilter]
) -> Any:
    version = _version(filters.plan_version)
    queryset = (
        m.YearTheme.objects.filter(version=version)
        .select_related("theme", "period")
        .order_by("theme__position", "period__position", "id")
    )
    if filters.theme:
        queryset = queryset.filter(theme=_theme(version, filters.theme))
    if filters.fiscal_year is not None:
        queryset = queryset.filter(_fy_filter(filters.fiscal_year))
    return _listed(request, queryset, paging, lambda y: year_theme_out(y, version))


def _filtered_actions(version: m.PlanVersion, filters: ActionFilter) -> QuerySet[m.Action]:
    queryset = m.Action.objects.filter(version=version)
    if filters.theme:
        queryset = queryset.filter(theme=_theme(version, filters.theme))
    if filters.fiscal_year is not None:
        # The version's periods covering the year, as a subquery: no join per action.
        periods = m.Period.objects.filter(version=version).filter(
            Q(fiscal_year_start__lte=filters.fiscal_year)
            & (Q(fiscal_year_end__isnull=True) | Q(fiscal_year_end__gte=filters.fiscal_year))
        )
        queryset = queryset.filter(period__in=periods)
    if filters.actor:
        queryset = queryset.filter(actor=filters.actor)
    if filters.member:
        queryset = queryset.filter(member_governments=_government(filters.member))
    if filters.status:
        # Only accepted reports are public; drafts and submitted ones are internal.
        reports = ProgressReport.objects.filter(
            action=OuterRef("pk"), state=ReviewState.ACCEPTED, status=filters.status
        )
        if filters.fiscal_year is not None:
            reports = reports.filter(fiscal_year=filters.fiscal_year)
        queryset = queryset.filter(Exists(reports))
    if filters.q:
        queryset = queryset.filter(
            Q(text_ja__icontains=filters.q)
            | Q(text_en__icontains=filters.q)
            | Q(group_ja__icontains=filters.q)
            | Q(group_en__icontains=filters.q)
        )
    return queryset


@router.get("/actions", response=ActionPage, summary="List actions (取組)")
def list_actions(request: HttpRequest, paging: Query[Paging], filters: Query[ActionFilter]) -> Any:
    version = _version(filters.plan_version)
    filtered = filters.fiscal_year is not None or any(
        (filters.theme, filters.actor, filters.member, filters.status, filters.q)
    )
    if not filtered:
        # The compiled reads of one range of reading positions. No queryset is built: the
        # unused `filter(version=...)` took 12 % of this answer (1.27 -> 1.11 ms in-process,
        # medians of twelve alternating processes).
        last_one = _ACTION_COUNT.first(version_id=version.pk)
        count = last_one["reading_position"] if last_one else 0
        after, last = paging.offset, paging.offset + paging.limit
        rows = _ACTION_PAGE.rows(version_id=version.pk, after=after, last=last)
        members: dict[int, list[str]] = {row["id"]: [] for row in rows}
        for assigned in _ACTION_PAGE_MEMBERS.rows(version_id=version.pk, after=after, last=last):
            members[assigned["action_id"]].append(assigned["member_government__lg_code"])
    else:
        # In reading order (theme, actor, period, position, then id), reading only the page.
        count, rows = actions_page_in_reading_order(
            _filtered_actions(version, filters),
            paging.offset,
            paging.limit,
            [*ACTION_COLUMNS.values(), "source_line"],
        )
        rows = [{_API_NAMES.get(column, column): v for column, v in row.items()} for row in rows]
        members = _members_of([row["id"] for row in rows])
    page = _page_links(request, paging, count)
    page["results"] = [_action_values(row, members[row["id"]]) for row in rows]
    return api_json(request, page)


@router.get("/actions/{action_id}", response=ActionDetailOut, summary="One action")
def get_action(request: HttpRequest, action_id: RecordId) -> Any:
    row = _ACTION_ROW.first(action_id=action_id)
    if row is None:
        raise ApiError(404, "not_found", f"no action {action_id}", "action_id")
    lg_codes = [r["member_government__lg_code"] for r in _ACTION_MEMBERS.rows(action_id=action_id)]
    out = _action_values(row, lg_codes)
    out["children"] = [r["id"] for r in _ACTION_CHILDREN.rows(action_id=action_id)]
    return api_json(request, out)


@router.get("/milestones", response=MilestonePage, summary="List developments (関西の動き)")
def list_milestones(
    request: HttpRequest, paging: Query[Paging], filters: Query[ThemeFilter]
) -> Any:
    version = _version(filters.plan_version)
    queryset = (
        m.Milestone.objects.filter(version=version)
        .select_related("theme")
        .order_by("theme__position", "position", "id")
    )
    if filters.theme:
        queryset = queryset.filter(theme=_theme(version, filters.theme))
    return _listed(request, queryset, paging, lambda d: milestone_out(d, version))


@router.get("/milestones/{milestone_id}", response=MilestoneOut, summary="One development")
def get_milestone(request: HttpRequest, milestone_id: RecordId) -> Any:
    milestone = (
        m.Milestone.objects.select_related("theme", "version").filter(pk=milestone_id).first()
    )
    if milestone is None:
        raise ApiError(404, "not_found", f"no development {milestone_id}", "milestone_id")
    return milestone_out(milestone, milestone.version)


def _partnerships() -> QuerySet[m.Partnership]:
    return m.Partnership.objects.select_related("version").prefetch_related(
        "member_governments", "partners", "items"
    )


@router.get("/partnerships", response=PartnershipPage, summary="List partnership agreements")
def list_partnerships(
    request: HttpRequest, paging: Query[Paging], filters: Query[PartnershipFilter]
) -> Any:
    version = _version(filters.plan_version)
    # Agreements recorded by staff belong to no edition and are listed with every one.
    queryset = _partnerships().filter(Q(version=version) | Q(version__isnull=True))
    # The plan's own first, in the plan's order (NULLs sort differently on SQLite and PostgreSQL).
    queryset = queryset.order_by(F("version_id").asc(nulls_last=True), "position", "id")
    if filters.theme:
        _theme(version, filters.theme)
        queryset = queryset.filter(theme_code=filters.theme)
    if filters.member:
        queryset = queryset.filter(member_governments=_government(filters.member))
    return _listed(request, queryset, paging, partnership_out)


@router.get("/partnerships/{partnership_id}", response=PartnershipOut, summary="One agreement")
def get_partnership(request: HttpRequest, partnership_id: RecordId) -> Any:
    partnership = _partnerships().filter(pk=partnership_id).first()
    if partnership is None:
        raise ApiError(404, "not_found", f"no partnership {partnership_id}", "partnership_id")
    return partnership_out(partnership)


@router.get("/organizations", response=OrganizationPage, summary="List partner organizations")
def list_organizations(request: HttpRequest, paging: Query[Paging]) -> Any:
    queryset = m.Organization.objects.order_by("name_ja", "id")
    return _listed(request, queryset, paging, organization_out)


@router.get("/organizations/{organization_id}", response=OrganizationOut, summary="One org.")
def get_organization(request: HttpRequest, organization_id: RecordId) -> Any:
    organization = m.Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise ApiError(404, "not_found", f"no organization {organization_id}", "organization_id")
    return organization_out(organization)


@router.get("/hubs", response=HubPage, summary="List hubs (拠点)")
def list_hubs(request: HttpRequest, paging: Query[Paging], filters: Query[HubFilter]) -> Any:
    queryset = m.Hub.objects.order_by("id")
    rows: QuerySet[m.Hub] = queryset
    if filters.theme:
        # theme_codes is a JSON list; containment lookups differ between SQLite and PostgreSQL,
        # so filter on ids found in Python (there are tens of hubs, not thousands).
        ids = [h.pk for h in queryset if filters.theme in h.theme_codes]
        rows = queryset.filter(pk__in=ids)
    return _listed(request, rows, paging, hub_out)


@router.get("/hubs/{hub_id}", response=HubOut, summary="One hub")
def get_hub(request: HttpRequest, hub_id: RecordId) -> Any:
    hub = m.Hub.objects.filter(pk=hub_id).first()
    if hub is None:
        raise ApiError(404, "not_found", f"no hub {hub_id}", "hub_id")
    return hub_out(hub)


@router.get("/member-governments", response=MemberGovernmentPage, summary="List member governments")
def list_member_governments(request: HttpRequest, paging: Query[Paging]) -> Any:
    queryset = m.MemberGovernment.objects.order_by("position", "lg_code")
    return _listed(request, queryset, paging, government_out)


@router.get(
    "/member-governments/{lg_code}",
    response=MemberGovernmentOut,
    summary="One member government by its local government code",
)
def get_member_government(request: HttpRequest, lg_code: str) -> Any:
    government = m.MemberGovernment.objects.filter(lg_code=lg_code).first()
    if government is None:
        raise ApiError(404, "not_found", f"no member government {lg_code}", "lg_code")
    return government_out(government)
