"""Writes to the plan data: importing a document, loading the reference registry.

Each function owns its transaction: it either writes everything or, on any error, nothing.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from actionplan.resources import DATA_DIR

from . import models as m
from .bulk import (
    HistoryStamp,
    history_model,
    insert_links_with_history,
    record_history,
    reserve_ids,
)
from .bulk import insert_with_history as _insert_with_history
from .importer import document as doc_model
from .importer.document import PlanFormatError, read_plan_document
from .importer.keys import (
    action_key,
    desired_state_key,
    milestone_key,
    partnership_key,
    unique,
    vision_key,
    year_theme_key,
)
from .importer.partners import find_parties, normalized_name, organization_kind
from .importer.text import fold, text_digest
from .importer.themes import theme_code
from .queries import diff_versions
from .signals import version_activating, version_preparing
from .translations import Translations, load_translations, stored_translations
from .verification import (
    EditionRefused,
    Verification,
    check_rows,
    same_label_problem,
    verify_version,
)

REFERENCE_DIR = DATA_DIR / "reference"
# Below this similarity a reworded item is a new item, not a revision of the old one.
SAME_ITEM_SIMILARITY = 0.5


# Items sharing fewer character pairs than this are not compared further (a cheap first test).
SAME_ITEM_OVERLAP = 0.2

# An item gone from one cell and a new item in another cell of the same theme are the same item,
# moved and reworded, when their words are at least this alike (difflib's ratio on the folded
# text: 2 × matching characters / both lengths). Stricter than SAME_ITEM_SIMILARITY within a
# cell, because a move is rarer than a rewording; with 0.6 「…の推進」 reworded to
# 「…の推進と普及啓発」 pairs, two different items sharing only a theme's vocabulary do not.
MOVED_SIMILARITY = 0.6


def _similarity(text: str, other: str, at_least: float) -> float | None:
    """difflib's ratio of two folded texts when it is at least `at_least`, else None (with the
    cheap bounds first: shared character pairs, then difflib's quick ratios)."""
    if _overlap(_bigrams(text), _bigrams(other)) < SAME_ITEM_OVERLAP:
        return None
    matcher = difflib.SequenceMatcher(None, fold(other), fold(text), autojunk=False)
    if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= at_least else None


@lru_cache(maxsize=65536)
def _bigrams(text: str) -> frozenset[str]:
    folded = fold(text)
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1)) or frozenset([folded])


def insert_with_history(
    model: type[Any], rows: list[dict[str, Any]], stamp: HistoryStamp, *args: Any
) -> None:
    """Every row is checked against its columns before it is written (see verification)."""
    check_rows(model, rows)
    _insert_with_history(model, rows, stamp, *args)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class ReferenceDataError(ValueError):
    def __init__(self, path: str, row: int, column: str, message: str) -> None:
        self.path, self.row, self.column = path, row, column
        super().__init__(f"{path}, row {row}, column '{column}': {message}")


@dataclass
class ImportResult:
    version: m.PlanVersion
    created: bool
    encoding: str
    counts: dict[str, int] = field(default_factory=dict)
    verification: Verification | None = None
    dry_run: bool = False
    # Whether the version is the newest edition (an older one is kept staged).
    newest: bool = True
    # The stored version this document turned out to be after reading (same edition).
    unchanged_as: m.PlanVersion | None = None

    def summary(self) -> str:
        v = self.version
        if self.dry_run:
            return f"dry run: version {v.number} ({v.edition_ja}) passed; nothing was written"
        if not self.created:
            if self.verification is not None or v.is_current:
                state = "the current version"
            elif v.state == m.PlanVersion.State.STAGED:
                state = f"staged; `actionplan activate {v.number}` makes it current"
            else:
                state = f"superseded; `actionplan activate {v.number}` makes it current again"
            return (
                f"unchanged: the document is already version {v.number} ({v.edition_ja}, "
                f"{state}); nothing written"
            )
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        state = (
            "now current"
            if v.is_current
            else f"staged; `actionplan activate {v.number}` makes it current"
        )
        return f"imported version {v.number} ({v.edition_ja}, {self.encoding}, {state}): {parts}"


# --- reference data -----------------------------------------------------------------------------


def lg_code_is_valid(code: str) -> bool:
    """全国地方公共団体コード: five digits and a check digit (weights 6..2, modulus 11)."""
    if not re.fullmatch(r"[0-9]{6}", code):
        return False
    total = sum(int(d) * w for d, w in zip(code[:5], (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10 == int(code[5])


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(path.name, 0, "", f"cannot read the file: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(path.name, 1, missing[0], "expected this column in the header")
    return [(n, row) for n, row in enumerate(reader, start=2)]


def _decimal(path: Path, row: int, column: str, value: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ReferenceDataError(
            path.name, row, column, f"expected a number, found '{value}'"
        ) from None
    if not low <= number <= high:
        raise ReferenceDataError(path.name, row, column, f"{value} is outside {low}..{high}")
    return number


@transaction.atomic
def load_reference_data(directory: Path = REFERENCE_DIR) -> dict[str, int]:
    """Create or update the member governments and hubs from the reference CSV files."""
    governments = directory / "member-governments.csv"
    rows = _read_csv(
        governments, ["lg_code", "name_ja", "name_en", "kind", "office_lat", "office_lon"]
    )
    kinds = {k.value for k in m.MemberGovernment.Kind}
    for position, (n, row) in enumerate(rows, start=1):
        code = row["lg_code"].strip()
        if not lg_code_is_valid(code):
            raise ReferenceDataError(
                governments.name,
                n,
                "lg_code",
                f"'{code}' is not a valid 6-digit code with check digit",
            )
        if row["kind"] not in kinds:
            raise ReferenceDataError(
                governments.name, n, "kind", f"expected one of {sorted(kinds)}"
            )
        if not row["name_ja"].strip():
            raise ReferenceDataError(governments.name, n, "name_ja", "expected a name")
        m.MemberGovernment.objects.update_or_create(
            lg_code=code,
            defaults={
                "name_ja": row["name_ja"].strip(),
                "name_en": row["name_en"].strip(),
                "kind": row["kind"],
                "office_lat": _decimal(governments, n, "office_lat", row["office_lat"], 20, 50),
                "office_lon": _decimal(governments, n, "office_lon", row["office_lon"], 120, 155),
                "position": position,
            },
        )
    hubs = directory / "hubs.csv"
    hub_rows = _read_csv(hubs, ["name_ja", "name_en", "lat", "lon"])
    for n, row in hub_rows:
        if not row["name_ja"].strip():
            raise ReferenceDataError(hubs.name, n, "name_ja", "expected a name")
        m.Hub.objects.update_or_create(
            name_ja=row["name_ja"].strip(),
            defaults={
                "name_en": row["name_en"].strip(),
                "lat": _decimal(hubs, n, "lat", row["lat"], 20, 50),
                "lon": _decimal(hubs, n, "lon", row["lon"], 120, 155),
                "location_precision": (row.get("location_precision") or "").strip(),
                "theme_codes": [c for c in (row.get("themes") or "").split(";") if c],
            },
        )
    return {"member governments": len(rows), "hubs": len(hub_rows)}


# --- importing a plan document ------------------------------------------------------------------


def import_plan_file(
    path: Path | str,
    translations: Translations | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
    activate: bool = True,
    imported_by: str = "",
) -> ImportResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanFormatError(0, f"cannot read {path.name}: {exc.strerror}") from None
    return import_plan_document(
        data,
        source_name=path.name,
        translations=translations,
        force=force,
        dry_run=dry_run,
        activate=activate,
        imported_by=imported_by,
    )


# Any number fits: the key only has to be the same in every process that imports.
IMPORT_LOCK_KEY = int.from_bytes(hashlib.sha256(b"actionplan.plans.import").digest()[:7], "big")


@contextmanager
def import_lock() -> Iterator[None]:
    """One import or activation at a time. PostgreSQL: a session advisory lock, so a second
    import waits for the first and then finds its document stored; it is released when the
    connection ends, also when the process is killed. SQLite: its write lock serialises the
    transactions (``transaction_mode`` IMMEDIATE)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])


class _DryRun(Exception):  # noqa: N818 - a signal to roll back, not an error
    """Raised to roll a dry run's transaction back after its verification."""


def import_plan_document(
    data: bytes,
    *,
    source_name: str,
    translations: Translations | None = None,
    force: bool = False,
    dry_run: bool = False,
    activate: bool = True,
    imported_by: str = "",
) -> ImportResult:
    """Read a plan document, stage it as a new version, verify it, then make it current.

    Nothing is kept of a document that fails any step (``PlanFormatError`` for a value,
    ``EditionRefused`` for a failed verification or a damaged document). The same text (up to
    line endings and trailing spaces) as a stored version is that version: nothing is written,
    a staged one is verified and activated. ``dry_run`` verifies and compares, then rolls back;
    ``activate=False`` keeps the verified version staged for `actionplan activate N`.
    """
    doc = read_plan_document(data)
    tr = translations if translations is not None else load_translations("en")
    with import_lock():
        existing = _stored_version(doc)
        if existing is not None:
            if activate and not dry_run and existing.state == m.PlanVersion.State.STAGED:
                verification = activate_version(existing, force=force)
                return ImportResult(
                    existing, created=False, encoding=doc.encoding, verification=verification
                )
            return ImportResult(existing, created=False, encoding=doc.encoding)
        try:
            with transaction.atomic():
                result = _stage(doc, tr, source_name, force=force, imported_by=imported_by)
                if dry_run and result.unchanged_as is None:
                    raise _DryRun
        except _DryRun:
            result.dry_run = True
            return result
        if result.unchanged_as is not None:
            return ImportResult(result.unchanged_as, created=False, encoding=doc.encoding)
        if activate and result.newest:
            result.verification = activate_version(result.version, force=True, verified=True)
        return result


def _stored_version(doc: doc_model.PlanDocument) -> m.PlanVersion | None:
    checksums = [c for c in (doc.checksum, doc.legacy_checksum) if c]
    return (
        m.PlanVersion.objects.filter(plan__title_ja=doc.title, checksum__in=checksums)
        .select_related("plan")
        .first()
    )


def _stage(
    doc: doc_model.PlanDocument,
    tr: Translations,
    source_name: str,
    *,
    force: bool,
    imported_by: str,
) -> ImportResult:
    """Write the version as staged and verify it (the caller holds the transaction)."""
    governments = dict(m.MemberGovernment.objects.values_list("name_ja", "pk"))
    if not governments:
        load_reference_data()
        governments = dict(m.MemberGovernment.objects.values_list("name_ja", "pk"))
    plan = _plan_for(doc, tr, force=force)
    previous = plan.versions.filter(is_current=True).first()
    if previous is not None:
        # What staff translated for the current edition carries over where the words stay.
        tr = replace(tr, fallback=stored_translations(previous, tr.language))
    writer = _VersionWriter(doc, tr, plan, previous, source_name, governments)
    writer.imported_by = imported_by
    result = writer.write()
    version = result.version
    same_label = plan.versions.filter(edition_ja=version.edition_ja).exclude(pk=version.pk)
    problems = []
    for other in same_label:
        diff = diff_versions(other, version)
        if not diff.changes:
            # The same content written differently (spacing, line breaks): not a new edition.
            transaction.set_rollback(True)
            result.unchanged_as = other
            return result
        problems.append(same_label_problem(version, other, diff))
    result.verification = verify_version(version, previous, force=force, problems=problems)
    return result


def activate_version(
    version: m.PlanVersion, *, force: bool = False, verified: bool = False
) -> Verification | None:
    """Make `version` the current one in one short transaction, after the same verification
    as an import (skipped when the caller has just verified it). The way back after a
    mistake: activating an earlier version restores what the public sees."""
    given = version
    with import_lock():
        # Built ahead, outside the transaction (the search index's rows for the version).
        version_preparing.send(sender=m.PlanVersion, version=version)
        with transaction.atomic():
            version = m.PlanVersion.objects.select_for_update().get(pk=version.pk)
            previous = version.plan.versions.filter(is_current=True).exclude(pk=version.pk).first()
            verification = None if verified else verify_version(version, previous, force=force)
            stamp = HistoryStamp(version, f"activation of plan version {version.number}")
            if previous is not None:
                m.PlanVersion.objects.filter(pk=previous.pk).update(is_current=False)
                previous.is_current = False
                record_history(previous, stamp, "~")
            version.is_current = True
            version.activated_at = timezone.now()
            version._change_reason = stamp.fields["history_change_reason"]  # type: ignore[attr-defined]
            # Saved, not updated: its signals rebuild the search index and move the data stamp
            # (response caches, open data) once the activation is committed.
            version.save(update_fields=["is_current", "activated_at"])
            version_activating.send(sender=m.PlanVersion, version=version)
    given.is_current, given.activated_at = True, version.activated_at
    return verification


def _plan_for(doc: doc_model.PlanDocument, tr: Translations, *, force: bool = False) -> m.Plan:
    plan = m.Plan.objects.filter(title_ja=doc.title).first()
    if plan is not None:
        return plan
    others = list(m.Plan.objects.values_list("title_ja", flat=True))
    if others and not force:
        raise EditionRefused(
            [
                f"the title '{doc.title}' names no stored plan (stored: "
                f"{'、'.join(others)}); a damaged title line would start a second plan"
            ],
            can_force=True,
        )
    check_rows(m.Plan, [{"title_ja": doc.title, "publisher_ja": doc.publisher}])
    title_en = tr.term(doc.title)
    slug = slugify(title_en) or f"plan-{text_digest(doc.title, 8)}"
    return m.Plan.objects.create(
        slug=slug,
        title_ja=doc.title,
        title_en=title_en,
        publisher_ja=doc.publisher,
        publisher_en=tr.term(doc.publisher),
    )


# A cell of an action table: theme name, period position, actor.
_Cell = tuple[str, int, str]


class _VersionWriter:
    """Writes one new version: first everything that needs reading (the previous version's
    keys and assignments, the known organizations), then keys for every new row in one query,
    then each table and its history in one `executemany` each."""

    def __init__(
        self,
        doc: doc_model.PlanDocument,
        tr: Translations,
        plan: m.Plan,
        previous: m.PlanVersion | None,
        source_name: str,
        governments: dict[str, int],
    ) -> None:
        self.doc, self.tr, self.plan, self.previous = doc, tr, plan, previous
        self.source_name = source_name
        self.governments = governments
        self.counts: dict[str, int] = {}
        self.codes = {t.name: theme_code(t.name, t.heading) for t in doc.themes}
        self.fiscal_years = {p.position: p.fiscal_year_start for p in doc.periods}
        self.imported_by = ""

    def write(self) -> ImportResult:
        doc = self.doc
        governments = self._partnership_governments()
        partners, organizations, new_organizations = self._partners()
        action_keys = self._action_keys()
        milestone_keys = self._milestone_keys()
        assignments = self._carried_assignments(action_keys)
        self._create_version()
        self.ids = reserve_ids(
            {
                m.VisionStatement: len(doc.future_images) + len(doc.target_states),
                m.Period: len(doc.periods),
                m.Theme: len(doc.themes),
                m.YearTheme: sum(len(t.year_themes) for t in doc.themes),
                m.Action: len(action_keys),
                m.Milestone: len(milestone_keys),
                m.Organization: len(new_organizations),
                m.Partnership: len(doc.partnerships),
                history_model(m.Partnership): len(doc.partnerships),
                m.PartnershipItem: sum(len(p.items) for p in doc.partnerships),
                m.Partnership.member_governments.through: sum(map(len, governments.values())),
                m.Partnership.partners.through: sum(map(len, partners.values())),
                m.ActionAssignment: len(assignments or ()),
            }
        )
        self._write_vision()
        self._write_periods()
        self._write_themes()
        self._write_actions(action_keys)
        self._write_milestones(milestone_keys)
        self._write_partnerships(governments, partners, organizations, new_organizations)
        if assignments is not None:
            self._write_assignments(assignments)
        return ImportResult(
            self.version,
            created=True,
            encoding=doc.encoding,
            counts=self.counts,
            newest=self.newest,
        )

    def _create_version(self) -> None:
        doc, tr, previous = self.doc, self.tr, self.previous
        number = (self.plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        self.newest = previous is None or (doc.published_year, doc.published_month) >= (
            previous.published_year,
            previous.published_month,
        )
        # Staged: inserted without signals, so nothing derived from the current version (search
        # index, data stamp, caches, open data) moves until the version is activated.
        self.version = m.PlanVersion(
            plan=self.plan,
            number=number,
            edition_ja=doc.edition,
            edition_en=tr.term(doc.edition),
            published_year=doc.published_year,
            published_month=doc.published_month,
            plan_start_fy=doc.plan_start_fy,
            plan_end_fy=doc.plan_start_fy + doc.plan_years - 1,
            period_note_ja=doc.period_note,
            period_note_en=tr.text("period_note", doc.period_note),
            appendix_note_ja="\n".join(doc.appendix_note),
            introduction_ja="\n".join(doc.introduction),
            introduction_en=tr.text("introduction", "\n".join(doc.introduction)),
            translation_notice=tr.notice,
            source_name=self.source_name[:255],
            checksum=doc.checksum,
            encoding=doc.encoding,
            line_count=doc.line_count,
            is_current=False,
            imported_by=self.imported_by[:150],
        )
        version_row = {
            f.attname: getattr(self.version, f.attname)
            for f in m.PlanVersion._meta.concrete_fields
            if not f.primary_key and f.attname != "imported_at"
        }
        check_rows(m.PlanVersion, [version_row])
        self.version = m.PlanVersion.objects.bulk_create([self.version])[0]
        self.stamp = HistoryStamp(self.version, f"import of plan version {number}")
        record_history(self.version, self.stamp, "+")

    def _write_vision(self) -> None:
        ids = self.ids[m.VisionStatement]
        rows = []
        for kind, texts in (
            (m.VisionStatement.Kind.FUTURE, self.doc.future_images),
            (m.VisionStatement.Kind.TARGET, self.doc.target_states),
        ):
            for position, text in enumerate(texts, start=1):
                key = vision_key(kind.value, text)
                rows.append(
                    {
                        "id": next(ids),
                        "version_id": self.version.pk,
                        "kind": kind.value,
                        "position": position,
                        "key": key,
                        "text_ja": text,
                        "text_en": self.tr.text(key, text),
                    }
                )
        insert_with_history(m.VisionStatement, rows, self.stamp)
        self.counts["vision statements"] = len(rows)

    def _write_periods(self) -> None:
        ids = self.ids[m.Period]
        rows = [
            {
                "id": next(ids),
                "version_id": self.version.pk,
                "position": p.position,
                "fiscal_year_start": p.fiscal_year_start,
                "fiscal_year_end": p.fiscal_year_end,
                "label_ja": p.label,
                "label_en": self.tr.term(p.label),
            }
            for p in self.doc.periods
        ]
        self.period_ids = {row["position"]: row["id"] for row in rows}
        insert_with_history(m.Period, rows, self.stamp)
        self.counts["periods"] = len(rows)

    def _write_themes(self) -> None:
        tr = self.tr
        ids = self.ids[m.Theme]
        rows = []
        for t in self.doc.themes:
            code = self.codes[t.name]
            ds_key = desired_state_key(code)
            notes_en = [
                tr.text(f"{ds_key}.note.{n}", note)
                for n, note in enumerate(t.desired_state_notes, 1)
            ]
            rows.append(
                {
                    "id": next(ids),
                    "version_id": self.version.pk,
                    "code": code,
                    "position": t.position,
                    "name_ja": t.name,
                    "name_en": tr.text(f"{code}.name", t.name),
                    "heading_ja": t.heading,
                    "desired_state_ja": t.desired_state,
                    "desired_state_en": tr.text(ds_key, t.desired_state),
                    "desired_state_note_ja": "\n".join(t.desired_state_notes),
                    "desired_state_note_en": "\n".join(notes_en) if all(notes_en) else "",
                    "source_line": t.line,
                }
            )
        self.theme_ids = {t.name: row["id"] for t, row in zip(self.doc.themes, rows, strict=True)}
        insert_with_history(m.Theme, rows, self.stamp)
        ids = self.ids[m.YearTheme]
        headlines = []
        for t in self.doc.themes:
            for h in t.year_themes:
                key = year_theme_key(self.codes[t.name], self.fiscal_years[h.period_position])
                headlines.append(
                    {
                        "id": next(ids),
                        "version_id": self.version.pk,
                        "theme_id": self.theme_ids[t.name],
                        "period_id": self.period_ids[h.period_position],
                        "key": key,
                        "text_ja": h.text,
                        "text_en": tr.text(key, h.text),
                        "source_line": h.line,
                    }
                )
        insert_with_history(m.YearTheme, headlines, self.stamp)
        self.counts["themes"] = len(rows)
        self.counts["year headlines"] = len(headlines)

    def _previous_keys(
        self, model: type[m.Action] | type[m.Milestone]
    ) -> dict[str, dict[str, str]]:
        """Previous version's keys and texts by cell, to recognise reworded records."""
        cells: dict[str, dict[str, str]] = defaultdict(dict)
        if self.previous is None:
            return cells
        if model is m.Action:
            # By the cell the record is in, not its key: a moved item keeps the key of its old cell.
            actions = m.Action.objects.filter(version=self.previous).order_by()
            for key, text, code, fiscal_year, actor in actions.values_list(
                "key", "text_ja", "theme__code", "period__fiscal_year_start", "actor"
            ):
                cells[f"{code}.{fiscal_year}.{actor}"][key] = text
            return cells
        rows = model.objects.filter(version=self.previous).order_by().values_list("key", "text_ja")
        for key, text in rows:
            cells[key.rsplit(".", 1)[0]][key] = text
        return cells

    @staticmethod
    def _moved(
        keyed: list[tuple[doc_model.Theme, doc_model.Action, str, str]],
        previous: dict[str, dict[str, str]],
        codes: dict[str, str],
    ) -> list[tuple[doc_model.Theme, doc_model.Action, str, str]]:
        """An item of a new cell that revises an item gone from another cell of the same theme
        moved there (another year or actor): it keeps that item's key. First the same words,
        then, for what is left, words at least `MOVED_SIMILARITY` alike (moved and reworded),
        the most similar pairs first."""
        kept = {stable for _, _, _, stable in keyed}
        gone: dict[tuple[str, str], list[str]] = defaultdict(list)
        gone_by_theme: dict[str, dict[str, str]] = defaultdict(dict)
        for cell, items in previous.items():
            code = cell.split(".", 1)[0]
            for old_key, old_text in items.items():
                if old_key not in kept:
                    gone[(code, fold(old_text))].append(old_key)
                    gone_by_theme[code][old_key] = old_text
        known = {key for items in previous.values() for key in items}
        result: list[tuple[doc_model.Theme, doc_model.Action, str, str]] = []
        unmatched: list[int] = []
        for t, a, key, stable in keyed:
            candidates = gone.get((codes[t.name], fold(a.text)))
            if stable not in known and candidates:
                stable = candidates.pop(0)
                gone_by_theme[codes[t.name]].pop(stable, None)
            elif stable not in known:
                unmatched.append(len(result))
            result.append((t, a, key, stable))
        pairs: list[tuple[float, int, str]] = []
        for index in unmatched:
            t, a, _, _ = result[index]
            for old_key, old_text in gone_by_theme.get(codes[t.name], {}).items():
                ratio = _similarity(a.text, old_text, MOVED_SIMILARITY)
                if ratio is not None:
                    pairs.append((ratio, index, old_key))
        taken: set[str] = set()
        done: set[int] = set()
        for _, index, old_key in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
            if index in done or old_key in taken:
                continue
            t, a, key, _ = result[index]
            result[index] = (t, a, key, old_key)
            done.add(index)
            taken.add(old_key)
        return result

    def _inherit(
        self,
        key: str,
        text: str,
        previous: dict[str, dict[str, str]],
        claimed: set[str],
        new_keys: set[str],
    ) -> str:
        """A reworded item keeps the key of the item it revises (same cell, similar words)."""
        candidates = previous.get(key.rsplit(".", 1)[0])
        if not candidates or key in candidates:
            return key
        available = [
            (old_key, old_text)
            for old_key, old_text in candidates.items()
            if old_key not in claimed and old_key not in new_keys
        ]
        if not available:
            return key
        for old_key, old_text in available:
            # Unchanged words under a key inherited in an earlier revision.
            if old_text == text:
                claimed.add(old_key)
                return old_key
        best, best_ratio = None, SAME_ITEM_SIMILARITY
        grams = _bigrams(text)
        available = [
            (old_key, old_text)
            for old_key, old_text in available
            if _overlap(grams, _bigrams(old_text)) >= SAME_ITEM_OVERLAP
        ]
        if not available:
            return key
        # SequenceMatcher caches facts about its second sequence: compare against `text`.
        matcher = difflib.SequenceMatcher(None, "", fold(text), autojunk=False)
        for old_key, old_text in available:
            matcher.set_seq1(fold(old_text))
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = old_key, ratio
        if best is None:
            return key
        claimed.add(best)
        return best

    def _action_keys(self) -> list[tuple[doc_model.Theme, doc_model.Action, str, str]]:
        """Each action with the key of its own words and the stable key it is stored under."""
        plain: list[tuple[doc_model.Theme, doc_model.Action, str]] = []
        for t in self.doc.themes:
            code = self.codes[t.name]
            seen: set[str] = set()
            for a in t.actions:
                fy = self.fiscal_years[a.period_position]
                plain.append((t, a, unique(action_key(code, fy, a.actor, a.text), seen)))
        previous = self._previous_keys(m.Action)
        claimed: set[str] = set()
        new_keys = {key for _, _, key in plain}
        keyed = [
            (t, a, key, self._inherit(key, a.text, previous, claimed, new_keys))
            for t, a, key in plain
        ]
        return self._moved(keyed, previous, self.codes)

    def _write_actions(
        self, keyed: list[tuple[doc_model.Theme, doc_model.Action, str, str]]
    ) -> None:
        tr = self.tr
        ids = self.ids[m.Action]
        # A sub-item names its parent by position in the same cell.
        id_of = {
            (t.name, a.period_position, a.actor, a.position): next(ids) for t, a, _, _ in keyed
        }
        rows = [
            {
                "id": id_of[(t.name, a.period_position, a.actor, a.position)],
                "version_id": self.version.pk,
                "theme_id": self.theme_ids[t.name],
                "period_id": self.period_ids[a.period_position],
                "actor": a.actor,
                "group_ja": a.group,
                "group_en": tr.term(a.group),
                "parent_id": (
                    None
                    if a.parent is None
                    else id_of[(t.name, a.period_position, a.actor, a.parent)]
                ),
                "position": a.position,
                "key": stable,
                "text_ja": a.text,
                "text_en": tr.text(key, a.text) or tr.text(stable, a.text),
                "source_line": a.line,
            }
            for t, a, key, stable in keyed
        ]
        # The reading order of queries.actions_in_reading_order, numbered once here.
        theme_positions = {t.name: t.position for t, _, _, _ in keyed}
        reading = sorted(
            zip(rows, keyed, strict=True),
            key=lambda pair: (
                theme_positions[pair[1][0].name],
                0 if pair[0]["actor"] == m.Actor.UNION else 1,
                pair[1][1].period_position,
                pair[0]["position"],
                pair[0]["id"],
            ),
        )
        for number, (row, _) in enumerate(reading, start=1):
            row["reading_position"] = number
        insert_with_history(m.Action, rows, self.stamp)
        self.action_ids = {row["key"]: row["id"] for row in rows}
        self.counts["actions"] = len(rows)

    def _milestone_keys(self) -> list[tuple[doc_model.Theme, doc_model.Milestone, str, str]]:
        previous = self._previous_keys(m.Milestone)
        claimed: set[str] = set()
        keyed = []
        for t in self.doc.themes:
            seen: set[str] = set()
            keys = [unique(milestone_key(self.codes[t.name], ms.text), seen) for ms in t.milestones]
            theme_keys = set(keys)
            for ms, key in zip(t.milestones, keys, strict=True):
                keyed.append(
                    (t, ms, key, self._inherit(key, ms.text, previous, claimed, theme_keys))
                )
        return keyed

    def _write_milestones(
        self, keyed: list[tuple[doc_model.Theme, doc_model.Milestone, str, str]]
    ) -> None:
        tr = self.tr
        ids = self.ids[m.Milestone]
        rows: list[dict[str, object]] = []
        for t, ms, key, stable in keyed:
            notes_en = [tr.text(f"{key}.note.{n}", note) for n, note in enumerate(ms.notes, 1)]
            figure = ms.figure
            rows.append(
                {
                    "id": next(ids),
                    "version_id": self.version.pk,
                    "theme_id": self.theme_ids[t.name],
                    "position": ms.position,
                    "key": stable,
                    "group_ja": ms.group,
                    "group_en": tr.term(ms.group),
                    "text_ja": ms.text,
                    "text_en": tr.text(key, ms.text) or tr.text(stable, ms.text),
                    "note_ja": "\n".join(ms.notes),
                    "note_en": "\n".join(notes_en) if all(notes_en) else "",
                    "date_year": ms.year,
                    "date_month": ms.month,
                    "date_day": ms.day,
                    "figure_label_ja": figure.label if figure else "",
                    "figure_label_en": (
                        tr.text(f"{key}.figure.label", figure.label) if figure else ""
                    ),
                    "figure_value": figure.value if figure else None,
                    "figure_unit": figure.unit if figure else "",
                    "figure_as_of_year": figure.as_of_year if figure else None,
                    "figure_source_ja": figure.source if figure else "",
                    "figure_source_en": (
                        tr.text(f"{key}.figure.source", figure.source) if figure else ""
                    ),
                    "source_line": ms.line,
                }
            )
        insert_with_history(m.Milestone, rows, self.stamp)
        self.counts["developments"] = len(rows)

    def _partnership_governments(self) -> dict[int, list[int]]:
        """The member governments of each agreement (by `id()` of the document's record)."""
        governments = self.governments
        links = {}
        for p in self.doc.partnerships:
            unknown = [g for g in p.governments if g not in governments]
            if unknown:
                raise PlanFormatError(
                    p.line,
                    f"expected member governments, found '{unknown[0]}' "
                    f"(known: {'、'.join(governments)})",
                )
            links[id(p)] = list(dict.fromkeys(governments[g] for g in p.governments))
        return links

    def _partners(self) -> tuple[dict[int, list[str]], dict[str, int], dict[str, str]]:
        """The partners of each agreement (normalized names), the registry's organizations
        among them (normalized name → id), and the ones it does not know yet (→ full name)."""
        parties = {
            id(p): [
                n
                for n in find_parties(p.title, p.outline, p.governments)
                if n not in self.governments
            ]
            for p in self.doc.partnerships
        }
        wanted: dict[str, str] = {}
        for names in parties.values():
            for name in names:
                key = normalized_name(name)
                if key not in wanted or len(name) > len(wanted[key]):
                    wanted[key] = name
        known = dict(
            m.Organization.objects.filter(normalized_name__in=wanted).values_list(
                "normalized_name", "pk"
            )
        )
        missing = {key: name for key, name in wanted.items() if key not in known}
        keys = {
            owner: list(dict.fromkeys(normalized_name(n) for n in names))
            for owner, names in parties.items()
        }
        return keys, known, missing

    def _write_partnerships(
        self,
        governments: dict[int, list[int]],
        partners: dict[int, list[str]],
        organizations: dict[str, int],
        new_organizations: dict[str, str],
    ) -> None:
        """Agreements, their items and links, each table with its history in one insert."""
        tr = self.tr
        ids = self.ids[m.Organization]
        organization_rows: list[dict[str, Any]] = [
            {
                "id": next(ids),
                "name_ja": name,
                "name_en": tr.term(name),
                "normalized_name": key,
                "kind": organization_kind(name),
                "corporate_number": "",
            }
            for key, name in new_organizations.items()
        ]
        insert_with_history(m.Organization, organization_rows, self.stamp)
        organizations = {
            **organizations,
            **{r["normalized_name"]: r["id"] for r in organization_rows},
        }
        seen: set[str] = set()
        ids = self.ids[m.Partnership]
        rows: list[dict[str, Any]] = []
        # Source addresses are added by staff (the plan gives none): keep them across editions.
        source_urls: dict[str, str] = (
            {}
            if self.previous is None
            else dict(
                m.Partnership.objects.filter(version=self.previous)
                .exclude(source_url="")
                .values_list("key", "source_url")
            )
        )
        for p in self.doc.partnerships:
            code = self.codes[p.theme_name]
            key = unique(partnership_key(code, p.title), seen)
            outline_en = [
                tr.text(f"{key}.outline.{n}", para) for n, para in enumerate(p.outline, 1)
            ]
            date_kind = (
                "signed"
                if "締結" in p.date_label
                else "adopted"
                if "策定" in p.date_label
                else "other"
            )
            rows.append(
                {
                    "id": next(ids),
                    "version_id": self.version.pk,
                    "theme_code": code,
                    "theme_id": self.theme_ids[p.theme_name],
                    "position": p.position,
                    "key": key,
                    "title_ja": p.title,
                    "title_en": tr.text(f"{key}.title", p.title),
                    "date_label_ja": p.date_label,
                    "date_label_en": tr.term(p.date_label),
                    "date_kind": date_kind,
                    "date_year": p.year,
                    "date_month": p.month,
                    "date_day": p.day,
                    "outline_ja": "\n".join(p.outline),
                    "outline_en": "\n".join(outline_en) if all(outline_en) else "",
                    "source_name_ja": p.source_name,
                    "source_name_en": tr.term(p.source_name),
                    "source_url": source_urls.get(key, ""),
                    "source_line": p.line,
                }
            )
        history_ids = [next(self.ids[history_model(m.Partnership)]) for _ in rows]
        insert_with_history(m.Partnership, rows, self.stamp, iter(history_ids))
        history_of = {row["id"]: h for row, h in zip(rows, history_ids, strict=True)}
        government_ids = self.ids[m.Partnership.member_governments.through]
        partner_ids = self.ids[m.Partnership.partners.through]
        government_rows, partner_rows, items = [], [], []
        ids = self.ids[m.PartnershipItem]
        for row, p in zip(rows, self.doc.partnerships, strict=True):
            government_rows += [
                {"id": next(government_ids), "partnership_id": row["id"], "membergovernment_id": g}
                for g in governments[id(p)]
            ]
            partner_rows += [
                {
                    "id": next(partner_ids),
                    "partnership_id": row["id"],
                    "organization_id": organizations[name],
                }
                for name in partners[id(p)]
            ]
            items += [
                {
                    "id": next(ids),
                    "partnership_id": row["id"],
                    "number": number,
                    "text_ja": text,
                    "text_en": tr.text(f"{row['key']}.item.{number}", text),
                }
                for number, text in p.items
            ]
        insert_links_with_history(m.Partnership, "member_governments", government_rows, history_of)
        insert_links_with_history(m.Partnership, "partners", partner_rows, history_of)
        insert_with_history(m.PartnershipItem, items, self.stamp)
        self.counts["partnerships"] = len(rows)

    def _carried_assignments(
        self, keyed: list[tuple[doc_model.Theme, doc_model.Action, str, str]]
    ) -> list[tuple[str, int]] | None:
        """The previous version's assignments of member governments to actions this one keeps
        (None when the previous version had none)."""
        if self.previous is None:
            return None
        old = list(
            m.ActionAssignment.objects.filter(action__version=self.previous)
            .order_by()
            .values_list("action__key", "member_government_id")
        )
        if not old:
            return None
        stable = {key for _, _, _, key in keyed}
        return [(key, government) for key, government in old if key in stable]

    def _write_assignments(self, assignments: list[tuple[str, int]]) -> None:
        ids = self.ids[m.ActionAssignment]
        rows = [
            {"id": next(ids), "action_id": self.action_ids[key], "member_government_id": government}
            for key, government in assignments
        ]
        insert_with_history(m.ActionAssignment, rows, self.stamp)
        self.counts["assignments carried over"] = len(rows)
