"""Reads of the progress follow-up: who carries what, which reports are missing, the roll-up.

Roll-up rule (also in the README and on the dashboard page):

- a report scores: 完了 done = 100; 実施中 in_progress, 継続実施 ongoing, 見直し revised = its
  percent; 未着手 not_started = 0; 中止 stopped is left out (it no longer counts towards progress);
- an action scores the mean of its reports' scores (one per carrying body);
- a theme (or the whole plan) scores the weighted mean of its actions' scores, where a top-level
  item weighs 1 and a sub-item (▶, an action with a parent) weighs 0.5, because a sub-item
  details its parent rather than standing on its own;
- actions without a counted report are left out of the mean; the coverage (actions with a
  counted report / all actions) is shown next to every score so that a high score on few reports
  is visible as such.

Public numbers use accepted reports only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet

from actionplan.plans.localized import localized
from actionplan.plans.models import Action, Actor, MemberGovernment, PlanVersion, Theme
from actionplan.plans.queries import actions_in_reading_order, current_version
from actionplan.web.prepared import PreparedQuery, columns

from . import charts, targets
from .models import (
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportingCycle,
    ReviewState,
    Status,
    body_name,
)

TOP_LEVEL_WEIGHT = Decimal("1")
SUB_ITEM_WEIGHT = Decimal("0.5")


def actions_for_year(version: PlanVersion, fiscal_year: int) -> QuerySet[Action]:
    """Actions whose period covers the fiscal year (an open-ended period covers every later
    year)."""
    return actions_in_reading_order(version).filter(
        Q(period__fiscal_year_start__lte=fiscal_year)
        & (Q(period__fiscal_year_end__gte=fiscal_year) | Q(period__fiscal_year_end__isnull=True))
    )


# An open-ended period (2026～) covers every later year; reporting cycles are opened for at most
# this many years after its start (a plan is revised well within that).
OPEN_ENDED_YEARS = 10


def reporting_years(version: PlanVersion | None) -> range:
    """The fiscal years a reporting cycle may be opened for: those the version's periods cover,
    an open-ended period up to ``OPEN_ENDED_YEARS`` after its start."""
    if version is None:
        return range(0)
    first, last = version.plan_start_fy, version.plan_end_fy
    for period in version.periods.all():
        first = min(first, period.fiscal_year_start)
        end = period.fiscal_year_end
        last = max(last, period.fiscal_year_start + OPEN_ENDED_YEARS if end is None else end)
    return range(first, last + 1)


def action_runs_in(action: Action, fiscal_year: int) -> bool:
    """Whether the action's period covers the fiscal year, as ``actions_for_year`` reads it: a
    report can only exist for such a year."""
    period = action.period
    return period.fiscal_year_start <= fiscal_year and (
        period.fiscal_year_end is None or fiscal_year <= period.fiscal_year_end
    )


# Reports whose fiscal year lies inside their action's period. Every write checks this
# (``action_runs_in``); public reads filter on it too, so that a report stored before that
# check was made is never shown.
IN_PERIOD = Q(fiscal_year__gte=F("action__period__fiscal_year_start")) & (
    Q(action__period__fiscal_year_end__isnull=True)
    | Q(fiscal_year__lte=F("action__period__fiscal_year_end"))
)


def public_reports() -> QuerySet[ProgressReport]:
    """The reports anyone may see: accepted, for a year inside their action's period."""
    return ProgressReport.objects.filter(IN_PERIOD, state=ReviewState.ACCEPTED)


def body_carries(action: Action, government: MemberGovernment | None) -> bool:
    if action.actor == Actor.UNION:
        return government is None
    if government is None:
        return False
    return action.assignments.filter(member_government=government).exists()


def carried_actions(
    version: PlanVersion, fiscal_year: int, government: MemberGovernment | None
) -> list[Action]:
    """The actions one body reports on for a year, in reading order."""
    actions = actions_for_year(version, fiscal_year)
    if government is None:
        return list(actions.filter(actor=Actor.UNION))
    return list(
        actions.filter(actor=Actor.MEMBERS, assignments__member_government=government).distinct()
    )


def reports_by_action(
    fiscal_year: int, government: MemberGovernment | None
) -> dict[int, ProgressReport]:
    reports = ProgressReport.objects.filter(fiscal_year=fiscal_year)
    reports = (
        reports.filter(member_government__isnull=True)
        if government is None
        else reports.filter(member_government=government)
    )
    return {r.action_id: r for r in reports}


@dataclass
class BodyStatus:
    government: MemberGovernment | None
    carried: int
    reported: int  # submitted or accepted

    @property
    def name(self) -> str:
        return body_name(self.government)

    @property
    def code(self) -> str:
        return self.government.lg_code if self.government else "union"

    @property
    def missing(self) -> int:
        return self.carried - self.reported


def body_statuses(cycle: ReportingCycle, version: PlanVersion | None = None) -> list[BodyStatus]:
    """For every reporting body: how many actions it carries and how many it has reported."""
    version = version or current_version()
    if version is None:
        return []
    done_states = (ReviewState.SUBMITTED, ReviewState.ACCEPTED)
    bodies: list[MemberGovernment | None] = [None, *MemberGovernment.objects.all()]
    result = []
    for government in bodies:
        carried = carried_actions(version, cycle.fiscal_year, government)
        reports = reports_by_action(cycle.fiscal_year, government)
        reported = sum(1 for a in carried if a.pk in reports and reports[a.pk].state in done_states)
        result.append(BodyStatus(government, len(carried), reported))
    return result


# An action's public follow-up, read on every action page through queries compiled once (see
# actionplan/web/prepared.py for why): reports and indicators of the action in every published
# edition of its plan, found by its stable key, as `editions_of_action` finds them.
_ACCEPTED_REPORTS = PreparedQuery(
    lambda key, plan_id: (
        public_reports()
        .filter(
            action__key=key,
            action__version__plan_id=plan_id,
            action__version__in=PlanVersion.objects.published(),
        )
        .order_by("-fiscal_year", "member_government__position")
        .values(*columns(ProgressReport))
    ),
    key=str,
    plan_id=int,
)
_EDITIONS = PreparedQuery(
    lambda key, plan_id: Action.objects.filter(
        key=key, version__plan_id=plan_id, version__in=PlanVersion.objects.published()
    ).values(*columns(Action)),
    key=str,
    plan_id=int,
)
_VERSIONS = PreparedQuery(
    lambda plan_id: PlanVersion.objects.filter(plan_id=plan_id).values(*columns(PlanVersion)),
    plan_id=int,
)
_GOVERNMENTS = PreparedQuery(
    lambda: MemberGovernment.objects.order_by("pk").values(*columns(MemberGovernment))
)
_INDICATORS = PreparedQuery(
    lambda key, plan_id: Indicator.objects.filter(
        action__key=key,
        action__version__plan_id=plan_id,
        action__version__in=PlanVersion.objects.published(),
    ).values("id"),
    key=str,
    plan_id=int,
)


def accepted_reports_for_action(action: Action) -> list[ProgressReport]:
    """What the public may see about an action: its accepted reports, newest year first, filed
    against this action in any edition of the plan (the action keeps its stable key); each with
    its member government and its action's edition loaded."""
    reports: list[ProgressReport] = _ACCEPTED_REPORTS.instances(
        key=action.key, plan_id=action.version.plan_id
    )
    if not reports:
        return reports
    versions = {v.pk: v for v in _VERSIONS.instances(plan_id=action.version.plan_id)}
    editions = {
        a.pk: a for a in _EDITIONS.instances(key=action.key, plan_id=action.version.plan_id)
    }
    for edition in editions.values():
        edition.version = versions[edition.version_id]
    governments = {g.pk: g for g in _GOVERNMENTS.instances()}
    for report in reports:
        report.action = editions[report.action_id]
        if report.member_government_id is not None:
            report.member_government = governments[report.member_government_id]
    return reports


def report_score(report: ProgressReport) -> Decimal | None:
    if report.status == Status.STOPPED:
        return None
    if report.status == Status.DONE:
        return Decimal(100)
    if report.status == Status.NOT_STARTED:
        return Decimal(0)
    return Decimal(report.percent)


def action_weight(action: Action) -> Decimal:
    return SUB_ITEM_WEIGHT if action.parent_id else TOP_LEVEL_WEIGHT


@dataclass
class RollUp:
    label: str
    score: Decimal | None  # 0–100, one decimal; None when nothing counted
    counted: int  # actions with a counted report
    total: int  # actions in scope

    @property
    def coverage(self) -> int:
        return round(100 * self.counted / self.total) if self.total else 0


def _roll_up(label: str, actions: list[Action], scores: dict[int, Decimal]) -> RollUp:
    weighted = Decimal(0)
    weights = Decimal(0)
    counted = 0
    for action in actions:
        if action.pk in scores:
            w = action_weight(action)
            weighted += w * scores[action.pk]
            weights += w
            counted += 1
    score = (weighted / weights).quantize(Decimal("0.1")) if weights else None
    return RollUp(label, score, counted, len(actions))


def action_scores(
    reports: QuerySet[ProgressReport] | list[ProgressReport],
) -> dict[int, Decimal]:
    by_action: dict[int, list[Decimal]] = defaultdict(list)
    for report in reports:
        score = report_score(report)
        if score is not None:
            by_action[report.action_id].append(score)
    return {pk: sum(values, Decimal(0)) / len(values) for pk, values in by_action.items()}


def _accepted(fiscal_year: int) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(fiscal_year=fiscal_year, state=ReviewState.ACCEPTED)


def theme_rollups(version: PlanVersion, fiscal_year: int) -> list[RollUp]:
    """One roll-up per theme of the version (accepted reports only), in theme order."""
    actions = list(actions_for_year(version, fiscal_year))
    scores = action_scores(_accepted(fiscal_year).filter(action__version=version))
    result = []
    for theme in Theme.objects.filter(version=version).order_by("position"):
        mine = [a for a in actions if a.theme_id == theme.pk]
        result.append(_roll_up(localized(theme, "name"), mine, scores))
    return result


def plan_rollup(version: PlanVersion, fiscal_year: int) -> RollUp:
    actions = list(actions_for_year(version, fiscal_year))
    scores = action_scores(_accepted(fiscal_year).filter(action__version=version))
    return _roll_up(version.plan.title_ja, actions, scores)


def government_rollups(version: PlanVersion, fiscal_year: int) -> list[RollUp]:
    """Per reporting body, over the actions it carries, with its own reports only."""
    result = []
    bodies: list[MemberGovernment | None] = [None, *MemberGovernment.objects.all()]
    for government in bodies:
        carried = carried_actions(version, fiscal_year, government)
        reports = _accepted(fiscal_year).filter(action__version=version)
        reports = (
            reports.filter(member_government__isnull=True)
            if government is None
            else reports.filter(member_government=government)
        )
        result.append(_roll_up(body_name(government), carried, action_scores(reports)))
    return result


def year_rollups(version: PlanVersion) -> list[tuple[int, RollUp]]:
    """The whole plan, per fiscal year of the plan period."""
    return [
        (year, plan_rollup(version, year))
        for year in range(version.plan_start_fy, version.plan_end_fy + 1)
    ]


def public_indicator_values() -> QuerySet[IndicatorValue]:
    """Indicator values the public may see: those the bureau recorded, and those given with a
    report once the report is accepted (the same rule as for the reports themselves)."""
    return IndicatorValue.objects.filter(
        Q(report__isnull=True) | Q(report__state=ReviewState.ACCEPTED)
    )


@dataclass
class IndicatorRow:
    indicator: Indicator
    by_year: dict[int, IndicatorValue]

    def cells(self, years: list[int]) -> list[IndicatorValue | None]:
        return [self.by_year.get(year) for year in years]

    @property
    def assessment(self) -> targets.Assessment | None:
        return targets.assess(self.indicator, self.by_year)


@dataclass
class IndicatorTable:
    """Indicators as rows and fiscal years as columns, ready for a data table."""

    years: list[int]
    rows: list[IndicatorRow]

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def lines(self) -> list[tuple[Indicator, list[IndicatorValue | None]]]:
        return [(row.indicator, row.cells(self.years)) for row in self.rows]

    @property
    def assessed_lines(
        self,
    ) -> list[tuple[Indicator, list[IndicatorValue | None], targets.Assessment | None]]:
        """Each indicator, its values by year and its status against the target."""
        return [(row.indicator, row.cells(self.years), row.assessment) for row in self.rows]

    @property
    def charts(self) -> list[charts.IndicatorChart]:
        """A chart (with its table) of each indicator that has a target, over the same values."""
        drawn = (charts.chart_for(row.indicator, row.by_year) for row in self.rows)
        return [chart for chart in drawn if chart is not None]


def indicator_table(
    indicators: QuerySet[Indicator],
    *,
    public: bool = True,
    years: list[int] | None = None,
    until: int | None = None,
) -> IndicatorTable:
    """The values of ``indicators``, public ones only unless ``public`` is false. The columns are
    ``years`` plus every year that has a value, up to the fiscal year ``until`` if given."""
    if until is not None:
        years = [year for year in years or [] if year <= until]
    if indicators.query.is_empty():  # none to show: no query to build
        return IndicatorTable(sorted(set(years or [])), [])
    values = public_indicator_values() if public else IndicatorValue.objects.all()
    if until is not None:
        values = values.filter(fiscal_year__lte=until)
    chosen = list(
        indicators.select_related("theme", "action").prefetch_related(
            Prefetch("values", queryset=values.select_related("report").order_by("fiscal_year"))
        )
    )
    rows = [IndicatorRow(i, {v.fiscal_year: v for v in i.values.all()}) for i in chosen]
    all_years = set(years or [])
    for row in rows:
        all_years.update(row.by_year)
    return IndicatorTable(sorted(all_years), rows)


def indicators_of_action(action: Action) -> QuerySet[Indicator]:
    found = _INDICATORS.rows(key=action.key, plan_id=action.version.plan_id)
    if not found:
        return Indicator.objects.none()
    return Indicator.objects.filter(pk__in=[row["id"] for row in found])


# Indicators tied to a theme itself, then those of its actions. NULLs sort first on SQLite and
# last on PostgreSQL, so the order says where they go.
_THEME_INDICATOR_ORDER = (F("action_id").asc(nulls_first=True), "id")
_THEME_INDICATORS = PreparedQuery(
    lambda theme_id: (
        Indicator.objects.filter(Q(theme_id=theme_id) | Q(action__theme_id=theme_id))
        .order_by(*_THEME_INDICATOR_ORDER)
        .values("id")
    ),
    theme_id=int,
)


def indicators_of_theme(theme: Theme) -> QuerySet[Indicator]:
    """Indicators tied to the theme itself, then those of its actions. Most themes have none:
    asked with the compiled query, so that their page builds no query for the table."""
    found = _THEME_INDICATORS.rows(theme_id=theme.pk)
    if not found:
        return Indicator.objects.none()
    return Indicator.objects.filter(pk__in=[row["id"] for row in found]).order_by(
        *_THEME_INDICATOR_ORDER
    )


@dataclass
class PublicProgress:
    """What anyone may see of an action's follow-up: its accepted reports, newest year first,
    and the public values of its indicators over the plan's fiscal years. Nothing personal."""

    reports: list[ProgressReport]
    indicators: IndicatorTable

    def __bool__(self) -> bool:
        return bool(self.reports or self.indicators)


def plan_years(version: PlanVersion | None) -> list[int]:
    """The fiscal years of the plan period, for the columns of a table by year."""
    return list(range(version.plan_start_fy, version.plan_end_fy + 1)) if version else []


def public_progress(action: Action) -> PublicProgress:
    years = plan_years(action.version)
    indicators = indicators_of_action(action)
    return PublicProgress(
        accepted_reports_for_action(action),
        # Most actions have no indicator: their table needs no query built.
        IndicatorTable(years, [])
        if indicators.query.is_empty()
        else indicator_table(indicators, years=years),
    )
