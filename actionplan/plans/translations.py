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

from actionplan.resources import DATA_DIR

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
from .importer.text import fold

TRANSLATIONS_DIR = DATA_DIR / "plans" / "translations"


@dataclass
class Translations:
    language: str = "en"
    official: bool = False
    notice: str = ""
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)

    def text(self, key: str, ja: str) -> str:
        entry = self.entries.get(key)
        if entry is None or fold(entry.get("ja", "")) != fold(ja):
            return ""
        return entry.get(self.language, "")

    def term(self, ja: str) -> str:
        if not ja:
            return ""
        return self.terms.get(ja, "") or self.terms.get(fold(ja), "")


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
