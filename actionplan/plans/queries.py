"""Reads of the plan data: reading order, the current version, what changed between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

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


def _milestone_details(d: m.Milestone) -> Details:
    return {
        "date": d.date_iso,
        "figure_label": d.figure_label_ja,
        "figure_value": _figure_value(d.figure_value),
        "figure_unit": d.figure_unit,
        "figure_year": "" if d.figure_as_of_year is None else str(d.figure_as_of_year),
        "note": d.note_ja,
    }


def _partnership_details(p: m.Partnership) -> Details:
    details = {"date": p.date_iso, "date_label": p.date_label_ja, "outline": p.outline_ja}
    details.update({f"item.{item.number}": item.text_ja for item in p.items.all()})
    return details


def diff_versions(old: m.PlanVersion, new: m.PlanVersion) -> VersionDiff:
    """Every record added, removed, reworded or moved between two versions, matched by stable
    key (which the importer gives a moved and reworded item too, see `plans.actions`); for
    developments and agreements also their dates, figures and content items (`details`)."""
    diff = VersionDiff(old, new)

    def themes(version: m.PlanVersion) -> dict[str, tuple[str, Change, Details]]:
        return {
            t.code: (t.desired_state_ja, Change("", "theme", t.code, theme_code=t.code), {})
            for t in version.themes.all()
        }

    def headlines(version: m.PlanVersion) -> dict[str, tuple[str, Change, Details]]:
        rows = version.year_themes.select_related("theme", "period")
        return {
            y.key: (
                y.text_ja,
                Change(
                    "",
                    "year_theme",
                    y.key,
                    theme_code=y.theme.code,
                    fiscal_year=y.period.fiscal_year_start,
                ),
                {},
            )
            for y in rows
        }

    def actions(version: m.PlanVersion) -> dict[str, tuple[str, Change, Details]]:
        return {
            a.key: (
                a.text_ja,
                Change(
                    "",
                    "action",
                    a.key,
                    theme_code=a.theme.code,
                    fiscal_year=a.period.fiscal_year_start,
                    actor=a.actor,
                ),
                {},
            )
            for a in actions_in_reading_order(version)
        }

    def milestones(version: m.PlanVersion) -> dict[str, tuple[str, Change, Details]]:
        rows = version.milestones.select_related("theme")
        return {
            d.key: (
                d.text_ja,
                Change("", "milestone", d.key, theme_code=d.theme.code),
                _milestone_details(d),
            )
            for d in rows
        }

    def partnerships(version: m.PlanVersion) -> dict[str, tuple[str, Change, Details]]:
        return {
            p.key: (
                p.title_ja,
                Change("", "partnership", p.key, theme_code=p.theme_code),
                _partnership_details(p),
            )
            for p in version.partnerships.prefetch_related("items")
        }

    for record, reader in (
        ("theme", themes),
        ("year_theme", headlines),
        ("action", actions),
        ("milestone", milestones),
        ("partnership", partnerships),
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
