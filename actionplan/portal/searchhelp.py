"""Help when a search finds nothing: the glossary's terms close to what was typed (空飛ぶ車 →
空飛ぶクルマ), the query in the other kana script, and each word on its own, each offered only
when it would find something."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable

from actionplan.search.glossary import glossary

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


def candidates(query: str) -> list[str]:
    """Other ways to write the query, most likely first (not yet checked against the index)."""
    folded = unicodedata.normalize("NFKC", query).casefold().strip()
    found: list[str] = []
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
