"""Reads of the plan data: reading order, the current version, what changed between versions."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def _compare(
    diff: VersionDiff,
    record: str,
    old: dict[str, tuple[str, Change]],
    new: dict[str, tuple[str, Change]],
) -> None:
    for key, (text, template) in new.items():
        if key not in old:
            diff.changes.append(_with(template, "added", new_text=text))
        elif old[key][1].cell != template.cell:
            moved = _with(template, "moved", old_text=old[key][0], new_text=text)
            moved.old_cell, moved.new_cell = old[key][1].cell, template.cell
            diff.changes.append(moved)
        elif old[key][0] != text:
            diff.changes.append(_with(template, "changed", old_text=old[key][0], new_text=text))
    for key, (text, template) in old.items():
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


def diff_versions(old: m.PlanVersion, new: m.PlanVersion) -> VersionDiff:
    """Every record added, removed or reworded between two versions, matched by stable key."""
    diff = VersionDiff(old, new)

    def themes(version: m.PlanVersion) -> dict[str, tuple[str, Change]]:
        return {
            t.code: (t.desired_state_ja, Change("", "theme", t.code, theme_code=t.code))
            for t in version.themes.all()
        }

    def headlines(version: m.PlanVersion) -> dict[str, tuple[str, Change]]:
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
            )
            for y in rows
        }

    def actions(version: m.PlanVersion) -> dict[str, tuple[str, Change]]:
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
            )
            for a in actions_in_reading_order(version)
        }

    def milestones(version: m.PlanVersion) -> dict[str, tuple[str, Change]]:
        rows = version.milestones.select_related("theme")
        return {
            d.key: (d.text_ja, Change("", "milestone", d.key, theme_code=d.theme.code))
            for d in rows
        }

    def partnerships(version: m.PlanVersion) -> dict[str, tuple[str, Change]]:
        return {
            p.key: (p.title_ja, Change("", "partnership", p.key, theme_code=p.theme_code))
            for p in version.partnerships.all()
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
