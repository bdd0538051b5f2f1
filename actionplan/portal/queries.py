"""Reads for the public pages: the plan's table, timelines, directories, the map and charts."""

from __future__ import annotations

import functools
import json
import math
import operator
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from actionplan.plans import models as m
from actionplan.plans.queries import actions_in_reading_order
from actionplan.web.prepared import PreparedQuery, columns

from .related import LIMIT as RELATED_LIMIT
from .related import RANKED_COLUMNS, Related, rank

MAP_FILE = Path(__file__).resolve().parent / "static/portal/map/kansai-prefectures.geojson"


# --- the plan's table ---------------------------------------------------------------------------


@dataclass
class Item:
    action: m.Action
    children: list[m.Action] = field(default_factory=list)


@dataclass
class Group:
    """Items under one 【group】 heading of a cell; `action` holds the group's bilingual name."""

    action: m.Action | None
    items: list[Item] = field(default_factory=list)


@dataclass
class Cell:
    period: m.Period
    groups: list[Group] = field(default_factory=list)
    # Top-level items of the cell not shown on the theme page (see CELL_LIMIT).
    more: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.groups


@dataclass
class Row:
    actor: str
    label: str
    cells: list[Cell]


@dataclass
class ThemeTable:
    periods: list[m.Period]
    headlines: list[tuple[m.Period, m.YearTheme | None]]
    rows: list[Row]


# A theme page shows at most this many top-level items per cell (with their ▶ sub-items), and
# links to the cell's own page for the rest: the page's size and build time stay bounded however
# long a revised plan's cells grow. The published plan's longest cell has 8 top-level items, so
# its tables show whole; each item shown costs template work, so the limit stays small.
CELL_LIMIT = 10


def _cell_items(actions: list[m.Action], cell: Cell) -> None:
    """Fill a cell with its items in reading order: 【group】 runs, ▶ sub-items under their item."""
    items: dict[int, Item] = {}
    for action in actions:
        if action.parent_id is not None and action.parent_id in items:
            items[action.parent_id].children.append(action)
            continue
        last = cell.groups[-1] if cell.groups else None
        last_group = last.action.group_ja if last is not None and last.action else ""
        if last is None or last_group != action.group_ja:
            cell.groups.append(Group(action if action.group_ja else None))
        item = Item(action)
        items[action.pk] = item
        cell.groups[-1].items.append(item)


_PERIODS = PreparedQuery(
    lambda version_id: (
        m.Period.objects.filter(version_id=version_id)
        .order_by("position")
        .values(*columns(m.Period))
    ),
    version_id=int,
)
_YEAR_THEMES = PreparedQuery(
    lambda theme_id: m.YearTheme.objects.filter(theme_id=theme_id).values(*columns(m.YearTheme)),
    theme_id=int,
)


@cache
def _cell_top(limit: int) -> PreparedQuery:
    """The first `limit` top-level items of a cell (the LIMIT is written into the SQL)."""
    return PreparedQuery(
        lambda theme_id, period_id, actor: (
            m.Action.objects.filter(
                theme_id=theme_id, period_id=period_id, actor=actor, parent__isnull=True
            )
            .order_by("position")
            .values(*columns(m.Action))[:limit]
        ),
        theme_id=int,
        period_id=int,
        actor=str,
    )


# The ▶ sub-items of a cell's first items (their parent's position at most the last one's).
_CELL_CHILDREN = PreparedQuery(
    lambda theme_id, period_id, actor, last: (
        m.Action.objects.filter(
            theme_id=theme_id,
            period_id=period_id,
            actor=actor,
            parent__isnull=False,
            parent__position__lte=last,
        )
        .order_by("position")
        .values(*columns(m.Action))
    ),
    theme_id=int,
    period_id=int,
    actor=str,
    last=int,
)
# Per cell: its top-level items and its ▶ sub-items (a cell without any needs no second read).
_CELL_TOTALS = PreparedQuery(
    lambda theme_id: (
        m.Action.objects.filter(theme_id=theme_id)
        .order_by()
        .values("period_id", "actor")
        .annotate(
            n=Count("id", filter=Q(parent__isnull=True)),
            sub_items=Count("id", filter=Q(parent__isnull=False)),
        )
    ),
    theme_id=int,
)


def theme_table(theme: m.Theme, limit: int | None = None) -> ThemeTable:
    """The theme's table as the document shows it: years as columns, actors as rows; each cell
    holds its first `limit` top-level items and says how many more there are."""
    limit = CELL_LIMIT if limit is None else limit
    periods = _PERIODS.instances(version_id=theme.version_id)
    by_period = {y.period_id: y for y in _YEAR_THEMES.instances(theme_id=theme.pk)}
    totals = {(r["period_id"], r["actor"]): r for r in _CELL_TOTALS.rows(theme_id=theme.pk)}
    first_items = _cell_top(limit)
    rows = []
    for actor, label in m.Actor.choices:
        cells = []
        for period in periods:
            # Each cell read off the index `action_cell`, its first items only: the work does
            # not grow with the cell (a window over the whole theme did).
            cell = Cell(period)
            counted = totals.get((period.pk, actor), {"n": 0, "sub_items": 0})
            top = (
                first_items.instances(theme_id=theme.pk, period_id=period.pk, actor=actor)
                if counted["n"]
                else []
            )
            children = (
                _CELL_CHILDREN.instances(
                    theme_id=theme.pk, period_id=period.pk, actor=actor, last=top[-1].position
                )
                if top and counted["sub_items"]
                else []
            )
            # Positions run through a cell, a ▶ sub-item right after its item.
            _cell_items(sorted([*top, *children], key=lambda a: a.position), cell)
            cell.more = max(0, counted["n"] - limit)
            cells.append(cell)
        rows.append(Row(actor, str(label), cells))
    return ThemeTable(periods, [(p, by_period.get(p.pk)) for p in periods], rows)


CELL_PAGE_SIZE = 50


def cell_actions(theme: m.Theme, period: m.Period, actor: str) -> QuerySet[m.Action]:
    """The top-level items of one cell, in the table's order (for the cell's own pages)."""
    return m.Action.objects.filter(
        theme=theme, period=period, actor=actor, parent__isnull=True
    ).order_by("position")


def cell_page(theme: m.Theme, period: m.Period, actor: str, top: list[m.Action]) -> Cell:
    """One page of a cell: the given top-level items with their ▶ sub-items, grouped."""
    children = m.Action.objects.filter(parent__in=top).order_by("position")
    ordered = sorted([*top, *children], key=lambda a: a.position)
    cell = Cell(period)
    _cell_items(ordered, cell)
    return cell


def themes(version: m.PlanVersion) -> QuerySet[m.Theme]:
    return version.themes.order_by("position")


def theme_by_code(version: m.PlanVersion, code: str) -> m.Theme | None:
    return version.themes.filter(code=code).first()


# --- the action page, read through queries compiled once (see web/prepared.py for why) ---------


def _by_pk(model: type[Any]) -> PreparedQuery:
    return PreparedQuery(lambda pk: model.objects.filter(pk=pk).values(*columns(model)), pk=int)


def _of_version(
    model: type[Any], limit: int | None = None, fields: tuple[str, ...] | None = None
) -> PreparedQuery:
    # In the model's own ordering, as `version.<related>.all()` lists them; the first `limit`,
    # whole or only `fields`.
    return PreparedQuery(
        lambda version_id: model.objects.filter(version_id=version_id).values(
            *(fields or columns(model))
        )[:limit],
        version_id=int,
    )


# The action page weighs at most this many developments and partnerships (in document order)
# as related records, so that its work stays bounded however many a revised plan lists; the
# published plan has 23 and 12.
RELATED_CANDIDATES = 300


_ACTION = _by_pk(m.Action)
_THEME = _by_pk(m.Theme)
_PERIOD = _by_pk(m.Period)
_VERSION = _by_pk(m.PlanVersion)
_CURRENT = PreparedQuery(
    lambda plan_id: m.PlanVersion.objects.filter(plan_id=plan_id, is_current=True).values(
        *columns(m.PlanVersion)
    ),
    plan_id=int,
)
_THEMES = _of_version(m.Theme)
_HUBS = PreparedQuery(lambda: m.Hub.objects.order_by("id").values(*columns(m.Hub)))
# The related records are ranked on the columns `related.rank` reads (RANKED_COLUMNS), and only
# those shown are read whole: the full rows of every candidate (their dates, coordinates and
# lists converted) took 0.36 of the action page's 3.3 ms, in-process.
_RANKED = {
    "milestone": _of_version(m.Milestone, RELATED_CANDIDATES, RANKED_COLUMNS["milestone"]),
    "partnership": _of_version(m.Partnership, RELATED_CANDIDATES, RANKED_COLUMNS["partnership"]),
    "hub": PreparedQuery(lambda: m.Hub.objects.order_by("id").values(*RANKED_COLUMNS["hub"])),
}


def _shown(model: type[Any]) -> PreparedQuery:
    """The whole rows of at most LIMIT records of `model` by id (0 for none), in one read."""
    names = [f"pk{n}" for n in range(RELATED_LIMIT)]
    parameters: dict[str, Any] = dict.fromkeys(names, int)
    return PreparedQuery(
        lambda **pks: (
            model.objects.filter(
                functools.reduce(operator.or_, (Q(pk=pks[name]) for name in names))
            )
            .order_by()
            .values(*columns(model))
        ),
        **parameters,
    )


_SHOWN = {
    "milestone": _shown(m.Milestone),
    "partnership": _shown(m.Partnership),
    "hub": _shown(m.Hub),
}
_GOVERNMENTS = PreparedQuery(
    lambda action_id: m.MemberGovernment.objects.filter(actions=action_id).values(
        *columns(m.MemberGovernment)
    ),
    action_id=int,
)
_CHILDREN = PreparedQuery(
    lambda action_id: (
        m.Action.objects.filter(parent_id=action_id).order_by("position").values(*columns(m.Action))
    ),
    action_id=int,
)
# The same action in every published edition of its plan (plans.queries.editions_of_action).
_EDITIONS = PreparedQuery(
    lambda key, plan_id: m.Action.objects.filter(
        key=key, version__plan_id=plan_id, version__in=m.PlanVersion.objects.published()
    ).values("id", "version_id"),
    key=str,
    plan_id=int,
)
_LATER_EDITIONS = PreparedQuery(
    lambda plan_id, number: (
        m.PlanVersion.objects.published()
        .filter(plan_id=plan_id, number__gt=number)
        .order_by("number")
        .values(*columns(m.PlanVersion))
    ),
    plan_id=int,
    number=int,
)


@dataclass
class ActionPage:
    action: m.Action
    version: m.PlanVersion
    current: m.PlanVersion | None
    theme: m.Theme
    governments: list[m.MemberGovernment]
    children: list[m.Action]
    removed_in: m.PlanVersion | None
    # Per kind (milestone, partnership, hub), the records the page lists as related.
    related: dict[str, list[Related]]


def action_page(action_id: int) -> ActionPage | None:
    """What the action page shows, but for its progress: the action with its theme, year,
    edition and parent, its governments and ▶ sub-items, the editions it appears in, and the
    developments, partnerships and hubs it may be related to."""
    action: m.Action | None = _ACTION.first_instance(pk=action_id)
    if action is None:
        return None
    version: m.PlanVersion = _VERSION.first_instance(pk=action.version_id)
    themes = {t.pk: t for t in _THEMES.instances(version_id=version.pk)}
    action.version = version
    action.theme = themes[action.theme_id]
    action.period = _PERIOD.first_instance(pk=action.period_id)
    action.parent = (
        _ACTION.first_instance(pk=action.parent_id) if action.parent_id is not None else None
    )
    editions = _EDITIONS.rows(key=action.key, plan_id=version.plan_id)
    present = {row["version_id"] for row in editions}
    later = _LATER_EDITIONS.instances(plan_id=version.plan_id, number=version.number)
    # ▶ sub-items have no items of their own: no need to ask.
    children = _CHILDREN.instances(action_id=action.pk) if action.parent_id is None else []
    return ActionPage(
        action=action,
        version=version,
        current=version if version.is_current else _CURRENT.first_instance(plan_id=version.plan_id),
        theme=action.theme,
        governments=_GOVERNMENTS.instances(action_id=action.pk),
        children=children,
        removed_in=next((v for v in later if v.pk not in present), None),
        related=_related(action, version, themes, children),
    )


def _related(
    action: m.Action,
    version: m.PlanVersion,
    themes: dict[int, m.Theme],
    children: list[m.Action],
) -> dict[str, list[Related]]:
    """The developments, partnerships and hubs the action page lists as related: ranked on
    their rows, and only those shown made into model instances (making one of each candidate
    took a quarter of the page's data work)."""
    candidates = {
        "milestone": _RANKED["milestone"].rows(version_id=version.pk),
        "partnership": _RANKED["partnership"].rows(version_id=version.pk),
        "hub": _RANKED["hub"].rows(),
    }
    # What its ▶ sub-items say is what the action is about too (「万博会場内外での取組」 is
    # 「「Global Startup EXPO 2025」との連携」 and more).
    ranked = rank(
        action, candidates, limit=RELATED_LIMIT, also=[(c.text_ja, c.text_en) for c in children]
    )
    for kind, hits in ranked.items():
        if not hits:
            continue
        ids = [hit.record["id"] for hit in hits]
        shown = _SHOWN[kind]
        padded = (ids + [0] * RELATED_LIMIT)[:RELATED_LIMIT]
        by_id = {
            row["id"]: row for row in shown.rows(**{f"pk{n}": pk for n, pk in enumerate(padded)})
        }
        # A record deleted between the two reads is no longer listed.
        ranked[kind] = [hit for hit in hits if hit.record["id"] in by_id]
        for hit in ranked[kind]:
            hit.record = shown.instance(by_id[hit.record["id"]])
            if kind == "milestone":
                hit.record.theme = themes[hit.record.theme_id]
    return ranked


# --- developments, partnerships, governments, hubs ----------------------------------------------


# 関西の動き, newest first (a date known to the year only after the months of that year);
# undated ones last, in document order.
MILESTONE_ORDER = (
    F("date_year").desc(nulls_last=True),
    F("date_month").desc(nulls_last=True),
    F("date_day").desc(nulls_last=True),
    "theme__position",
    "position",
)
# A theme page lists at most this many developments and partnerships, newest first, and links
# to the full lists: its size stays bounded however many a plan records.
THEME_LIST_LIMIT = 10


def milestones_by_date(
    version: m.PlanVersion, theme: m.Theme | None = None, limit: int | None = None
) -> list[m.Milestone]:
    """関西の動き, newest first (a date known to the year only after the months of that year);
    undated ones last, in document order. Sorted by the database, so that `limit` bounds the
    work however many there are."""
    rows = version.milestones.select_related("theme")
    if theme is not None:
        rows = rows.filter(theme=theme)
    rows = rows.order_by(*MILESTONE_ORDER)
    return list(rows[:limit] if limit is not None else rows)


def partnerships(
    version: m.PlanVersion | None,
    *,
    theme_code: str = "",
    lg_code: str = "",
    year: int | None = None,
) -> QuerySet[m.Partnership]:
    """Agreements the plan lists plus those staff recorded, filtered as the directory asks."""
    rows = m.Partnership.objects.prefetch_related("member_governments", "partners")
    if version is not None:
        rows = rows.filter(version=version) | rows.filter(version__isnull=True)
    if theme_code:
        rows = rows.filter(theme_code=theme_code)
    if lg_code:
        rows = rows.filter(member_governments__lg_code=lg_code)
    if year is not None:
        rows = rows.filter(date_year=year)
    return rows.distinct().order_by("-date_year", "-date_month", "position", "id")


def plan_partnership_examples(version: m.PlanVersion) -> QuerySet[m.Partnership]:
    """The partnerships the plan's appendix gives as examples, in the plan's order."""
    return m.Partnership.objects.filter(version=version).order_by("position", "id")


def partnership_detail(partnership_id: int) -> m.Partnership | None:
    return (
        m.Partnership.objects.select_related("theme", "version")
        .prefetch_related("member_governments", "partners", "items")
        .filter(pk=partnership_id)
        .first()
    )


def partnership_years() -> list[int]:
    years = m.Partnership.objects.values_list("date_year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def governments() -> QuerySet[m.MemberGovernment]:
    return m.MemberGovernment.objects.order_by("position", "lg_code")


def government_actions(
    government: m.MemberGovernment, version: m.PlanVersion
) -> QuerySet[m.Action]:
    return actions_in_reading_order(version).filter(member_governments=government)


def action_counts_by_government(version: m.PlanVersion) -> dict[int, int]:
    counts: Counter[int] = Counter(
        m.ActionAssignment.objects.filter(action__version=version).values_list(
            "member_government_id", flat=True
        )
    )
    return dict(counts)


def hubs(theme_code: str = "") -> list[m.Hub]:
    rows = list(m.Hub.objects.order_by("id"))
    if theme_code:
        rows = [h for h in rows if theme_code in (h.theme_codes or [])]
    return rows


def theme_names(version: m.PlanVersion) -> dict[str, m.Theme]:
    return {t.code: t for t in version.themes.all()}


def theme_summaries(version: m.PlanVersion) -> list[dict[str, Any]]:
    """Per theme: its actions per actor, its developments and partnerships, for the home page.
    Actions are counted as the chart and its table count them: ▶ sub-items with their parent."""
    counts = Counter(
        m.Action.objects.filter(version=version, parent__isnull=True).values_list(
            "theme_id", "actor"
        )
    )
    milestones = Counter(version.milestones.values_list("theme_id", flat=True))
    pships = Counter(version.partnerships.values_list("theme_code", flat=True))
    return [
        {
            "theme": t,
            "union": counts[(t.pk, m.Actor.UNION.value)],
            "members": counts[(t.pk, m.Actor.MEMBERS.value)],
            "milestones": milestones[t.pk],
            "partnerships": pships[t.code],
            # Ordered by the prefetch below: no query per theme.
            "headlines": list(t.year_themes.all()),
        }
        for t in themes(version).prefetch_related(
            Prefetch(
                "year_themes",
                queryset=m.YearTheme.objects.select_related("period").order_by("period__position"),
            )
        )
    ]


# --- the map -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection scaled by cos(latitude) around the region's middle."""

    west: float
    east: float
    south: float
    north: float
    width: float = 600.0

    @property
    def x_scale(self) -> float:
        middle = math.radians((self.south + self.north) / 2)
        return self.width / ((self.east - self.west) * math.cos(middle))

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.x_scale

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        middle = math.radians((self.south + self.north) / 2)
        x = (lon - self.west) * math.cos(middle) * self.x_scale
        y = (self.north - lat) * self.x_scale
        return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class Shape:
    pref_code: str
    name_ja: str
    name_en: str
    path: str
    label_x: float
    label_y: float


@cache
def _outline() -> dict[str, Any]:
    with MAP_FILE.open(encoding="utf-8") as fp:
        data: dict[str, Any] = json.load(fp)
    return data


def map_projection() -> Projection:
    xs: list[float] = []
    ys: list[float] = []
    for feature in _outline()["features"]:
        for ring in feature["geometry"]["coordinates"]:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    margin = 0.05
    return Projection(min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin)


@cache
def map_shapes() -> tuple[Shape, ...]:
    projection = map_projection()
    shapes = []
    for feature in _outline()["features"]:
        props = feature["properties"]
        parts = []
        points: list[tuple[float, float]] = []
        for ring in feature["geometry"]["coordinates"]:
            projected = [projection.point(lon, lat) for lon, lat in ring]
            points.extend(projected)
            parts.append("M" + " L".join(f"{x:g},{y:g}" for x, y in projected) + " Z")
        cx = sum(p[0] for p in points) / len(points)
        cy = sum(p[1] for p in points) / len(points)
        shapes.append(
            Shape(props["pref_code"], props["name_ja"], props["name_en"], " ".join(parts), cx, cy)
        )
    return tuple(shapes)


@dataclass(frozen=True)
class Marker:
    kind: str  # government | hub
    name: str
    x: float
    y: float
    url: str = ""


def markers(
    governments: list[m.MemberGovernment], hub_rows: list[m.Hub], *, english: bool
) -> list[Marker]:
    projection = map_projection()
    result = []
    for g in governments:
        if g.office_lat is None or g.office_lon is None:
            continue
        x, y = projection.point(float(g.office_lon), float(g.office_lat))
        result.append(Marker("government", g.name_en if english else g.name_ja, x, y, g.lg_code))
    for h in hub_rows:
        x, y = projection.point(float(h.lon), float(h.lat))
        result.append(Marker("hub", (h.name_en or h.name_ja) if english else h.name_ja, x, y))
    return result


# --- charts --------------------------------------------------------------------------------------


def actions_per_theme_and_period(version: m.PlanVersion) -> list[tuple[m.Theme, list[int]]]:
    """Top-level actions (▶ sub-items count with their parent) per theme and year column."""
    periods = list(version.periods.order_by("position"))
    counts = Counter(
        m.Action.objects.filter(version=version, parent__isnull=True).values_list(
            "theme_id", "period_id"
        )
    )
    return [(t, [counts[(t.pk, p.pk)] for p in periods]) for t in themes(version)]


# --- the theme page, read through queries compiled once (see web/prepared.py for why) ----------

_CURRENT_VERSION = PreparedQuery(
    lambda: (
        m.PlanVersion.objects.filter(is_current=True).order_by("pk").values(*columns(m.PlanVersion))
    )
)
_PLAN = _by_pk(m.Plan)


def current_version() -> m.PlanVersion | None:
    """The current version with its plan loaded (plans.queries.current_version, compiled once:
    every public page asks it)."""
    version: m.PlanVersion | None = _CURRENT_VERSION.first_instance()
    if version is not None:
        version.plan = _PLAN.first_instance(pk=version.plan_id)
    return version


_THEME_BY_CODE = PreparedQuery(
    lambda version_id, code: m.Theme.objects.filter(version_id=version_id, code=code).values(
        *columns(m.Theme)
    ),
    version_id=int,
    code=str,
)
_THEME_MILESTONES = PreparedQuery(
    lambda version_id, theme_id: (
        m.Milestone.objects.filter(version_id=version_id, theme_id=theme_id)
        .order_by(*MILESTONE_ORDER)
        .values(*columns(m.Milestone))[:THEME_LIST_LIMIT]
    ),
    version_id=int,
    theme_id=int,
)
_THEME_MILESTONE_COUNT = PreparedQuery(
    lambda version_id, theme_id: (
        m.Milestone.objects.filter(version_id=version_id, theme_id=theme_id)
        .order_by()
        .values("theme_id")
        .annotate(n=Count("id"))
    ),
    version_id=int,
    theme_id=int,
)
_THEME_PARTNERSHIPS = PreparedQuery(
    lambda version_id, theme_code: (
        m.Partnership.objects.filter(
            Q(version_id=version_id) | Q(version__isnull=True), theme_code=theme_code
        )
        .order_by("-date_year", "-date_month", "position", "id")
        .values(*columns(m.Partnership))[:THEME_LIST_LIMIT]
    ),
    version_id=int,
    theme_code=str,
)


@dataclass
class ThemePage:
    theme: m.Theme
    table: ThemeTable
    milestones: list[m.Milestone]
    milestone_count: int
    partnerships: list[m.Partnership]
    hubs: list[m.Hub]


def theme_page(version: m.PlanVersion, code: str) -> ThemePage | None:
    """What a theme page shows: its table (CELL_LIMIT items a cell), its newest developments and
    partnerships (THEME_LIST_LIMIT each) and its hubs; None when the version has no such theme.
    The same as theme_table, milestones_by_date and partnerships, bounded the same way."""
    theme: m.Theme | None = _THEME_BY_CODE.first_instance(version_id=version.pk, code=code)
    if theme is None:
        return None
    theme.version = version
    milestones = _THEME_MILESTONES.instances(version_id=version.pk, theme_id=theme.pk)
    for milestone in milestones:
        milestone.theme = theme
    counted = _THEME_MILESTONE_COUNT.first(version_id=version.pk, theme_id=theme.pk)
    return ThemePage(
        theme=theme,
        table=theme_table(theme),
        milestones=milestones,
        milestone_count=counted["n"] if counted else 0,
        partnerships=_THEME_PARTNERSHIPS.instances(version_id=version.pk, theme_code=theme.code),
        hubs=[h for h in _HUBS.instances() if theme.code in (h.theme_codes or [])],
    )
