"""What a staged plan version must pass before it may become current.

Three kinds of check, in this order:

1. every value fits its column and what the consumers accept (``check_rows``, run on each
   table's rows before they are written, so an error names the document's line);
2. the other apps can build what they derive from the version (search index, open data):
   they receive ``version_staged`` and raise to refuse it;
3. compared with the current version, nothing was lost by accident: a section, a theme's table,
   the appendix, or more than ``PLAN_IMPORT_MAX_REMOVED_PERCENT`` of the items; and the
   edition label is not reused for other content. ``--force`` overrides these, and only these.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Count, Q

from . import models as m
from .importer.document import PlanFormatError
from .queries import (
    RECORD_KINDS,
    VersionDiff,
    change_lines,
    compared_fields,
    detail_name,
    diff_versions,
    version_records,
)
from .signals import version_staged

# The longest text one record may hold. The longest text of the published plan is a desired
# state of about 300 characters; the Japanese tokenizer refuses inputs of more than 49,149
# bytes (about 16,000 characters of Japanese), and the index joins a record's Japanese and
# English texts: 5,000 characters each leaves room for both and for any revision.
MAX_TEXT_LENGTH = 5000


class EditionRefused(ValueError):
    """A document that was read but may not be published; ``problems`` says why, with numbers."""

    def __init__(self, problems: list[str], *, can_force: bool) -> None:
        self.problems = problems
        self.can_force = can_force
        hint = "; use --force if this is intended" if can_force else ""
        super().__init__("; ".join(problems) + " — refused" + hint)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:30]}… ({len(text)} characters)"


def _field_problem(model_field: models.Field[Any, Any], value: Any) -> str | None:
    if value is None:
        return None if model_field.null else "expected a value"
    internal = model_field.get_internal_type()
    if isinstance(model_field, models.TextField) and len(value) > MAX_TEXT_LENGTH:
        return f"{len(value)} characters is more than the {MAX_TEXT_LENGTH} a text may hold"
    # PostgreSQL's ranges, the narrower of the two databases, so both accept the same files.
    bounds = BaseDatabaseOperations.integer_field_ranges.get(internal)
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return f"{_shown(value)} is outside {bounds[0]}..{bounds[1]}"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"{value} is not a number"
    try:
        model_field.run_validators(value)
    except ValidationError as exc:
        return f"{_shown(value)}: " + " ".join(str(message) for message in exc.messages)
    return None


def check_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> None:
    """Refuse the first value that its column (or a consumer of the text) cannot hold."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    for row in rows:
        for name, value in row.items():
            model_field = fields.get(name)
            if model_field is None or model_field.primary_key or model_field.is_relation:
                continue
            problem = _field_problem(model_field, value)
            if problem is not None:
                line = row.get("source_line") or 0
                raise PlanFormatError(line, f"{model._meta.model_name} {name}: {problem}")


@dataclass
class Verification:
    """The outcome of verifying a version against the current one."""

    version: m.PlanVersion
    previous: m.PlanVersion | None
    diff: VersionDiff | None
    counts: dict[str, int] = field(default_factory=dict)
    damage: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The verification and the comparison, as printed by the commands."""
        v = self.version
        out = [
            f"version {v.number} ({v.edition_ja}): "
            + ", ".join(f"{n} {name}" for name, n in self.counts.items())
        ]
        out.append("verified: values, search index, open data files")
        if self.diff is not None and self.previous is not None:
            kinds = ("added", "removed", "changed", "moved")
            out.append(
                f"compared with version {self.previous.number} ({self.previous.edition_ja}): "
                + ", ".join(f"{self.diff.count(k)} {k}" for k in kinds)
            )
            out += change_lines(self.diff)
        out += [f"refused: {problem}" for problem in self.damage]
        return out


def version_counts(version: m.PlanVersion) -> dict[str, int]:
    return {
        "themes": version.themes.count(),
        "actions": version.actions.count(),
        "developments": version.milestones.count(),
        "partnerships": version.partnerships.count(),
    }


def _per_theme(version: m.PlanVersion, related: str) -> Counter[str]:
    rows = getattr(version, related).order_by().values_list("theme__code", flat=True)
    return Counter(rows)


def damage(new: m.PlanVersion, old: m.PlanVersion, diff: VersionDiff) -> list[str]:
    """What the new version lost compared with the current one, each with its numbers."""
    problems: list[str] = []
    old_themes = dict(old.themes.values_list("code", "name_ja"))
    new_themes = set(new.themes.values_list("code", flat=True))
    for code, name in old_themes.items():
        if code not in new_themes:
            problems.append(
                f"the theme {name} ({code}) is missing: {len(new_themes)} of "
                f"{len(old_themes)} themes"
            )
    for related, what in (("actions", "action table"), ("milestones", "関西の動き section")):
        before, after = _per_theme(old, related), _per_theme(new, related)
        for code, count in before.items():
            if code in new_themes and after[code] == 0:
                problems.append(
                    f"the {what} of {old_themes[code]} is empty; the current edition has {count}"
                )
    problems += lost_sections(new, old)
    partnerships = (old.partnerships.count(), new.partnerships.count())
    if partnerships[0] and not partnerships[1]:
        problems.append(
            f"0 of {partnerships[0]} partnerships (the appendix is missing); "
            f"the current edition has {partnerships[0]}"
        )
    limit = settings.PLAN_IMPORT_MAX_REMOVED_PERCENT
    for record, count in (
        ("action", old.actions.count()),
        ("milestone", old.milestones.count()),
        ("partnership", partnerships[0]),
    ):
        removed = sum(1 for c in diff.changes if c.record == record and c.kind == "removed")
        if count and removed * 100 > limit * count:
            problems.append(
                f"{removed} of {count} {record}s of the current edition are gone "
                f"({removed * 100 // count}%, more than PLAN_IMPORT_MAX_REMOVED_PERCENT={limit}%)"
            )
    return problems


# How a refusal names a part of the document (the kinds of record the comparison reports and
# their texts); any other part by its field's name.
SECTION_NAMES = {
    "introduction": "the introduction (アクションプランについて)",
    "period_note": "the tables' note (※)",
    "appendix_note": "the appendix's introduction",
    "future_image": "the vision (将来像)",
    "target_state": "the goals (めざす姿)",
    "desired_state_note": "the notes of the desired states (ありたい姿の*)",
    "group": "the 【group】 headings",
    "note": "the notes (※)",
}
# Record kinds whose loss the checks above report with their own numbers.
_CHECKED_APART = {"theme", "action", "milestone", "partnership"}


def _section_counts(version: m.PlanVersion) -> dict[tuple[str, str], int]:
    """For each kind of record, how many the version has and how many have each text."""
    counts: dict[tuple[str, str], int] = {}
    texts = {
        f.name
        for f in compared_fields(m.PlanVersion)
        if isinstance(f, models.CharField | models.TextField)
    }
    row = m.PlanVersion.objects.filter(pk=version.pk).values(*texts).get()
    # An edition's own text counts its characters.
    counts.update({(detail_name(name), ""): len(row[name]) for name in texts})
    for kind in RECORD_KINDS:
        fields = [
            f.name
            for f in compared_fields(kind.model)
            if isinstance(f, models.CharField | models.TextField)
        ]
        found = kind.model.objects.filter(version=version, **dict(kind.filters)).aggregate(
            records=Count("pk"), **{name: Count("pk", filter=~Q(**{name: ""})) for name in fields}
        )
        for name, n in found.items():
            counts[(kind.name, "" if name == "records" else detail_name(name))] = n
    return counts


def lost_sections(new: m.PlanVersion, old: m.PlanVersion) -> list[str]:
    """Every part of the document that the current edition has and the new one lacks: a text
    of the edition (introduction, notes), a kind of record (vision, goals, periods …) or a
    text that no record of its kind has any more (the themes' notes, group headings …)."""
    before, after = _section_counts(old), _section_counts(new)
    version_texts = set(version_records())
    problems = []
    for (kind, text), n in before.items():
        if not n or after.get((kind, text), 0) or kind in _CHECKED_APART and not text:
            continue
        if text and not after.get((kind, ""), 0):
            continue  # no record of the kind at all: reported as such
        name = SECTION_NAMES.get(text or kind, text or kind)
        if kind in version_texts:
            problems.append(f"{name} is missing; the current edition has {n} characters of it")
        elif text:
            problems.append(
                f"{name} is missing: 0 of {after[(kind, '')]} {kind} records have one; "
                f"the current edition has {n}"
            )
        else:
            problems.append(f"{name} is missing: 0 {kind} records; the current edition has {n}")
    return problems


def same_label_problem(new: m.PlanVersion, other: m.PlanVersion, diff: VersionDiff) -> str:
    """`diff` has at least one change: without any, the document is the stored version."""
    kinds = Counter(f"{c.kind} {c.record}" for c in diff.changes)
    return (
        f"the edition label '{new.edition_ja}' is already version {other.number}, with other "
        f"content ({len(diff.changes)} differences: "
        + ", ".join(f"{n} {what}" for what, n in kinds.items())
        + "); a revision needs its own label"
    )


def run_hooks(version: m.PlanVersion) -> None:
    """Let every app that derives data from a version build it; any failure refuses it."""
    failures = [
        f"{getattr(receiver, '__module__', receiver)}: {type(error).__name__}: {error}"
        for receiver, error in version_staged.send_robust(sender=m.PlanVersion, version=version)
        if isinstance(error, Exception)
    ]
    if failures:
        raise EditionRefused(failures, can_force=False)


def verify_version(
    version: m.PlanVersion,
    previous: m.PlanVersion | None,
    *,
    force: bool = False,
    problems: list[str] | None = None,
) -> Verification:
    """Run every check on a stored (staged or earlier) version; raise EditionRefused.

    `problems`: what the caller found already that `force` may override."""
    run_hooks(version)
    diff = diff_versions(previous, version) if previous is not None else None
    result = Verification(version, previous, diff, version_counts(version), list(problems or ()))
    if previous is not None and diff is not None:
        result.damage += damage(version, previous, diff)
    if result.damage and not force:
        raise EditionRefused(result.damage, can_force=True)
    return result
