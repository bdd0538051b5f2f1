"""Text rules for plan documents extracted from PDF.

The PDF extraction leaves spaces where the layout had bold runs or line wraps, and keeps the
real spaces of Latin text. These helpers decide, character by character, which spaces a reader
of the PDF actually sees.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

OPENING = "「（(『［[【〔｛{"
CLOSING = "」）)』］]】〕｝}"
# Punctuation that never starts an item: a space before it is a layout artefact.
NO_START = CLOSING + "、。，．,.：:；;！？!?・ー～"
# Words that qualify the item before them ("市場開拓 等") rather than start a new one.
TRAILING_QUALIFIERS = frozenset({"等", "など", "ほか", "他"})
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_MARKDOWN = re.compile(r"\*\*|__")
# Anything clean_text would change inside a text (its ends are checked apart).
_LAYOUT = re.compile(r"[ \t\u00a0\u3000]|\*\*|__")


def is_latin(char: str) -> bool:
    """True for characters of Latin text: ASCII letters and digits, full-width ones too."""
    if not char:
        return False
    folded = unicodedata.normalize("NFKC", char)
    return folded.isascii() and folded.isalnum()


def has_japanese(text: str) -> bool:
    return any(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uff66" <= c <= "\uff9f"
        for c in text
    )


def strip_markdown(text: str) -> str:
    return _MARKDOWN.sub("", text)


def bracket_depth(text: str) -> int:
    depth = 0
    for char in text:
        if char in OPENING:
            depth += 1
        elif char in CLOSING and depth > 0:
            depth -= 1
    return depth


def _keeps_space(left: str, right: str) -> bool:
    """Whether a reader sees the space between two runs of text."""
    if not left or not right:
        return False
    if right in TRAILING_QUALIFIERS:
        return True
    if left[-1] in "・、。「（『【" or right[0] in NO_START:
        return False
    return is_latin(left[-1]) or is_latin(right[0])


def clean_text(text: str) -> str:
    """Remove stray layout spaces and Markdown residue, keep the spaces of Latin text."""
    if _LAYOUT.search(text) is None and text == text.strip():
        return text
    text = strip_markdown(text)
    parts = [p for p in _SPACES.split(text.strip()) if p]
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        out = out + (" " if _keeps_space(out, part) else "") + part
    return out


def collapse_spaces(text: str) -> str:
    """Headings keep their spaces (「…ビジョン アクションプラン」); only runs are folded."""
    return _SPACES.sub(" ", strip_markdown(text)).strip()


def join_lines(lines: list[str]) -> str:
    """Join the lines of one wrapped paragraph as a reader sees it."""
    return clean_text(" ".join(line.strip() for line in lines if line.strip()))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Comparison form: NFKC, no spaces, no Markdown, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", strip_markdown(text))).casefold()


def text_digest(text: str, length: int = 10) -> str:
    return hashlib.sha1(fold(text).encode("utf-8"), usedforsecurity=False).hexdigest()[:length]
