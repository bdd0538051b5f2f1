"""Reads of the plan data: reading order, the current version, what changed between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, IntegerField, QuerySet, Value, When

from . import models as m

# The table reads row by row: the Union's row first, then the members' row.
ACTOR_ORDER = Case(
    When(actor=m.Actor.UNION, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


def current_version() -> m.PlanVersion | None:
    return m.PlanVersion.objects.filter(is_current=True).select_related("plan").first()


def actions_in_reading_order(version: m.PlanVersion) -> QuerySet[m.Action]:
    """Actions as a reader of the table meets them: theme, row (actor), column (year), item."""
    return (
        m.Action.objects.filter(version=version)
        .select_related("theme", "period", "parent")
        .order_by("theme__position", ACTOR_ORDER, "period__position", "position")
    )


# A cell of an action table: (theme_id, period_id, actor).
Cell = tuple[int, int, str]


def actions_page_in_reading_order(
    version: m.PlanVersion,
    actions: QuerySet[m.Action],
    offset: int,
    limit: int,
    fields: list[str],
) -> tuple[int, list[dict[str, Any]]]:
    """The number of `actions` (of `version`, filtered at will) and the `values(*fields)` of
    `limit` of them from `offset`, in the order of `actions_in_reading_order`, ties by id.

    Sorting by the positions of the themes and periods (other tables) sorts every action of
    the version for every page. But the reading order is that of the table cells (theme, actor,
    period: a handful, in order from their themes and periods), then position and id within a
    cell, the order of the `action_reading` index. So a page costs four queries whatever the
    plan's size: the positions of the themes and periods; the number of actions in each cell
    (one count over the index per cell, in one statement: `count` stays exact, and counting is
    the only part that grows with the plan); the ids of the page, read from the index only in
    the cells the page touches (each with its own LIMIT/OFFSET, in one statement); their values.
    """
    positions: dict[tuple[str, int], int] = {
        (table, pk): position
        for table, pk, position in m.Theme.objects.filter(version=version)
        .values_list(Value("theme"), "id", "position")
        .order_by()
        .union(
            m.Period.objects.filter(version=version)
            .values_list(Value("period"), "id", "position")
            .order_by(),
            all=True,
        )
    }
    themes = sorted((p, pk) for (table, pk), p in positions.items() if table == "theme")
    periods = sorted((p, pk) for (table, pk), p in positions.items() if table == "period")
    # Cells in the same place (themes or periods sharing a position) are read as one block.
    blocks: dict[tuple[int, int, int], list[Cell]] = {}
    for theme_position, theme_id in themes:
        for actor_order, actor in enumerate((m.Actor.UNION, m.Actor.MEMBERS)):
            for period_position, period_id in periods:
                place = (theme_position, actor_order, period_position)
                blocks.setdefault(place, []).append((theme_id, period_id, str(actor)))
    cells = [cell for block in blocks.values() for cell in block]
    if not cells:
        return 0, []

    # The filtered actions as SQL, compiled once and read per cell below (the ORM would compile
    # the same query again for every cell).
    base = actions.order_by().values("id", "position", "theme_id", "period_id", "actor")
    try:
        base_sql, base_params = base.query.get_compiler(using=actions.db).as_sql()
    except EmptyResultSet:  # a filter that nothing can match
        return 0, []

    def in_block(block: list[Cell]) -> tuple[str, list[Any]]:
        where = " OR ".join(
            ["(b.theme_id = %s AND b.period_id = %s AND b.actor = %s)"] * len(block)
        )
        params = [*base_params, *(value for cell in block for value in cell)]
        return f"FROM ({base_sql}) b WHERE {where}", params

    with connections[actions.db].cursor() as cursor:
        counting = [in_block([cell]) for cell in cells]
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT COUNT(*) {sql})" for sql, _ in counting),
            [value for _, params in counting for value in params],
        )
        counts = dict(zip(cells, cursor.fetchone(), strict=True))
        total = sum(counts.values())
        end = min(offset + limit, total)
        reads: list[tuple[str, list[Any]]] = []
        begin = 0
        for block in blocks.values():
            size = sum(counts[cell] for cell in block)
            first, last = max(offset - begin, 0), min(end - begin, size)
            begin += size
            if first < last:
                sql, params = in_block([cell for cell in block if counts[cell]])
                # The part's number is a literal (an int), not a parameter: PostgreSQL would not
                # know its type in the select list.
                reads.append(
                    (
                        f"SELECT * FROM (SELECT {len(reads):d} AS part, b.position, b.id {sql}"  # noqa: S608
                        " ORDER BY b.position, b.id LIMIT %s OFFSET %s) p",
                        [*params, last - first, first],
                    )
                )
            if begin >= end:
                break
        if not reads:
            return total, []
        cursor.execute(
            " UNION ALL ".join(sql for sql, _ in reads),
            [value for _, params in reads for value in params],
        )
        ids = [pk for _, _, pk in sorted(cursor.fetchall())]
    read = m.Action.objects.filter(pk__in=ids).order_by().values(*fields)
    rows = {row["id"]: row for row in read}
    return total, [rows[pk] for pk in ids if pk in rows]


@dataclass
class Detail:
    """A value of a record other than its main text that differs between the editions: a
    development's date or figure, an agreement's date, outline or numbered content item."""

    field: str  # date | figure_value | figure_unit | figure_year | note | outline | item.N …
    old: str = ""
    new: str = ""


@dataclass
class Change:
    kind: str  # added | removed | changed | moved
    record: str  # action | year_theme | milestone | partnership | theme
    key: str
    old_text: str = ""
    new_text: str = ""
    theme_code: str = ""
    fiscal_year: int | None = None
    actor: str = ""
    # For a moved record, the cell it left and the cell it is in: theme/fiscal year/actor.
    old_cell: str = ""
    new_cell: str = ""
    # Whether the words differ (a changed or moved record; a changed record may keep its words
    # and differ only in its details).
    reworded: bool = False
    details: list[Detail] = field(default_factory=list)

    @property
    def cell(self) -> str:
        return "/".join(str(p) for p in (self.theme_code, self.fiscal_year or "", self.actor) if p)


@dataclass
class VersionDiff:
    old: m.PlanVersion
    new: m.PlanVersion
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


# What a record holds besides its main text, as (field, value) pairs compared between editions.
Details = dict[str, str]


def _compare(
    diff: VersionDiff,
    record: str,
    old: dict[str, tuple[str, Change, Details]],
    new: dict[str, tuple[str, Change, Details]],
) -> None:
    for key, (text, template, details) in new.items():
        if key not in old:
            diff.changes.append(_with(template, "added", new_text=text))
            continue
        old_text, old_template, old_details = old[key]
        differences = [
            Detail(name, old_details.get(name, ""), details.get(name, ""))
            for name in dict.fromkeys([*old_details, *details])
            if old_details.get(name, "") != details.get(name, "")
        ]
        if old_template.cell != template.cell:
            moved = _with(template, "moved", old_text=old_text, new_text=text)
            moved.old_cell, moved.new_cell = old_template.cell, template.cell
            moved.reworded, moved.details = old_text != text, differences
            diff.changes.append(moved)
        elif old_text != text or differences:
            changed = _with(template, "changed", old_text=old_text, new_text=text)
            changed.reworded, changed.details = old_text != text, differences
            diff.changes.append(changed)
    for key, (text, template, _details) in old.items():
        if key not in new:
            diff.changes.append(_with(template, "removed", old_text=text))


def _with(template: Change, kind: str, *, old_text: str = "", new_text: str = "") -> Change:
    return Change(
        kind=kind,
        record=template.record,
        key=template.key,
        old_text=old_text,
        new_text=new_text,
        theme_code=template.theme_code,
        fiscal_year=template.fiscal_year,
        actor=template.actor,
    )


def _figure_value(value: Decimal | None) -> str:
    """A figure as written, without the column's trailing zeros (981.0000 → 981)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


Entries = dict[str, tuple[str, Change, Details]]


def _themes(version: m.PlanVersion) -> Entries:
    rows = version.themes.order_by("position").values_list("code", "desired_state_ja")
    return {code: (text, Change("", "theme", code, theme_code=code), {}) for code, text in rows}


def _headlines(version: m.PlanVersion) -> Entries:
    rows = version.year_themes.values_list(
        "key", "text_ja", "theme__code", "period__fiscal_year_start"
    )
    return {
        key: (text, Change("", "year_theme", key, theme_code=code, fiscal_year=year), {})
        for key, text, code, year in rows
    }


def _actions(version: m.PlanVersion) -> Entries:
    rows = (
        m.Action.objects.filter(version=version)
        .order_by("theme__position", ACTOR_ORDER, "period__position", "position")
        .values_list("key", "text_ja", "theme__code", "period__fiscal_year_start", "actor")
    )
    return {
        key: (
            text,
            Change("", "action", key, theme_code=code, fiscal_year=year, actor=actor),
            {},
        )
        for key, text, code, year, actor in rows
    }


def _milestones(version: m.PlanVersion) -> Entries:
    rows = version.milestones.values_list(
        "key",
        "text_ja",
        "theme__code",
        "date_year",
        "date_month",
        "date_day",
        "figure_label_ja",
        "figure_value",
        "figure_unit",
        "figure_as_of_year",
        "note_ja",
    )
    return {
        key: (
            text,
            Change("", "milestone", key, theme_code=code),
            {
                "date": m.partial_iso(year, month, day),
                "figure_label": label,
                "figure_value": _figure_value(value),
                "figure_unit": unit,
                "figure_year": "" if as_of is None else str(as_of),
                "note": note,
            },
        )
        for key, text, code, year, month, day, label, value, unit, as_of, note in rows
    }


def _partnerships(version: m.PlanVersion) -> Entries:
    items: dict[int, dict[str, str]] = {}
    for partnership_id, number, text in (
        m.PartnershipItem.objects.filter(partnership__version=version)
        .order_by("partnership_id", "number")
        .values_list("partnership_id", "number", "text_ja")
    ):
        items.setdefault(partnership_id, {})[f"item.{number}"] = text
    rows = version.partnerships.values_list(
        "pk",
        "key",
        "title_ja",
        "theme_code",
        "date_year",
        "date_month",
        "date_day",
        "date_label_ja",
        "outline_ja",
    )
    return {
        key: (
            title,
            Change("", "partnership", key, theme_code=code),
            {
                "date": m.partial_iso(year, month, day),
                "date_label": label,
                "outline": outline,
                **items.get(pk, {}),
            },
        )
        for pk, key, title, code, year, month, day, label, outline in rows
    }


def diff_versions(old: m.PlanVersion, new: m.PlanVersion) -> VersionDiff:
    """Every record added, removed, reworded or moved between two versions, matched by stable
    key (which the importer gives a moved and reworded item too, see `plans.actions`); for
    developments and agreements also their dates, figures and content items (`details`).
    Read as plain values, not model instances: the comparison runs in every import."""
    diff = VersionDiff(old, new)
    for record, reader in (
        ("theme", _themes),
        ("year_theme", _headlines),
        ("action", _actions),
        ("milestone", _milestones),
        ("partnership", _partnerships),
    ):
        _compare(diff, record, reader(old), reader(new))
    return diff


def editions_of_action(action: m.Action) -> QuerySet[m.Action]:
    """The same action in every published edition of its plan, found by its stable key (which
    a reworded or moved item keeps): what others attach to an action follows it this way."""
    return m.Action.objects.filter(
        key=action.key,
        version__plan_id=action.version.plan_id,
        version__in=m.PlanVersion.objects.published(),
    )


def removed_in(action: m.Action) -> m.PlanVersion | None:
    """The first published edition after the action's own that no longer has it."""
    present = set(editions_of_action(action).values_list("version_id", flat=True))
    later = (
        m.PlanVersion.objects.published()
        .filter(plan_id=action.version.plan_id, number__gt=action.version.number)
        .order_by("number")
    )
    return next((v for v in later if v.pk not in present), None)


def predecessor(version: m.PlanVersion) -> m.PlanVersion | None:
    """The version a version is compared with: the published one before it, or, for a staged
    version, the current one (what activating it would replace)."""
    published = m.PlanVersion.objects.published().filter(plan_id=version.plan_id)
    if version.state == m.PlanVersion.State.STAGED:
        return published.filter(is_current=True).first()
    return published.filter(number__lt=version.number).order_by("-number").first()


def text_segments(old: str, new: str) -> list[tuple[str, str]]:
    """The words of a reworded text as (kind, text) runs: "same", "removed" or "added", by
    character (Japanese has no spaces between words)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("removed", old[i1:i2]))
        if j2 > j1:
            segments.append(("added", new[j1:j2]))
    return segments


def changes_by_theme(diff: VersionDiff) -> list[tuple[m.Theme | None, list[Change]]]:
    """The changes of a comparison under the theme they belong to, in the new edition's order
    of themes (a theme the new edition dropped comes last, under the old edition's theme)."""
    themes = {t.code: t for t in diff.old.themes.all()}
    themes.update({t.code: t for t in diff.new.themes.all()})
    order = [t.code for t in diff.new.themes.all()]
    order += [code for code in themes if code not in order]
    groups: dict[str, list[Change]] = {code: [] for code in order}
    other: list[Change] = []
    for change in diff.changes:
        groups.get(change.theme_code, other).append(change)
    result: list[tuple[m.Theme | None, list[Change]]] = [
        (themes[code], changes) for code, changes in groups.items() if changes
    ]
    if other:
        result.append((None, other))
    return result
