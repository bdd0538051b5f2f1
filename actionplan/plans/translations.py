"""Unofficial translations of a plan, kept apart from the document and keyed by stable key.

A translation file is JSON::

    {"language": "en", "official": false, "notice": "...",
     "entries": {"<stable key>": {"ja": "<source text>", "en": "<translation>"}},
     "terms": {"<short Japanese label>": "<translation>"}}

An entry applies only while its ``ja`` still equals the text in the document (compared after
NFKC normalisation without spaces): when a revision rewords an item, the old translation is
not shown for the new words; ``missing_entries`` lists what needs translating.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from actionplan.resources import DATA_DIR

from . import models as m
from .importer.document import PlanDocument
from .importer.keys import (
    action_key,
    desired_state_key,
    milestone_key,
    partnership_key,
    unique,
    vision_key,
    year_theme_key,
)
from .importer.text import fold, text_digest

StrOrPromise = str | Promise

TRANSLATIONS_DIR = DATA_DIR / "plans" / "translations"


@dataclass
class Translations:
    language: str = "en"
    official: bool = False
    notice: str = ""
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    # Asked when this one has nothing for a text: the English stored with the previous edition.
    fallback: Translations | None = None

    def text(self, key: str, ja: str) -> str:
        entry = self.entries.get(key)
        if entry is None or fold(entry.get("ja", "")) != fold(ja) or not entry.get(self.language):
            return self.fallback.text(key, ja) if self.fallback is not None else ""
        return entry.get(self.language, "")

    def term(self, ja: str) -> str:
        if not ja:
            return ""
        found = self.terms.get(ja, "") or self.terms.get(fold(ja), "")
        if not found and self.fallback is not None:
            return self.fallback.term(ja)
        return found


def load_translations(language: str = "en", directory: Path | None = None) -> Translations:
    path = (directory or TRANSLATIONS_DIR) / f"{language}.json"
    if not path.exists():
        return Translations(language=language)
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> Translations:
    """Parsed once per version of the file (its modification time is part of the key)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Translations(
        language=data.get("language", path.stem),
        official=bool(data.get("official", False)),
        notice=data.get("notice", ""),
        entries=data.get("entries", {}),
        terms=data.get("terms", {}),
    )


def document_texts(doc: PlanDocument, theme_codes: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Every (stable key, Japanese text) of a document that a translation should cover."""
    for text in doc.future_images:
        yield vision_key("future", text), text
    for text in doc.target_states:
        yield vision_key("target", text), text
    if doc.period_note:
        yield "period_note", doc.period_note
    if doc.introduction:
        yield "introduction", "\n".join(doc.introduction)
    periods = {p.position: p for p in doc.periods}
    for theme in doc.themes:
        code = theme_codes[theme.name]
        yield f"{code}.name", theme.name
        yield desired_state_key(code), theme.desired_state
        for n, note in enumerate(theme.desired_state_notes, 1):
            yield f"{desired_state_key(code)}.note.{n}", note
        for headline in theme.year_themes:
            fy = periods[headline.period_position].fiscal_year_start
            yield year_theme_key(code, fy), headline.text
        seen: set[str] = set()
        for action in theme.actions:
            fy = periods[action.period_position].fiscal_year_start
            yield unique(action_key(code, fy, action.actor, action.text), seen), action.text
        seen = set()
        for milestone in theme.milestones:
            key = unique(milestone_key(code, milestone.text), seen)
            yield key, milestone.text
            for n, note in enumerate(milestone.notes, 1):
                yield f"{key}.note.{n}", note
            if milestone.figure:
                yield f"{key}.figure.label", milestone.figure.label
                if milestone.figure.source:
                    yield f"{key}.figure.source", milestone.figure.source
    seen = set()
    for partnership in doc.partnerships:
        code = theme_codes[partnership.theme_name]
        key = unique(partnership_key(code, partnership.title), seen)
        yield f"{key}.title", partnership.title
        for n, paragraph in enumerate(partnership.outline, 1):
            yield f"{key}.outline.{n}", paragraph
        for number, item in partnership.items:
            yield f"{key}.item.{number}", item


def document_terms(doc: PlanDocument) -> Iterator[str]:
    """Short labels translated once wherever they appear."""
    yield doc.title
    yield doc.edition
    yield doc.publisher
    for period in doc.periods:
        yield period.label
    for theme in doc.themes:
        for action in theme.actions:
            if action.group:
                yield action.group
        for milestone in theme.milestones:
            if milestone.group:
                yield milestone.group
    for partnership in doc.partnerships:
        yield partnership.date_label
        if partnership.source_name:
            yield partnership.source_name


def missing_entries(
    doc: PlanDocument, theme_codes: dict[str, str], translations: Translations
) -> dict[str, object]:
    """A translation file's worth of what is not translated yet, with the Japanese to translate."""
    entries = {
        key: {"ja": ja, translations.language: ""}
        for key, ja in document_texts(doc, theme_codes)
        if not translations.text(key, ja)
    }
    terms = {ja: "" for ja in document_terms(doc) if ja and not translations.term(ja)}
    return {"language": translations.language, "entries": entries, "terms": terms}


# --- what a stored edition still lacks in English ----------------------------------------------

# The kinds of text a staff member translates, in the order the staff page lists them. The same
# kinds as the translation file (`document_texts` and `document_terms`): one list of what is
# translatable, so the page, `translations-missing` and en.json cannot drift apart.
KINDS: dict[str, StrOrPromise] = {
    "action": gettext_lazy("取組"),
    "year_theme": gettext_lazy("年度のテーマ"),
    "milestone": gettext_lazy("関西の動き"),
    "theme": gettext_lazy("テーマ名・ありたい姿"),
    "vision": gettext_lazy("将来像・めざす姿"),
    "partnership": gettext_lazy("公民連携協定"),
    "partnership_item": gettext_lazy("協定の内容"),
    "version": gettext_lazy("計画の説明"),
    "term": gettext_lazy("見出し・ラベル"),
}


@dataclass(frozen=True)
class TranslatableField:
    """A Japanese column with its English counterpart (`<name>_ja` and `<name>_en`)."""

    kind: str
    model: type[Model]
    name: str
    label: StrOrPromise
    # The lookup from the model to its version, and to the theme it belongs to ("" for none).
    version_path: str = "version"
    theme_path: str = "theme_id"

    @property
    def token_prefix(self) -> str:
        return f"{self.kind}-{self.model._meta.model_name}-{self.name}"


TRANSLATABLE_FIELDS: tuple[TranslatableField, ...] = (
    TranslatableField("action", m.Action, "text", gettext_lazy("取組")),
    TranslatableField("year_theme", m.YearTheme, "text", gettext_lazy("年度のテーマ")),
    TranslatableField("milestone", m.Milestone, "text", gettext_lazy("関西の動き")),
    TranslatableField("milestone", m.Milestone, "note", gettext_lazy("関西の動き（注記）")),
    TranslatableField(
        "milestone", m.Milestone, "figure_label", gettext_lazy("関西の動き（数値の名称）")
    ),
    TranslatableField(
        "milestone", m.Milestone, "figure_source", gettext_lazy("関西の動き（数値の出典）")
    ),
    TranslatableField("theme", m.Theme, "name", gettext_lazy("テーマ名"), theme_path="id"),
    TranslatableField(
        "theme", m.Theme, "desired_state", gettext_lazy("ありたい姿"), theme_path="id"
    ),
    TranslatableField(
        "theme", m.Theme, "desired_state_note", gettext_lazy("ありたい姿（注記）"), theme_path="id"
    ),
    TranslatableField(
        "vision", m.VisionStatement, "text", gettext_lazy("将来像・めざす姿"), theme_path=""
    ),
    TranslatableField("partnership", m.Partnership, "title", gettext_lazy("協定の名称")),
    TranslatableField("partnership", m.Partnership, "outline", gettext_lazy("協定の概要")),
    TranslatableField(
        "partnership_item",
        m.PartnershipItem,
        "text",
        gettext_lazy("協定の内容"),
        version_path="partnership__version",
        theme_path="partnership__theme_id",
    ),
    TranslatableField(
        "version",
        m.PlanVersion,
        "introduction",
        gettext_lazy("アクションプランについて"),
        version_path="pk",
        theme_path="",
    ),
    TranslatableField(
        "version",
        m.PlanVersion,
        "period_note",
        gettext_lazy("表の注記"),
        version_path="pk",
        theme_path="",
    ),
)

# Short labels: one English text for every row that carries the same Japanese label.
TERM_FIELDS: tuple[TranslatableField, ...] = (
    TranslatableField("term", m.Plan, "title", gettext_lazy("計画の名称"), "versions", ""),
    TranslatableField("term", m.Plan, "publisher", gettext_lazy("発行者"), "versions", ""),
    TranslatableField("term", m.PlanVersion, "edition", gettext_lazy("版"), "pk", ""),
    TranslatableField("term", m.Period, "label", gettext_lazy("年度の見出し"), theme_path=""),
    TranslatableField("term", m.Action, "group", gettext_lazy("取組の見出し")),
    TranslatableField("term", m.Milestone, "group", gettext_lazy("関西の動きの見出し")),
    TranslatableField("term", m.Partnership, "date_label", gettext_lazy("協定の日付の種類")),
    TranslatableField("term", m.Partnership, "source_name", gettext_lazy("協定の出典")),
)


@dataclass
class UntranslatedItem:
    """One text of a stored edition without English: a record's field, or a label (a term)
    that every row carrying it shares."""

    token: str
    kind: str
    label: StrOrPromise
    text_ja: str
    theme_id: int | None
    # (field, primary key) of every row the English is written to.
    rows: list[tuple[TranslatableField, int]]


def _missing_rows(source: TranslatableField, version: m.PlanVersion) -> QuerySet[Any]:
    model: Any = source.model
    rows = (
        model.objects.filter(**{source.version_path: version.pk, f"{source.name}_en": ""})
        .exclude(**{f"{source.name}_ja": ""})
        .order_by("pk")
    )
    theme = source.theme_path or None
    selected: QuerySet[Any] = rows.values_list(
        "pk", f"{source.name}_ja", *([theme] if theme else [])
    )
    return selected


def untranslated_items(
    version: m.PlanVersion, *, kind: str = "", theme_id: int | None = None
) -> list[UntranslatedItem]:
    """Every text of a version that has Japanese and no English, in the order of `KINDS`:
    records first (document order), then labels shared by several rows. A theme filter keeps
    what belongs to that theme (texts of the whole plan belong to none)."""
    items: list[UntranslatedItem] = []
    for source in TRANSLATABLE_FIELDS:
        if kind and source.kind != kind:
            continue
        for row in _missing_rows(source, version):
            pk, text, theme = row[0], row[1], (row[2] if len(row) > 2 else None)
            items.append(
                UntranslatedItem(
                    f"{source.token_prefix}-{pk}",
                    source.kind,
                    source.label,
                    text,
                    theme,
                    [(source, pk)],
                )
            )
    if not kind or kind == "term":
        terms: dict[str, UntranslatedItem] = {}
        for source in TERM_FIELDS:
            for row in _missing_rows(source, version):
                pk, text = row[0], row[1]
                item = terms.get(text)
                if item is None:
                    token = f"term-{text_digest(text)}"
                    item = terms[text] = UntranslatedItem(
                        token, "term", source.label, text, None, []
                    )
                item.rows.append((source, pk))
        items += terms.values()
    order = list(KINDS)
    items.sort(key=lambda item: order.index(item.kind))
    if theme_id is not None:
        items = [item for item in items if item.theme_id == theme_id]
    return items


def find_untranslatable(version: m.PlanVersion, token: str) -> list[tuple[TranslatableField, int]]:
    """The rows a token of the staff page names (empty when it names nothing of the version).
    A record's token still resolves after it got its English, so that it can be corrected."""
    if token.startswith("term-"):
        for item in untranslated_items(version, kind="term"):
            if item.token == token:
                return item.rows
        return []
    prefix, _, pk = token.rpartition("-")
    for source in TRANSLATABLE_FIELDS:
        if source.token_prefix == prefix and pk.isdigit():
            model: Any = source.model
            if model.objects.filter(**{source.version_path: version.pk, "pk": int(pk)}).exists():
                return [(source, int(pk))]
    return []


def stored_translations(version: m.PlanVersion, language: str = "en") -> Translations:
    """The English stored with a version (from the translation file or written by staff on the
    translation page), under the keys an import looks up: the next edition keeps every English
    text whose Japanese it keeps, including what staff wrote and the file does not have."""
    entries: dict[str, dict[str, str]] = {}

    def add(key: str, ja: str, en: str) -> None:
        if ja and en:
            entries[key] = {"ja": ja, language: en}

    def add_lines(key: str, ja: str, en: str) -> None:
        ja_lines, en_lines = ja.split("\n"), en.split("\n")
        if len(ja_lines) == len(en_lines):
            for n, (one_ja, one_en) in enumerate(zip(ja_lines, en_lines, strict=True), 1):
                add(f"{key}.{n}", one_ja, one_en)

    for model in (m.Action, m.YearTheme, m.VisionStatement):
        for key, ja, en in model.objects.filter(version=version).values_list(
            "key", "text_ja", "text_en"
        ):
            add(key, ja, en)
    for key, *texts in m.Milestone.objects.filter(version=version).values_list(
        "key",
        "text_ja",
        "text_en",
        "note_ja",
        "note_en",
        "figure_label_ja",
        "figure_label_en",
        "figure_source_ja",
        "figure_source_en",
    ):
        add(key, texts[0], texts[1])
        add_lines(f"{key}.note", texts[2], texts[3])
        add(f"{key}.figure.label", texts[4], texts[5])
        add(f"{key}.figure.source", texts[6], texts[7])
    for code, *texts in m.Theme.objects.filter(version=version).values_list(
        "code",
        "name_ja",
        "name_en",
        "desired_state_ja",
        "desired_state_en",
        "desired_state_note_ja",
        "desired_state_note_en",
    ):
        add(f"{code}.name", texts[0], texts[1])
        add(desired_state_key(code), texts[2], texts[3])
        add_lines(f"{desired_state_key(code)}.note", texts[4], texts[5])
    keys = {}
    for pk, key, *texts in m.Partnership.objects.filter(version=version).values_list(
        "pk", "key", "title_ja", "title_en", "outline_ja", "outline_en"
    ):
        keys[pk] = key
        add(f"{key}.title", texts[0], texts[1])
        add_lines(f"{key}.outline", texts[2], texts[3])
    for partnership_id, number, ja, en in m.PartnershipItem.objects.filter(
        partnership__version=version
    ).values_list("partnership_id", "number", "text_ja", "text_en"):
        add(f"{keys[partnership_id]}.item.{number}", ja, en)
    add("period_note", version.period_note_ja, version.period_note_en)
    add("introduction", version.introduction_ja, version.introduction_en)
    terms: dict[str, str] = {}
    for source in TERM_FIELDS:
        if source.model is m.PlanVersion:
            continue  # an edition's label is its own
        term_model: Any = source.model
        rows = term_model.objects.filter(**{source.version_path: version.pk}).values_list(
            f"{source.name}_ja", f"{source.name}_en"
        )
        for ja, en in rows:
            if ja and en:
                terms.setdefault(ja, en)
    return Translations(language=language, entries=entries, terms=terms)
