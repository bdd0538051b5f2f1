"""Help when a search finds nothing: the glossary's terms close to what was typed (空飛ぶ車 →
空飛ぶクルマ), those read as a query typed in kana (すいそ → 水素), the query in the other kana
script, and each word on its own, each offered only when it would find something. A query typed
in kana that finds a little is offered the spellings that find more (すたーとあっぷ →
スタートアップ)."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable

from actionplan.search.glossary import glossary
from actionplan.search.tokenize import reading

MAX_SUGGESTIONS = 5


def _other_kana(text: str) -> str:
    """Hiragana as katakana and katakana as hiragana (すたーとあっぷ ↔ スタートアップ)."""
    out = []
    for c in text:
        code = ord(c)
        if 0x3041 <= code <= 0x3096:
            out.append(chr(code + 0x60))
        elif 0x30A1 <= code <= 0x30F6:
            out.append(chr(code - 0x60))
        else:
            out.append(c)
    return "".join(out)


_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc・ 　]+")


def is_kana(text: str) -> bool:
    """A query written in kana only (すいそ, すたーとあっぷ): typed by its reading."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return bool(folded) and _KANA.fullmatch(folded) is not None


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if 0x3041 <= ord(c) <= 0x3096 else c for c in text)


@functools.cache
def _readings() -> dict[str, tuple[str, ...]]:
    """The glossary's Japanese terms by their reading in katakana (スイソ → 水素), read once
    per process by Sudachi (0.4 s, on the first query in kana)."""
    readings: dict[str, list[str]] = {}
    for phrase in glossary().groups:
        if phrase.isascii():
            continue
        read = reading(phrase)
        if read and read != phrase:
            readings.setdefault(read, []).append(phrase)
    return {reading: tuple(phrases) for reading, phrases in readings.items()}


def read_as(query: str) -> list[str]:
    """The glossary's terms whose reading a kana query writes (すいそ → 水素)."""
    if not is_kana(query):
        return []
    folded = unicodedata.normalize("NFKC", query).replace(" ", "").replace("　", "")
    return list(_readings().get(_katakana(folded), ()))


def candidates(query: str) -> list[str]:
    """Other ways to write the query, most likely first (not yet checked against the index)."""
    folded = unicodedata.normalize("NFKC", query).casefold().strip()
    found: list[str] = read_as(query)
    words = folded.split()
    phrases = list(glossary().groups)
    for word in words or [folded]:
        for close in difflib.get_close_matches(word, phrases, n=3, cutoff=0.5):
            found += [close, *glossary().groups[close]]
        # A glossary phrase that contains the word, or that the word contains (車 / 空飛ぶクルマ).
        found += [p for p in phrases if len(word) >= 2 and (word in p or p in word)]
    kana = _other_kana(folded)
    if kana != folded:
        found.append(kana)
    if len(words) > 1:
        found += words
    unique = [c for c in dict.fromkeys(found) if c and c != folded]
    return unique


def suggestions(query: str, count: Callable[[str], int]) -> list[tuple[str, int]]:
    """At most MAX_SUGGESTIONS other queries, each with the number of results it finds."""
    found: list[tuple[str, int]] = []
    for candidate in candidates(query)[: MAX_SUGGESTIONS * 4]:
        total = count(candidate)
        if total:
            found.append((candidate, total))
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def more_found(query: str, total: int, count: Callable[[str], int]) -> list[tuple[str, int]]:
    """For a query typed in kana that finds `total` records: the other spellings (its reading's
    terms, the other kana script) that find more, at most MAX_SUGGESTIONS."""
    if not is_kana(query):
        return []
    folded = unicodedata.normalize("NFKC", query).casefold().strip()
    found: list[tuple[str, int]] = []
    for candidate in dict.fromkeys([*read_as(query), _other_kana(folded)]):
        if candidate == folded:
            continue
        more = count(candidate)
        if more > total:
            found.append((candidate, more))
    return found[:MAX_SUGGESTIONS]
