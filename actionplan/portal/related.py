"""What else on the site an action is about: developments, partnerships and hubs that share
content words with it, each with the words it shares as its reason.

The words come from the same Sudachi term extraction as the proposal desk's suggestions
(`partnerships.suggest.terms`, memoised per text), weighted by how rare a word is among the
candidates, so that an action page no longer lists every record of its theme.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actionplan.partnerships.suggest import english_label, labels, terms
from actionplan.plans import models as m

LIMIT = 3
# Words of the plan's own genre that the desk's stop list keeps (a proposal's "business" or
# "field" can say what it is about) but that relate any two records of the plan: its English
# translation writes "initiatives inside and outside the Expo site", "promoting", "related
# fields" of everything, and its Japanese 関連 ("related") likewise. Sharing only these, two
# records are not related; they are not given as a reason either.
FILLER = (
    "関連 related relating relation initiative initiatives inside outside field fields "
    "business businesses promoting promoted"
)
# Sharing the action's theme is a reason of its own, but weaker than one rare shared word.
THEME_BONUS = 0.5


@dataclass
class Related:
    record: Any
    score: float
    # The shared terms, rarest first, as the matching has them (stems, Sudachi's normal forms);
    # `reason_words` gives them as a reader knows them.
    shared_terms: list[str] = field(default_factory=list)
    same_theme: bool = False
    # The action's texts: the words of the page's language are those its text has.
    text_ja: str = ""
    text_en: str = ""

    def reason_words(self, english: bool, limit: int = 4) -> list[str]:
        """At most `limit` shared words in the page's language: on English pages those of the
        English text and Japanese terms the glossary translates (水素 → hydrogen), never a
        bare stem; on Japanese pages those of the Japanese text, else Japanese glossary terms.
        Words of the other language only when none of the page's is shared."""
        if english:
            own = terms(self.text_en)
            mine = [t for t in self.shared_terms if t in own or english_label(t) != t]
        else:
            own = terms(self.text_ja)
            mine = [t for t in self.shared_terms if t in own]
            # Else a Japanese term the glossary found for an English word (base → 拠点).
            mine = mine or [t for t in self.shared_terms if not t.isascii()]
        text = self.text_en if english else self.text_ja
        # As the page's text writes it, else as the other one does (PR of 「…国内外でPR」).
        both = f"{text}\n{self.text_ja if english else self.text_en}"
        return [
            _as_written(word, both)
            for word in labels(mine or self.shared_terms, english, text, limit)
        ]


def _as_written(word: str, text: str) -> str:
    """A word with Latin letters as the action's text writes it: its capitals (iPS細胞, not the
    folded ips細胞), and the whole word where the matching's singular is none ("maa", read
    from MaaS as if it were a plural)."""
    if not re.search(r"[A-Za-z]", word):
        return word
    folded = unicodedata.normalize("NFKC", text)
    escaped = re.escape(word)
    whole = re.search(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])", folded, re.IGNORECASE)
    # Else a longer word the matching reads as this one (MaaS for "maa"; not Promoting for
    # "pr").
    longer = (
        found
        for found in re.finditer(rf"(?<![A-Za-z0-9]){escaped}[A-Za-z0-9]+", folded, re.IGNORECASE)
        if word.casefold() in terms(found.group(0))
    )
    found = whole or next(longer, None)
    if found is None:
        return word
    written = found.group(0)
    # Capitals inside (iPS, MaaS, CO2, PR) and a name's (Expo site) are the word's own; the
    # capital that only starts a sentence ("Disseminating information …") is not.
    starts_sentence = re.search(r"(^|[.!?:]\s+|\n)$", folded[: found.start()]) is not None
    if starts_sentence and written[1:] == written[1:].lower():
        return written.lower()
    return written


# The columns `rank` reads of each kind of candidate.
RANKED_COLUMNS = {
    "milestone": ("id", "theme_id", "text_ja", "text_en", "group_ja", "note_ja"),
    "partnership": ("id", "theme_code", "title_ja", "title_en", "outline_ja"),
    "hub": ("id", "name_ja", "name_en", "theme_codes"),
}


@functools.cache
def _filler() -> frozenset[str]:
    return terms(FILLER)


def _record_terms(kind: str, record: Mapping[str, Any]) -> frozenset[str]:
    if kind == "milestone":
        return terms(
            f"{record['text_ja']}\n{record['text_en']}\n{record['group_ja']}\n{record['note_ja']}"
        )
    if kind == "partnership":
        return terms(f"{record['title_ja']}\n{record['title_en']}\n{record['outline_ja']}")
    return terms(f"{record['name_ja']}\n{record['name_en']}")


def _same_theme(kind: str, record: Mapping[str, Any], action: m.Action) -> bool:
    if kind == "milestone":
        # A development of the action's own version: the same theme row.
        return bool(record["theme_id"] == action.theme_id)
    if kind == "partnership":
        return bool(record["theme_code"] == action.theme.code)
    return action.theme.code in (record["theme_codes"] or ())


def rank(
    action: m.Action,
    candidates: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    limit: int = LIMIT,
    also: Sequence[tuple[str, str]] = (),
) -> dict[str, list[Related]]:
    """Per kind, the candidates (rows of their model's columns) that share at least one
    content word with the action, best first; a shared theme only raises the rank of a record
    that shares words too. Each `Related.record` is the candidate's row: the caller makes model
    instances of the few it shows, not of every candidate (building them cost more than the
    ranking). `also`: more of what the action says, Japanese and English (its ▶ sub-items),
    matched and given as reasons as its own text is."""
    text_ja = "\n".join([action.text_ja, *(ja for ja, _en in also)])
    text_en = "\n".join([action.text_en, *(en for _ja, en in also)])
    wanted = terms(f"{text_ja}\n{text_en}\n{action.group_ja}") - _filler()
    result: dict[str, list[Related]] = {}
    for kind, records in candidates.items():
        record_terms = [_record_terms(kind, r) for r in records]
        counts: Counter[str] = Counter()
        for found in record_terms:
            counts.update(found)
        total = len(records) or 1
        ranked = []
        for record, found in zip(records, record_terms, strict=True):
            shared = sorted(wanted & found, key=lambda t: (-math.log(1 + total / counts[t]), t))
            if not shared:
                continue
            same_theme = _same_theme(kind, record, action)
            score = sum(math.log(1 + total / counts[t]) for t in shared)
            score += THEME_BONUS if same_theme else 0.0
            ranked.append(Related(record, round(score, 3), shared, same_theme, text_ja, text_en))
        ranked.sort(key=lambda r: -r.score)
        result[kind] = ranked[:limit]
    return result
