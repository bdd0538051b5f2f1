"""Who to talk to about a proposal: related actions, hubs, past partnerships and governments.

Each candidate is ranked by the terms it shares with the proposal, weighted by how rare the term
is among all candidates (a word every action uses says little), plus a bonus when its theme is
one the proposer chose. Every suggestion carries its reason, e.g.
「共通語: 水素, 蓄電池 / テーマ: カーボンニュートラル」.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from actionplan.plans.models import Action, Hub, MemberGovernment, Partnership, Theme
from actionplan.plans.queries import current_version
from actionplan.search.glossary import GLOSSARY_FILE
from actionplan.search.tokenize import fold, morphemes, stem

from .models import Proposal

KINDS = ("action", "hub", "partnership", "government")
THEME_BONUS = 1.5
# Words of the genre that every proposal and action uses; they would match everything.
_STOP_TERMS = frozenset(
    """
    推進 支援 取組 取り組み 事業 連携 関西 活用 実施 展開 促進 強化 創出 向け 提案 企業 目指す
    実現 検討 構築 整備 開催 参加 協力 協定 締結 地域 関係 情報 活動 機会 分野 その他 ため こと もの
    よう 等 など 構成 府県 府県市 広域 向上 提供 充実 形成 貢献 当社 弊社 我が社 私 共
    the and for with from into our their this that are was were will can has have its
    of in on to by as at an or be is we us a new
    support promote promotion project projects region regional kansai company companies
    proposal propose partnership partnerships cooperation collaborate collaboration
    """.split()
)
# Function words of English. Sudachi reads a Latin word as a noun and "normalises" it to katakana
# ("for" → フォー), so English is never given to it: it is cut into words here, these dropped.
_ENGLISH_STOP = frozenset(
    """
    a about above across after again against all also am among an and any are as at based be
    because been before being below between both but by can could did do does doing down during
    each either etc few for from further had has have having he her here hers him his how i if
    in including into is it its itself just like make making many may me more most much must my
    near no nor not now of off on once only or other others ours out over own per same she should
    so some such than that the them then there these they those through to too toward towards
    under until up upon us use used using very via want was way we well were what when where
    which while who whom why will wish with within without would you your
    """.split()
)
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]|[a-z]")


_local = threading.local()


def _tokenizer() -> Any:
    # Sudachi tokenizers are not safe to share between threads; one per thread is cheap.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        # Long units (C): 蓄電池 and カーボンニュートラル stay whole, as people write them.
        tokenizer = Dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = tokenizer
    return tokenizer


# Stem → the shortest word it was read from, so that reasons show "service", not "servic".
_SURFACE: dict[str, str] = {}


def _english_stemmer() -> Any:
    # Snowball stemmers keep state between calls; one per thread, like the tokenizer.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = snowballstemmer.stemmer("english")
        _local.stemmer = stemmer
    return stemmer


def _english_terms(folded: str) -> set[str]:
    """English words of a folded text as Snowball stems (the plan's English says "development"
    where a proposal says "developing"), stop words dropped, numbers left out. A hyphenated
    word counts whole and by its parts: "next-generation" also meets "generation"."""
    found = set()
    words = _LATIN_WORD.findall(folded)
    words += [part for word in words if "-" in word for part in word.split("-") if part]
    stemmer = _english_stemmer()
    for word in words:
        if word.isdigit() or word in _ENGLISH_STOP or word in _STOP_TERMS:
            continue
        singular = stem(word)
        if singular in _STOP_TERMS:
            continue
        stemmed = str(stemmer.stemWord(singular))
        if len(stemmed) >= 2 and stemmed not in _STOP_TERMS:
            found.add(stemmed)
            known = _SURFACE.get(stemmed)
            if known is None or (len(singular), singular) < (len(known), known):
                _SURFACE[stemmed] = singular
    return found


def _shown(term: str) -> str:
    """A term as a person reads it: the word behind an English stem."""
    return _SURFACE.get(term, term)


@dataclass(frozen=True)
class _EnglishGlossary:
    pattern: re.Pattern[str] | None
    # folded English phrase → the Japanese term its glossary group lists first
    japanese: dict[str, str]
    # that Japanese term → the English phrases that lead to it
    english: dict[str, tuple[str, ...]]
    # (folded Japanese term of a group, the group's first Japanese term)
    japanese_terms: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=1)
def _english_glossary() -> _EnglishGlossary:
    """The search glossary read from English to Japanese: each English phrase stands for the
    first Japanese term of its group (hydrogen → 水素, storage batteries → 蓄電池), the word the
    plan's Japanese text gives Sudachi."""
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    japanese: dict[str, str] = {}
    japanese_terms: list[tuple[str, str]] = []
    for group in data.get("groups", []):
        folded = [" ".join(fold(term).split()) for term in group]
        target = next((term for term in folded if not term.isascii()), None)
        if target is None:
            continue
        japanese_terms += [(term, target) for term in folded if not term.isascii()]
        for term in folded:
            if term.isascii():
                japanese.setdefault(term, target)
                # The plural too, as English writes it ("trials", "hotels", "storage batteries").
                plural = re.sub(r"y$", "ies", term) if re.search(r"[^aeiou]y$", term) else term
                plural = plural if plural != term else re.sub(r"(s|x|ch|sh)$", r"\1es", term)
                if plural == term:
                    plural = term + "s"
                if term[-1:].isalpha():
                    japanese.setdefault(plural, target)
    english: dict[str, list[str]] = {}
    for phrase, target in japanese.items():
        english.setdefault(target, []).append(phrase)
    phrases = sorted(japanese, key=len, reverse=True)
    pattern = (
        re.compile("|".join(rf"(?<![0-9a-z]){re.escape(p)}(?![0-9a-z])" for p in phrases))
        if phrases
        else None
    )
    return _EnglishGlossary(
        pattern, japanese, {k: tuple(v) for k, v in english.items()}, tuple(japanese_terms)
    )


def english_label(term: str) -> str:
    """A Japanese glossary term as English pages show it (水素 → hydrogen); others as they are."""
    # The shortest plain word or phrase of the group, not an acronym (flying car, not aam).
    english = list(_english_glossary().english.get(term, ()))
    readable = [t for t in english if " " in t or len(t) >= 6] or english
    return min(readable, key=lambda t: (len(t), t)) if readable else _shown(term)


@lru_cache(maxsize=4096)
def terms(text: str) -> frozenset[str]:
    """Content words of a text, NFKC and case folded: Japanese nouns (Sudachi's normalised
    form), English words, and the Japanese term of each English glossary phrase; one-character
    words and the stop words of the genre and of English are left out."""
    folded = fold(text)
    # An English glossary phrase counts once, as its Japanese term: "storage batteries" is
    # 蓄電池 only, the word a Japanese text of the same subject gives.
    english = _english_glossary()
    found = set()
    latin = folded
    if english.pattern is not None:
        # Twice: as written, then with hyphens as spaces ("carbon-neutral" is "carbon neutral").
        for variant in (folded, None):
            latin = latin.replace("-", " ") if variant is None else latin
            for match in english.pattern.finditer(latin):
                if english.japanese[match.group()] not in _STOP_TERMS:
                    found.add(english.japanese[match.group()])
            latin = english.pattern.sub(" ", latin)
    found |= _english_terms(latin)
    # A Japanese glossary term counts wherever it is written: Sudachi cuts 自動運転での into
    # 自動 + 運転 and reads ものづくり as 物作り, so the English side would miss them.
    for term, target in english.japanese_terms:
        if term in folded and target not in _STOP_TERMS:
            found.add(target)
    # In pieces: the tokenizer refuses a long text (a proposal's details run to 20,000 characters).
    for _offset, morpheme in morphemes(_tokenizer(), folded, None):
        if morpheme.surface().isascii():
            continue  # Latin words and numbers: read above, as English
        pos = morpheme.part_of_speech()
        # Place names say where, not what: the governments' own ranking reads them instead.
        if pos[0] != "名詞" or pos[1] == "数詞" or pos[2] == "地名":
            continue
        word = fold(morpheme.normalized_form())
        if len(word) < 2 or word in _STOP_TERMS:
            continue
        found.add(word)
    return frozenset(found)


@dataclass
class Candidate:
    kind: str
    key: str
    label_ja: str
    label_en: str
    terms: frozenset[str]
    theme_codes: frozenset[str]
    government_codes: frozenset[str] = frozenset()


@dataclass
class Suggestion:
    kind: str
    key: str
    label_ja: str
    label_en: str
    score: float
    shared_terms: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def reason(self) -> str:
        parts = []
        if self.shared_terms:
            parts.append(_("共通語: %(terms)s") % {"terms": ", ".join(self.shared_terms)})
        if self.themes:
            parts.append(_("テーマ: %(themes)s") % {"themes": ", ".join(self.themes)})
        if self.note:
            parts.append(self.note)
        return " / ".join(parts)


def _candidates() -> list[Candidate]:
    version = current_version()
    found: list[Candidate] = []
    if version is not None:
        for action in Action.objects.filter(version=version).select_related("theme", "parent"):
            text = f"{action.text_ja}\n{action.text_en}\n{action.group_ja}\n{action.group_en}"
            found.append(
                Candidate(
                    "action",
                    action.key,
                    action.text_ja,
                    action.text_en,
                    terms(text),
                    frozenset({action.theme.code}),
                    frozenset(action.member_governments.values_list("lg_code", flat=True)),
                )
            )
    partnerships = Partnership.objects.filter(version=version) | Partnership.objects.filter(
        version__isnull=True
    )
    for partnership in partnerships.prefetch_related("items", "member_governments", "partners"):
        text = "\n".join(
            [partnership.title_ja, partnership.title_en, partnership.outline_ja]
            + [partnership.outline_en]
            + [item.text_ja for item in partnership.items.all()]
            + [item.text_en for item in partnership.items.all()]
            + [org.name_ja for org in partnership.partners.all()]
        )
        found.append(
            Candidate(
                "partnership",
                partnership.key,
                partnership.title_ja,
                partnership.title_en,
                terms(text),
                frozenset({partnership.theme_code}),
                frozenset(g.lg_code for g in partnership.member_governments.all()),
            )
        )
    for hub in Hub.objects.all():
        found.append(
            Candidate(
                "hub",
                hub.name_ja,
                hub.name_ja,
                hub.name_en,
                terms(f"{hub.name_ja}\n{hub.name_en}"),
                frozenset(hub.theme_codes),
            )
        )
    return found


def _idf(candidates: Sequence[Candidate]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for candidate in candidates:
        counts.update(candidate.terms)
    total = len(candidates) or 1
    return {term: math.log(1 + total / count) for term, count in counts.items()}


def _theme_names(codes: Iterable[str], english: bool) -> dict[str, str]:
    version = current_version()
    names: dict[str, str] = {}
    for theme in Theme.objects.filter(version=version, code__in=list(codes)):
        names[theme.code] = theme.name_en if english and theme.name_en else theme.name_ja
    return names


def suggest(
    text: str,
    theme_codes: Iterable[str] = (),
    government_codes: Iterable[str] = (),
    *,
    limit: int = 5,
    english: bool = False,
    exclude: Iterable[str] = (),
) -> dict[str, list[Suggestion]]:
    """The best `limit` candidates of each kind for a proposal's text, themes and governments;
    candidates whose key is in `exclude` (the proposal's own agreement) are left out."""
    excluded = frozenset(exclude)
    wanted_terms = terms(text)
    wanted_themes = frozenset(theme_codes)
    wanted_governments = frozenset(government_codes)
    candidates = _candidates()
    idf = _idf(candidates)
    theme_names = _theme_names(wanted_themes, english)
    ranked: dict[str, list[Suggestion]] = {kind: [] for kind in KINDS}
    government_scores: dict[str, float] = {}
    government_terms: dict[str, set[str]] = {}
    for candidate in candidates:
        if candidate.key in excluded:
            continue
        shared = sorted(wanted_terms & candidate.terms, key=lambda t: (-idf.get(t, 0.0), t))
        themes = sorted(wanted_themes & candidate.theme_codes)
        score = sum(idf[t] for t in shared)
        # Long texts share more words by chance; damp them a little.
        score /= math.sqrt(max(1.0, len(candidate.terms) / 8))
        if themes:
            score += THEME_BONUS
        if score <= 0 or not (shared or themes):
            continue
        ranked[candidate.kind].append(
            Suggestion(
                candidate.kind,
                candidate.key,
                candidate.label_ja,
                candidate.label_en,
                round(score, 3),
                [english_label(t) if english else _shown(t) for t in shared[:5]],
                [theme_names.get(code, code) for code in themes],
            )
        )
        # A government is as relevant as the work it already does on the subject.
        for code in candidate.government_codes:
            government_scores[code] = government_scores.get(code, 0.0) + score * (
                1.0 if candidate.kind == "partnership" else 0.5
            )
            government_terms.setdefault(code, set()).update(shared[:3])
    folded = unicodedata.normalize("NFKC", text)
    for government in MemberGovernment.objects.all():
        short = re.sub(r"[府県市]$", "", government.name_ja)
        named = government.name_ja in folded or (len(short) >= 2 and short in folded)
        chosen = government.lg_code in wanted_governments
        score = government_scores.get(government.lg_code, 0.0)
        notes = []
        if chosen:
            score += 3.0
            notes.append(_("提案者が関心を示した府県市"))
        if named:
            score += 2.0
            notes.append(_("本文に名前あり"))
        if score <= 0:
            continue
        ranked["government"].append(
            Suggestion(
                "government",
                government.lg_code,
                government.name_ja,
                government.name_en,
                round(score, 3),
                sorted(_shown(t) for t in government_terms.get(government.lg_code, set()))[:5],
                [],
                " / ".join(str(n) for n in notes),
            )
        )
    for kind in KINDS:
        ranked[kind].sort(key=lambda s: (-s.score, s.key))
        ranked[kind] = ranked[kind][:limit]
    return ranked


def proposal_text(proposal: Proposal) -> str:
    return "\n".join([proposal.title, proposal.summary, proposal.details])


def suggest_for_proposal(proposal: Proposal, limit: int = 5) -> dict[str, list[Suggestion]]:
    from django.utils.translation import get_language

    return suggest(
        proposal_text(proposal),
        proposal.theme_codes,
        proposal.member_governments.values_list("lg_code", flat=True),
        limit=limit,
        english=(get_language() or "ja").startswith("en"),
        # What the proposal itself became is no suggestion for it.
        exclude=[proposal.partnership.key] if proposal.partnership else [],
    )
