"""Writes to the plan data: importing a document, loading the reference registry.

Each function owns its transaction: it either writes everything or, on any error, nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from . import models as m
from .bulk import insert_rows
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
from .translations import Translations, load_translations

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
# Below this similarity a reworded item is a new item, not a revision of the old one.
SAME_ITEM_SIMILARITY = 0.5


# Items sharing fewer character pairs than this are not compared further (a cheap first test).
SAME_ITEM_OVERLAP = 0.2


@lru_cache(maxsize=65536)
def _bigrams(text: str) -> frozenset[str]:
    folded = fold(text)
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1)) or frozenset([folded])


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

    def summary(self) -> str:
        if not self.created:
            return (
                f"unchanged: the document is already version {self.version.number} "
                f"({self.version.edition_ja}); nothing written"
            )
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return (
            f"imported version {self.version.number} ({self.version.edition_ja}, "
            f"{self.encoding}): {parts}"
        )


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


def import_plan_file(path: Path | str, translations: Translations | None = None) -> ImportResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanFormatError(0, f"cannot read {path.name}: {exc.strerror}") from None
    return import_plan_document(data, source_name=path.name, translations=translations)


def import_plan_document(
    data: bytes, *, source_name: str, translations: Translations | None = None
) -> ImportResult:
    """Read a plan document and store it as a new version, unless the same text is stored."""
    doc = read_plan_document(data)
    tr = translations if translations is not None else load_translations("en")
    with transaction.atomic():
        if not m.MemberGovernment.objects.exists():
            load_reference_data()
        plan = _plan_for(doc, tr)
        existing = plan.versions.filter(checksum=doc.checksum).first()
        if existing is not None:
            return ImportResult(existing, created=False, encoding=doc.encoding)
        previous = plan.versions.filter(is_current=True).first()
        writer = _VersionWriter(doc, tr, plan, previous, source_name)
        return writer.write()


def _plan_for(doc: doc_model.PlanDocument, tr: Translations) -> m.Plan:
    plan = m.Plan.objects.filter(title_ja=doc.title).first()
    if plan is not None:
        return plan
    title_en = tr.term(doc.title)
    slug = slugify(title_en) or f"plan-{text_digest(doc.title, 8)}"
    return m.Plan.objects.create(
        slug=slug,
        title_ja=doc.title,
        title_en=title_en,
        publisher_ja=doc.publisher,
        publisher_en=tr.term(doc.publisher),
    )


class _VersionWriter:
    def __init__(
        self,
        doc: doc_model.PlanDocument,
        tr: Translations,
        plan: m.Plan,
        previous: m.PlanVersion | None,
        source_name: str,
    ) -> None:
        self.doc, self.tr, self.plan, self.previous = doc, tr, plan, previous
        self.source_name = source_name
        self.counts: dict[str, int] = {}

    def write(self) -> ImportResult:
        doc, tr = self.doc, self.tr
        number = (self.plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        newest = self.previous is None or (doc.published_year, doc.published_month) >= (
            self.previous.published_year,
            self.previous.published_month,
        )
        if newest:
            self.plan.versions.filter(is_current=True).update(is_current=False)
        self.version = m.PlanVersion.objects.create(
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
            translation_notice=tr.notice,
            source_name=self.source_name[:255],
            checksum=doc.checksum,
            encoding=doc.encoding,
            line_count=doc.line_count,
            is_current=newest,
        )
        self._write_vision()
        self.codes = {t.name: theme_code(t.name, t.heading) for t in doc.themes}
        self._write_periods()
        self._write_themes()
        self._write_actions()
        self._write_milestones()
        self._write_partnerships()
        self._carry_over_assignments()
        return ImportResult(self.version, created=True, encoding=doc.encoding, counts=self.counts)

    def _write_vision(self) -> None:
        rows = []
        for kind, texts in (
            (m.VisionStatement.Kind.FUTURE, self.doc.future_images),
            (m.VisionStatement.Kind.TARGET, self.doc.target_states),
        ):
            for position, text in enumerate(texts, start=1):
                key = vision_key(kind.value, text)
                rows.append(
                    m.VisionStatement(
                        version=self.version,
                        kind=kind,
                        position=position,
                        key=key,
                        text_ja=text,
                        text_en=self.tr.text(key, text),
                    )
                )
        m.VisionStatement.objects.bulk_create(rows)
        self.counts["vision statements"] = len(rows)

    def _write_periods(self) -> None:
        self.periods = {
            p.position: m.Period(
                version=self.version,
                position=p.position,
                fiscal_year_start=p.fiscal_year_start,
                fiscal_year_end=p.fiscal_year_end,
                label_ja=p.label,
                label_en=self.tr.term(p.label),
            )
            for p in self.doc.periods
        }
        m.Period.objects.bulk_create(self.periods.values())
        self.counts["periods"] = len(self.periods)

    def _write_themes(self) -> None:
        tr = self.tr
        self.themes: dict[str, m.Theme] = {}
        for t in self.doc.themes:
            code = self.codes[t.name]
            ds_key = desired_state_key(code)
            notes_en = [
                tr.text(f"{ds_key}.note.{n}", note)
                for n, note in enumerate(t.desired_state_notes, 1)
            ]
            self.themes[t.name] = m.Theme(
                version=self.version,
                code=code,
                position=t.position,
                name_ja=t.name,
                name_en=tr.text(f"{code}.name", t.name),
                heading_ja=t.heading,
                desired_state_ja=t.desired_state,
                desired_state_en=tr.text(ds_key, t.desired_state),
                desired_state_note_ja="\n".join(t.desired_state_notes),
                desired_state_note_en="\n".join(notes_en) if all(notes_en) else "",
                source_line=t.line,
            )
        m.Theme.objects.bulk_create(self.themes.values())
        headlines = []
        for t in self.doc.themes:
            for h in t.year_themes:
                period = self.periods[h.period_position]
                key = year_theme_key(self.codes[t.name], period.fiscal_year_start)
                headlines.append(
                    m.YearTheme(
                        version=self.version,
                        theme=self.themes[t.name],
                        period=period,
                        key=key,
                        text_ja=h.text,
                        text_en=tr.text(key, h.text),
                        source_line=h.line,
                    )
                )
        m.YearTheme.objects.bulk_create(headlines)
        self.counts["themes"] = len(self.themes)
        self.counts["year headlines"] = len(headlines)

    def _previous_keys(
        self, model: type[m.Action] | type[m.Milestone]
    ) -> dict[str, dict[str, str]]:
        """Previous version's keys and texts by cell, to recognise reworded records."""
        cells: dict[str, dict[str, str]] = defaultdict(dict)
        if self.previous is None:
            return cells
        rows = model.objects.filter(version=self.previous).values_list("key", "text_ja")
        for key, text in rows:
            cells[key.rsplit(".", 1)[0]][key] = text
        return cells

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

    def _write_actions(self) -> None:
        tr = self.tr
        previous = self._previous_keys(m.Action)
        claimed: set[str] = set()
        plain: list[tuple[doc_model.Theme, doc_model.Action, str]] = []
        for t in self.doc.themes:
            seen: set[str] = set()
            for a in t.actions:
                fy = self.periods[a.period_position].fiscal_year_start
                plain.append(
                    (t, a, unique(action_key(self.codes[t.name], fy, a.actor, a.text), seen))
                )
        new_keys = {key for _, _, key in plain}
        tops: list[dict[str, object]] = []
        children: list[tuple[dict[str, object], tuple[str, int, str, int]]] = []
        keys_by_cell: dict[tuple[str, int, str, int], str] = {}
        for t, a, key in plain:
            stable = self._inherit(key, a.text, previous, claimed, new_keys)
            row: dict[str, object] = {
                "version_id": self.version.pk,
                "theme_id": self.themes[t.name].pk,
                "period_id": self.periods[a.period_position].pk,
                "actor": a.actor,
                "group_ja": a.group,
                "group_en": tr.term(a.group),
                "position": a.position,
                "key": stable,
                "text_ja": a.text,
                "text_en": tr.text(key, a.text) or tr.text(stable, a.text),
                "source_line": a.line,
                "parent_id": None,
            }
            keys_by_cell[(t.name, a.period_position, a.actor, a.position)] = stable
            if a.parent is None:
                tops.append(row)
            else:
                children.append((row, (t.name, a.period_position, a.actor, a.parent)))
        insert_rows(m.Action, tops)
        if children:
            ids = dict(m.Action.objects.filter(version=self.version).values_list("key", "pk"))
            for row, parent in children:
                row["parent_id"] = ids[keys_by_cell[parent]]
            insert_rows(m.Action, [row for row, _ in children])
        self.counts["actions"] = len(tops) + len(children)

    def _write_milestones(self) -> None:
        tr = self.tr
        previous = self._previous_keys(m.Milestone)
        claimed: set[str] = set()
        rows: list[dict[str, object]] = []
        for t in self.doc.themes:
            seen: set[str] = set()
            keys = [unique(milestone_key(self.codes[t.name], ms.text), seen) for ms in t.milestones]
            theme_keys = set(keys)
            for ms, key in zip(t.milestones, keys, strict=True):
                stable = self._inherit(key, ms.text, previous, claimed, theme_keys)
                notes_en = [tr.text(f"{key}.note.{n}", note) for n, note in enumerate(ms.notes, 1)]
                figure = ms.figure
                rows.append(
                    {
                        "version_id": self.version.pk,
                        "theme_id": self.themes[t.name].pk,
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
        insert_rows(m.Milestone, rows)
        self.counts["developments"] = len(rows)

    def _write_partnerships(self) -> None:
        """Agreements, their items and links, in a few bulk inserts (the import itself is the
        history event of these rows; later edits by staff are recorded row by row)."""
        tr = self.tr
        governments = {g.name_ja: g for g in m.MemberGovernment.objects.all()}
        seen: set[str] = set()
        rows: list[tuple[m.Partnership, doc_model.Partnership]] = []
        for p in self.doc.partnerships:
            code = self.codes[p.theme_name]
            key = unique(partnership_key(code, p.title), seen)
            unknown = [g for g in p.governments if g not in governments]
            if unknown:
                raise PlanFormatError(
                    p.line,
                    f"expected member governments, found '{unknown[0]}' "
                    f"(known: {'、'.join(governments)})",
                )
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
            partnership = m.Partnership(
                version=self.version,
                theme_code=code,
                theme=self.themes[p.theme_name],
                position=p.position,
                key=key,
                title_ja=p.title,
                title_en=tr.text(f"{key}.title", p.title),
                date_label_ja=p.date_label,
                date_label_en=tr.term(p.date_label),
                date_kind=date_kind,
                date_year=p.year,
                date_month=p.month,
                date_day=p.day,
                outline_ja="\n".join(p.outline),
                outline_en="\n".join(outline_en) if all(outline_en) else "",
                source_name_ja=p.source_name,
                source_name_en=tr.term(p.source_name),
                source_line=p.line,
            )
            rows.append((partnership, p))
        m.Partnership.objects.bulk_create([partnership for partnership, _ in rows])
        parties = {
            id(p): [
                n for n in find_parties(p.title, p.outline, p.governments) if n not in governments
            ]
            for _, p in rows
        }
        organizations = self._organizations([n for names in parties.values() for n in names])
        links_gov = m.Partnership.member_governments.through
        links_org = m.Partnership.partners.through
        gov_rows, org_rows, items = [], [], []
        for partnership, p in rows:
            gov_rows += [
                {"partnership_id": partnership.pk, "membergovernment_id": governments[g].pk}
                for g in p.governments
            ]
            org_ids = dict.fromkeys(organizations[normalized_name(n)].pk for n in parties[id(p)])
            org_rows += [
                {"partnership_id": partnership.pk, "organization_id": org_id} for org_id in org_ids
            ]
            items += [
                {
                    "partnership_id": partnership.pk,
                    "number": number,
                    "text_ja": text,
                    "text_en": tr.text(f"{partnership.key}.item.{number}", text),
                }
                for number, text in p.items
            ]
        insert_rows(links_gov, gov_rows)
        insert_rows(links_org, org_rows)
        insert_rows(m.PartnershipItem, items)
        self.counts["partnerships"] = len(rows)

    def _organizations(self, names: list[str]) -> dict[str, m.Organization]:
        """The registry's organization for each name, adding the ones it does not know."""
        wanted: dict[str, str] = {}
        for name in names:
            key = normalized_name(name)
            if key not in wanted or len(name) > len(wanted[key]):
                wanted[key] = name
        known = {
            o.normalized_name: o for o in m.Organization.objects.filter(normalized_name__in=wanted)
        }
        missing = [
            m.Organization(
                normalized_name=key,
                name_ja=name,
                name_en=self.tr.term(name),
                kind=organization_kind(name),
            )
            for key, name in wanted.items()
            if key not in known
        ]
        for org in m.Organization.objects.bulk_create(missing):
            known[org.normalized_name] = org
        return known

    def _carry_over_assignments(self) -> None:
        if self.previous is None:
            return
        old = list(
            m.ActionAssignment.objects.filter(action__version=self.previous).values_list(
                "action__key", "member_government_id"
            )
        )
        if not old:
            return
        new_actions = dict(m.Action.objects.filter(version=self.version).values_list("key", "pk"))
        rows = [
            {"action_id": new_actions[key], "member_government_id": government}
            for key, government in old
            if key in new_actions
        ]
        insert_rows(m.ActionAssignment, rows)
        self.counts["assignments carried over"] = len(rows)
