"""Reads for the public pages: the plan's table, timelines, directories, the map and charts."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from actionplan.plans import models as m
from actionplan.plans.queries import actions_in_reading_order

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


def theme_table(theme: m.Theme, limit: int | None = None) -> ThemeTable:
    """The theme's table as the document shows it: years as columns, actors as rows; each cell
    holds its first `limit` top-level items and says how many more there are."""
    limit = CELL_LIMIT if limit is None else limit
    periods = list(m.Period.objects.filter(version_id=theme.version_id).order_by("position"))
    by_period = {y.period_id: y for y in theme.year_themes.all()}
    headlines = [(p, by_period.get(p.pk)) for p in periods]
    # One query per cell, each reading the first items off the index `action_cell`: the work
    # does not grow with the cell (a window over the whole theme did).
    top_level = m.Action.objects.filter(theme=theme, parent__isnull=True)
    shown = [
        pk
        for period in periods
        for actor in m.Actor.values
        for pk in top_level.filter(period=period, actor=actor)
        .order_by("position")
        .values_list("pk", flat=True)[:limit]
    ]
    actions = list(
        # Positions run through a cell, a ▶ sub-item right after its item.
        m.Action.objects.filter(Q(pk__in=shown) | Q(parent_id__in=shown)).order_by(
            "period_id", "position"
        )
    )
    totals: Counter[tuple[int, str]] = Counter(
        {
            (period_id, actor): n
            for period_id, actor, n in top_level.order_by()
            .values_list("period_id", "actor")
            .annotate(n=Count("id"))
            .values_list("period_id", "actor", "n")
        }
    )
    rows = []
    for actor, label in m.Actor.choices:
        cells = []
        for period in periods:
            cell = Cell(period)
            in_cell = [a for a in actions if a.actor == actor and a.period_id == period.pk]
            _cell_items(in_cell, cell)
            cell.more = max(0, totals[(period.pk, actor)] - limit)
            cells.append(cell)
        rows.append(Row(actor, str(label), cells))
    return ThemeTable(periods, headlines, rows)


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


def action_detail(action_id: int) -> m.Action | None:
    rows = m.Action.objects.select_related("theme", "period", "version", "parent").filter(
        pk=action_id
    )[:1]
    return next(iter(rows), None)


# --- developments, partnerships, governments, hubs ----------------------------------------------


def milestones_by_date(
    version: m.PlanVersion, theme: m.Theme | None = None, limit: int | None = None
) -> list[m.Milestone]:
    """関西の動き, newest first (a date known to the year only after the months of that year);
    undated ones last, in document order. Sorted by the database, so that `limit` bounds the
    work however many there are."""
    rows = version.milestones.select_related("theme")
    if theme is not None:
        rows = rows.filter(theme=theme)
    rows = rows.order_by(
        F("date_year").desc(nulls_last=True),
        F("date_month").desc(nulls_last=True),
        F("date_day").desc(nulls_last=True),
        "theme__position",
        "position",
    )
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
