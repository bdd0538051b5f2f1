"""The JA↔EN domain glossary (``actionplan/data/search/glossary.json``): groups of terms that
mean the same.

A query phrase found in the glossary matches any term of its group, so "hydrogen" finds 水素 and
空飛ぶクルマ finds "eVTOL". The glossary is data: extend the JSON file, no code changes needed.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from actionplan.resources import DATA_DIR

from .backends import Alternative, Clause, Term
from .tokenize import QueryWord, fold, is_ideograph, query_words

GLOSSARY_FILE = DATA_DIR / "search" / "glossary.json"


class GlossaryError(ValueError):
    pass


@dataclass(frozen=True)
class Glossary:
    # folded phrase → every folded term of its group(s), the phrase included
    groups: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str] | None
    # The Latin phrases alone, as whole words: with word boundaries, the Japanese (and mixed)
    # phrases are found apart, and must not hide a Latin one (VR in VR体験会, whose 体験 part
    # is no phrase on its own).
    latin_pattern: re.Pattern[str] | None = None
    # The length of the longest phrase that is not all Latin.
    longest_japanese: int = 0

    def find(
        self, folded_query: str, boundaries: frozenset[int] | None = None
    ) -> list[tuple[int, int, tuple[str, ...]]]:
        """Non-overlapping glossary phrases in the query, longest first: (start, end, group).

        With `boundaries` (the offsets where the query's words begin and end), a Japanese
        phrase counts only where it begins and ends on them: 万博会場 is no phrase of
        万博会場内外, which Sudachi reads 万博 | 会場内 | 外 — cut there, the rest (内外) would be
        a word that no record holds. Latin phrases are whole words by the pattern already."""
        if self.pattern is None:
            return []
        if boundaries is None:
            return [
                (m.start(), m.end(), self.groups[m.group()])
                for m in self.pattern.finditer(folded_query)
            ]
        found = (
            [(m.start(), m.end(), m.group()) for m in self.latin_pattern.finditer(folded_query)]
            if self.latin_pattern is not None
            else []
        )
        found += self._aligned(folded_query, boundaries)
        found.sort(key=lambda f: (f[0], -f[1]))
        chosen: list[tuple[int, int, tuple[str, ...]]] = []
        for start, end, phrase in found:
            if not chosen or start >= chosen[-1][1]:
                chosen.append((start, end, self.groups[phrase]))
        return chosen

    def _aligned(self, folded: str, boundaries: frozenset[int]) -> list[tuple[int, int, str]]:
        """Phrases that are not all Latin, from a word boundary to a word boundary, the longest
        at each; no longer than the longest such phrase, so the work stays linear in the
        query's length (NFKC may make 200 characters several thousand)."""
        found = []
        edges = sorted(boundaries)
        for i, start in enumerate(edges):
            last = bisect.bisect_right(edges, start + self.longest_japanese)
            for end in reversed(edges[i + 1 : last]):
                phrase = folded[start:end]
                if phrase in self.groups and not phrase.isascii():
                    found.append((start, end, phrase))
                    break
        return found


def parse(data: object, source: str = "glossary") -> Glossary:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise GlossaryError(f"{source}: expected an object with a list 'groups'")
    groups: dict[str, set[str]] = {}
    for n, group in enumerate(data["groups"], start=1):
        if (
            not isinstance(group, list)
            or len(group) < 2
            or not all(isinstance(t, str) and t.strip() for t in group)
        ):
            raise GlossaryError(f"{source}: group {n}: expected a list of two or more terms")
        folded = {" ".join(fold(t).split()) for t in group}
        for term in folded:
            groups.setdefault(term, set()).update(folded)
    if not groups:
        return Glossary({}, None)
    phrases = sorted(groups, key=len, reverse=True)
    # Latin phrases must stand as whole words ("ev" is not in "event"); Japanese ones need not.
    alternatives = [
        rf"(?<![0-9a-z]){re.escape(p)}(?![0-9a-z])" if p[0].isascii() else re.escape(p)
        for p in phrases
    ]
    latin = [a for p, a in zip(phrases, alternatives, strict=True) if p.isascii()]
    return Glossary(
        {p: tuple(sorted(g)) for p, g in groups.items()},
        re.compile("|".join(alternatives)),
        re.compile("|".join(latin)) if latin else None,
        max((len(p) for p in phrases if not p.isascii()), default=0),
    )


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    try:
        data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GlossaryError(f"{GLOSSARY_FILE.name}: cannot read: {exc}") from None
    return parse(data, GLOSSARY_FILE.name)


def alternatives(word: QueryWord) -> list[Alternative]:
    """The ways a query word matches: each of its forms alone, or all of its short units."""
    found: list[Alternative] = []
    for form in word.forms:
        # A kanji is indexed on its own; one kana is not: it matches the start of terms.
        prefix = len(form) == 1 and not form.isascii() and not is_ideograph(form)
        found.append((Term(form, prefix),))
    if word.parts:
        found.append(tuple(Term(p) for p in word.parts))
    return found


def group_clause(group: tuple[str, ...]) -> Clause:
    """The clause a glossary group stands for: any phrase of the group, each cut into words."""
    found: list[Alternative] = []
    for phrase in group:
        words = query_words(phrase)
        if len(words) == 1:
            found += alternatives(words[0])
        elif words:
            found.append(tuple(Term(w.forms[-1]) for w in words))
    return tuple(dict.fromkeys(found))
