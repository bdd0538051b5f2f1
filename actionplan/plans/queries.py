"""Reads of the plan data: reading order, the current version, what changed between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from . import models as m
from .importer.keys import unique

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
        .order_by("theme__position", ACTOR_ORDER, "period__position", "position", "id")
    )


def actions_page_in_reading_order(
    actions: QuerySet[m.Action], offset: int, limit: int, fields: list[str]
) -> tuple[int, list[dict[str, Any]]]:
    """The number of `actions` (of one version, filtered at will) and the `values(*fields)` of
    `limit` of them from `offset`, in the order of `actions_in_reading_order`: the order of
    their `reading_position`, numbered at import, read along the (version, reading_position)
    index instead of sorting the version's actions by the positions of other tables."""
    count = actions.count()
    if offset >= count:
        return count, []
    ordered = actions.order_by("reading_position", "id").values(*fields)
    return count, list(ordered[offset : offset + limit])


def renumber_reading_order(version: m.PlanVersion) -> None:
    """Number the version's actions 1..N in reading order. The import numbers the actions it
    writes; this is for actions written otherwise (tests, copies made by a benchmark)."""
    ids = actions_in_reading_order(version).values_list("id", flat=True)
    numbered = [m.Action(pk=pk, reading_position=n) for n, pk in enumerate(ids, start=1)]
    m.Action.objects.bulk_update(numbered, ["reading_position"], batch_size=500)


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


# --- what the comparison compares ---------------------------------------------------------------

# What a record holds besides its main text, as (field, value) pairs compared between editions.
Details = dict[str, str]


@dataclass
class Entry:
    """A record of one edition as the comparison reads it: its words, where it stands (the
    template of its changes), its other values, and its place among its neighbours."""

    text: str
    template: Change
    details: Details
    position: int | None = None
    # The records among which `position` orders it (a cell, or the edition for themes).
    neighbours: str = ""


Entries = dict[str, Entry]

CELL = "where the record stands: a record in another cell is moved"

# Fields of every record of an edition that are not compared as content, and why.
NOT_CONTENT = {
    "version": "the edition the record belongs to",
    "key": "the stable key, by which the records of two editions are matched",
    "source_line": "where the record stood in the file",
    "position": "compared as the order of the records both editions have (detail 'position')",
}
# Per model, what else is not compared, and why. Every other field is: a field added to a
# model is compared (and shown) unless it is listed here; English (`*_en`) is a translation of
# the content that staff write (see translations.py), not the document's content.
NOT_COMPARED: dict[type[Any], dict[str, str]] = {
    m.PlanVersion: {
        "plan": "the plan whose editions are compared",
        "number": "the version's number: the comparison's two sides",
        "edition_ja": "the edition's name: the comparison's two sides",
        "published_year": "read from the edition's name",
        "published_month": "read from the edition's name",
        "translation_notice": "a note on the English translation",
        "source_name": "the file's name",
        "checksum": "of the file's text",
        "encoding": "of the file",
        "line_count": "of the file",
        "imported_at": "the import's time",
        "is_current": "the version's state",
        "activated_at": "the version's state",
        "imported_by": "who imported it",
    },
    m.VisionStatement: {"kind": "the record kind (future_image or target_state)"},
    m.Theme: {"code": "the theme's key"},
    m.Period: {"fiscal_year_start": "the period's key"},
    m.YearTheme: {"theme": CELL, "period": CELL},
    m.Action: {
        "theme": CELL,
        "period": CELL,
        "actor": CELL,
        "member_governments": "assignments made by staff, carried over by key",
        "reading_position": "the place in the version's order, from the cell and position",
    },
    m.Milestone: {"theme": CELL},
    m.Partnership: {
        "theme": "the theme's row; its code (theme_code) is the cell",
        "theme_code": CELL,
        "source_url": "entered by staff, carried over by key",
    },
    m.PartnershipItem: {
        "partnership": "compared as the item.N detail of its agreement",
        "number": "compared as the item.N detail of its agreement",
    },
}

# Detail names that are not their field's name without `_ja`.
_DETAIL_NAMES = {
    "figure_as_of_year": "figure_year",
    "date_year": "date",
    "date_month": "date",
    "date_day": "date",
}
# The text by which a related record is shown: a sub-item's parent, an agreement's parties.
_RELATED_TEXT: dict[type[Any], str] = {
    m.Action: "text_ja",
    m.MemberGovernment: "name_ja",
    m.Organization: "name_ja",
}


def detail_name(field_name: str) -> str:
    return _DETAIL_NAMES.get(field_name, field_name.removesuffix("_ja"))


def compared_fields(model: type[Any]) -> list[Any]:
    """The fields of `model` that the comparison compares: all but the row's id, English and
    those `NOT_CONTENT` and `NOT_COMPARED` name with their reason."""
    skipped = {**NOT_CONTENT, **NOT_COMPARED.get(model, {})}
    return [
        f
        for f in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if not f.primary_key and f.name not in skipped and not f.name.endswith("_en")
    ]


@dataclass(frozen=True)
class RecordKind:
    """A kind of record of an edition: its rows, the field of its words and where it stands."""

    name: str
    model: type[Any]
    text: str
    key: str = "key"
    theme: str = ""  # lookup of the theme's code
    fiscal_year: str = ""
    actor: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    # Whether its order is compared within its cell (else among all records of its kind).
    ordered_in_cell: bool = True


RECORD_KINDS = (
    RecordKind("future_image", m.VisionStatement, "text_ja", filters=(("kind", "future"),)),
    RecordKind("target_state", m.VisionStatement, "text_ja", filters=(("kind", "target"),)),
    RecordKind(
        "theme", m.Theme, "desired_state_ja", key="code", theme="code", ordered_in_cell=False
    ),
    RecordKind(
        "period", m.Period, "label_ja", key="fiscal_year_start", fiscal_year="fiscal_year_start"
    ),
    RecordKind(
        "year_theme",
        m.YearTheme,
        "text_ja",
        theme="theme__code",
        fiscal_year="period__fiscal_year_start",
    ),
    RecordKind(
        "action",
        m.Action,
        "text_ja",
        theme="theme__code",
        fiscal_year="period__fiscal_year_start",
        actor="actor",
    ),
    RecordKind("milestone", m.Milestone, "text_ja", theme="theme__code"),
    RecordKind("partnership", m.Partnership, "title_ja", theme="theme_code"),
)


def version_records() -> list[str]:
    """The record kinds of the edition's own texts: one per compared field of PlanVersion."""
    return [detail_name(f.name) for f in compared_fields(m.PlanVersion)]


def record_names() -> list[str]:
    """Every kind of record the comparison reports, in the order it reports them."""
    return [*version_records(), *(kind.name for kind in RECORD_KINDS)]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _figure_value(value)
    return str(value)


def _figure_value(value: Decimal) -> str:
    """A figure as written, without the column's trailing zeros (981.0000 → 981)."""
    return format(value.normalize(), "f")


def _version_entries(version: m.PlanVersion) -> dict[str, Entries]:
    fields = compared_fields(m.PlanVersion)
    row = m.PlanVersion.objects.filter(pk=version.pk).values(*(f.name for f in fields)).get()
    entries: dict[str, Entries] = {}
    for f in fields:
        name, text = detail_name(f.name), _shown(row[f.name])
        entries[name] = {name: Entry(text, Change("", name, name), {})} if text else {}
    return entries


def _read(kind: RecordKind, version: m.PlanVersion) -> Entries:
    """The records of one kind of an edition, keyed by stable key (a key twice, as a text
    written twice may have, is numbered in reading order), with every compared value."""
    model = kind.model
    details = [f for f in compared_fields(model) if f.name != kind.text]
    related = {
        f.name: f"{f.name}__{_RELATED_TEXT[f.related_model]}"
        for f in details
        if f.is_relation and not f.many_to_many
    }
    plain = [f.name for f in details if not f.is_relation]
    where = [lookup for lookup in (kind.theme, kind.fiscal_year, kind.actor) if lookup]
    ordered = any(f.name == "position" for f in model._meta.concrete_fields)
    rows = model.objects.filter(version=version, **dict(kind.filters)).order_by(
        "position" if ordered else "pk", "pk"
    )
    lists: dict[str, dict[int, list[str]]] = {}
    for f in details:
        if f.many_to_many:
            lookup = f"{f.name}__{_RELATED_TEXT[f.related_model]}"
            lists[f.name] = {}
            for pk, text in rows.values_list("pk", lookup):
                if text:
                    lists[f.name].setdefault(pk, []).append(text)
    items: dict[int, Details] = {}
    if model is m.Partnership:
        for pk, number, text in (
            m.PartnershipItem.objects.filter(partnership__version=version)
            .order_by("partnership_id", "number")
            .values_list("partnership_id", "number", "text_ja")
        ):
            items.setdefault(pk, {})[f"item.{number}"] = text
    entries: Entries = {}
    seen: set[str] = set()
    values = ["pk", kind.key, kind.text, *where, *plain, *related.values()]
    if ordered:
        values.append("position")
    for row in rows.values(*dict.fromkeys(values)):
        key = unique(str(row[kind.key]), seen)
        fiscal_year = row[kind.fiscal_year] if kind.fiscal_year else None
        template = Change(
            "",
            kind.name,
            key,
            theme_code=row[kind.theme] if kind.theme else "",
            fiscal_year=fiscal_year,
            actor=row[kind.actor] if kind.actor else "",
        )
        found: Details = {}
        for f in details:
            if f.many_to_many:
                value: Any = "、".join(sorted(lists[f.name].get(row["pk"], [])))
            else:
                value = row[related.get(f.name, f.name)]
            found[detail_name(f.name)] = _shown(value)
        if "date_year" in plain:
            found["date"] = m.partial_iso(row["date_year"], row["date_month"], row["date_day"])
        found.update(items.get(row["pk"], {}))
        entries[key] = Entry(
            _shown(row[kind.text]),
            template,
            found,
            row["position"] if ordered else None,
            template.cell if kind.ordered_in_cell else "",
        )
    return entries


def _reordered(old: Entries, new: Entries) -> dict[str, tuple[int, int]]:
    """Records that both editions have among the same neighbours and whose order among them
    changed: those outside the longest sequence the two orders share, with the old and new
    position (an item inserted or removed shifts the positions of others, not their order)."""
    groups: dict[str, list[str]] = {}
    for key, entry in new.items():
        before = old.get(key)
        if before is None or entry.position is None or before.position is None:
            continue
        if before.neighbours == entry.neighbours:
            groups.setdefault(entry.neighbours, []).append(key)
    moved: dict[str, tuple[int, int]] = {}
    for keys in groups.values():
        before_order = sorted(keys, key=lambda k: old[k].position or 0)
        after_order = sorted(keys, key=lambda k: new[k].position or 0)
        if before_order == after_order:
            continue
        matcher = difflib.SequenceMatcher(None, before_order, after_order, autojunk=False)
        kept = {
            key
            for block in matcher.get_matching_blocks()
            for key in before_order[block.a : block.a + block.size]
        }
        for key in keys:
            if key not in kept:
                moved[key] = (old[key].position or 0, new[key].position or 0)
    return moved


def _compare(diff: VersionDiff, old: Entries, new: Entries) -> None:
    reordered = _reordered(old, new)
    for key, entry in new.items():
        text, template, details = entry.text, entry.template, entry.details
        if key not in old:
            diff.changes.append(_with(template, "added", new_text=text))
            continue
        before = old[key]
        old_text, old_template, old_details = before.text, before.template, before.details
        differences = [
            Detail(name, old_details.get(name, ""), details.get(name, ""))
            for name in dict.fromkeys([*old_details, *details])
            if old_details.get(name, "") != details.get(name, "")
        ]
        if key in reordered:
            differences.append(Detail("position", *map(str, reordered[key])))
        if old_template.cell != template.cell:
            moved = _with(template, "moved", old_text=old_text, new_text=text)
            moved.old_cell, moved.new_cell = old_template.cell, template.cell
            moved.reworded, moved.details = old_text != text, differences
            diff.changes.append(moved)
        elif old_text != text or differences:
            changed = _with(template, "changed", old_text=old_text, new_text=text)
            changed.reworded, changed.details = old_text != text, differences
            diff.changes.append(changed)
    for key, entry in old.items():
        if key not in new:
            diff.changes.append(_with(entry.template, "removed", old_text=entry.text))


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
    """Every difference in the stored content of two versions: the edition's own texts
    (introduction, notes, plan period), and every record added, removed, reworded, moved or
    changed in another value (`details`: a development's date or figure, an agreement's
    parties or content items, an action's group, a record's order …), records matched by
    stable key (which the importer gives a moved and reworded item too, see `plans.actions`).
    What is compared is every field of the models but those `NOT_COMPARED` names.
    Read as plain values, not model instances: the comparison runs in every import."""
    diff = VersionDiff(old, new)
    old_texts, new_texts = _version_entries(old), _version_entries(new)
    for name in old_texts:
        _compare(diff, old_texts[name], new_texts[name])
    for kind in RECORD_KINDS:
        _compare(diff, _read(kind, old), _read(kind, new))
    return diff


def change_lines(diff: VersionDiff) -> list[str]:
    """The changes as `plan-diff` and a dry run print them: one line per change with its
    record, theme and cell (~ changed, > moved, + added, - removed), then its details."""
    lines = []
    for change in diff.changes:
        where = " ".join(
            str(p)
            for p in (change.record, change.theme_code, change.fiscal_year or "", change.actor)
            if p
        )
        if change.kind == "changed":
            if change.reworded:
                lines.append(f"~ {where}: {change.old_text} → {change.new_text}")
            else:
                lines.append(f"~ {where}: {change.new_text}")
        elif change.kind == "moved":
            reworded = f" (reworded from {change.old_text})" if change.reworded else ""
            lines.append(
                f"> {change.record} {change.old_cell} → {change.new_cell}: "
                f"{change.new_text}{reworded}"
            )
        elif change.kind == "added":
            lines.append(f"+ {where}: {change.new_text}")
        else:
            lines.append(f"- {where}: {change.old_text}")
        lines += [f"    {d.field}: {d.old or '—'} → {d.new or '—'}" for d in change.details]
    return lines


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
