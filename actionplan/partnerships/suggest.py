"""Who to talk to about a proposal: related actions, hubs, past partnerships and governments.

Each candidate is ranked by the terms it shares with the proposal, weighted by how rare the term
is among all candidates (a word every action uses says little), plus a bonus when its theme is
one the proposer chose. Every suggestion carries its reason, e.g.
「共通語: 水素, 蓄電池 / テーマ: カーボンニュートラル」.
"""

from __future__ import annotations

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
from actionplan.search.tokenize import morphemes

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
_LATIN = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


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


@lru_cache(maxsize=4096)
def terms(text: str) -> frozenset[str]:
    """Content words of a text: nouns (in Sudachi's normalised form) and Latin words, NFKC and
    case folded; one-character words and the genre's stop words are left out."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    found = set()
    # In pieces: the tokenizer refuses a long text (a proposal's details run to 20,000 characters).
    for _offset, morpheme in morphemes(_tokenizer(), folded, None):
        pos = morpheme.part_of_speech()
        if pos[0] != "名詞" or pos[1] == "数詞":
            continue
        word = unicodedata.normalize("NFKC", morpheme.normalized_form()).casefold()
        if len(word) < 2 and not _LATIN.match(word):
            continue
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
) -> dict[str, list[Suggestion]]:
    """The best `limit` candidates of each kind for a proposal's text, themes and governments."""
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
                shared[:5],
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
                sorted(government_terms.get(government.lg_code, set()))[:5],
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
    )
