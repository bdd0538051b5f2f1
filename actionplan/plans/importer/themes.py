"""Stable theme codes from the vocabulary in ``actionplan/data/plans/themes.json``."""

from __future__ import annotations

import json
from functools import cache

from actionplan.resources import DATA_DIR

from .text import fold, text_digest

VOCABULARY = DATA_DIR / "plans" / "themes.json"


@cache
def _codes_by_name() -> dict[str, str]:
    data = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    return {fold(name): theme["code"] for theme in data["themes"] for name in theme["names_ja"]}


def theme_code(name: str, heading: str = "") -> str:
    """The code of a theme; a theme the vocabulary does not know gets one derived from its name."""
    codes = _codes_by_name()
    for candidate in (name, heading):
        if candidate and fold(candidate) in codes:
            return codes[fold(candidate)]
    return f"theme_{text_digest(name, 8)}"
