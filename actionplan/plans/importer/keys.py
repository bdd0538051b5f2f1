"""Stable keys: how a record of one edition is recognised in the next.

A key is built from what identifies the record to a reader (theme, fiscal year, actor and the
words of the text), never from its position, so that reordering a table keeps every key.
Translations and assignments are attached to keys, which is why re-imports keep them.
"""

from __future__ import annotations

from .text import text_digest


def action_key(theme_code: str, fiscal_year: int, actor: str, text: str) -> str:
    return f"{theme_code}.{fiscal_year}.{actor}.{text_digest(text)}"


def year_theme_key(theme_code: str, fiscal_year: int) -> str:
    return f"{theme_code}.{fiscal_year}.headline"


def desired_state_key(theme_code: str) -> str:
    return f"{theme_code}.desired_state"


def milestone_key(theme_code: str, text: str) -> str:
    return f"{theme_code}.development.{text_digest(text)}"


def partnership_key(theme_code: str, title: str) -> str:
    return f"{theme_code}.partnership.{text_digest(title)}"


def vision_key(kind: str, text: str) -> str:
    return f"vision.{kind}.{text_digest(text)}"


def unique(key: str, seen: set[str]) -> str:
    """The same text twice in one cell gets a numbered key instead of a collision."""
    candidate, n = key, 1
    while candidate in seen:
        n += 1
        candidate = f"{key}.{n}"
    seen.add(candidate)
    return candidate
