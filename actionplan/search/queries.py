"""Search over the current plan and the registry: the one function the portal, API and CLI call.

Interface::

    search(q, *, kinds=None, theme=None, fiscal_year=None, actor=None, lg_code=None,
           limit=20, offset=0) -> SearchResults

``SearchResults`` has ``total`` (number of matching records), ``hits`` (the page asked for, best
first) and ``facets`` (counts over all matches: ``kind``, ``theme``, ``fiscal_year``, ``actor``,
``member_government`` (by 全国地方公共団体コード), each a dict from value to count).

Each ``Hit`` has ``kind`` (action, year_theme, theme, milestone, partnership, hub), ``id`` (the
record's id in its own table), ``key`` (its stable key), ``theme_code``, ``fiscal_year``,
``actor``, ``title`` (short text), ``text``, their English ``title_en`` / ``text_en``,
``snippet_html`` (HTML-escaped Japanese text with the matched words in ``<mark>``, cut between
words; ``snippet_en_html`` the same from the English text where there is one, for English
pages), ``url_path`` (the
portal page: ``/themes/<code>/``, ``/actions/<id>/``, ``/partnerships/<id>/``, ``/hubs/``),
``lg_codes`` and ``score``. Bad parameters raise ``SearchError`` naming the ``field``.

How a query is read: NFKC and case folding; phrases of the JA↔EN glossary match any term of their
group; the rest is cut by the tokenizer into words. A record matches when it holds every word
(one kana matches as the start of a term; a kanji is indexed on its own, so 薬 finds 創薬).
Ranking is BM25F with title-like text weighted above long text, from weights stored in the
postings table when each record was indexed (``postings.py``): a one-word query (a glossary
group counts as one) reads the heaviest postings of one term and counts per facet group, one
kana the postings of the terms it starts; any other query is matched by the full-text index
(FTS5 on SQLite, GIN on PostgreSQL, over the same terms), and the records it finds read their
weights from the postings. Both databases hold the same terms and weights, so they return the
same hits in the same order.
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import backends
from .actions import ensure_index_current
from .backends import Clause, Term
from .glossary import alternatives, glossary, group_clause
from .models import FacetGroup, Kind, SearchDocument
from .postings import group_terms
from .tokenize import Span, analyze, is_ideograph, query_words, word_boundaries

MAX_LIMIT = 100
# The longest query read, in characters: far beyond any real search, and percent-encoded
# (9 bytes for a kanji) it still fits a request line of `actionplan serve` (8,190 bytes).
MAX_QUERY_LENGTH = 200
SNIPPET_LENGTH = 120
KIND_ORDER = {kind: n for n, kind in enumerate(Kind.values)}
ACTORS = ("union", "members")
Param = str | int | float | bool


class SearchError(ValueError):
    """A bad search parameter; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass
class Hit:
    kind: str
    id: int
    key: str
    theme_code: str
    fiscal_year: int | None
    actor: str
    title: str
    title_en: str
    text: str
    text_en: str
    snippet_html: str
    url_path: str
    snippet_en_html: str
    score: float
    lg_codes: list[str] = field(default_factory=list)


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]


@dataclass
class ParsedQuery:
    clauses: list[Clause]
    terms: set[str]
    prefixes: set[str]
    # The query's words as typed (NFKC, case-folded): a snippet marks them where the text
    # holds them but the tokenizer read it otherwise (「やうめきた、」 is cut 「うめき|た」).
    literals: tuple[str, ...] = ()


def parse_query(q: str) -> ParsedQuery:
    text = " ".join(unicodedata.normalize("NFKC", q).split())
    folded = text.casefold()
    clauses: list[Clause] = []
    rest: list[str] = []
    position = 0
    # Case folding keeps the length except for a few letters (ß …); then skip the glossary.
    # A query of Latin letters alone has no Japanese phrase to align: no need for Sudachi.
    boundaries = None if folded.isascii() else word_boundaries(text)
    matches = glossary().find(folded, boundaries) if len(folded) == len(text) else []
    for start, end, group in matches:
        rest.append(text[position:start])
        clause = group_clause(group)
        if clause:
            clauses.append(clause)
        position = end
    rest.append(text[position:])
    for chunk in rest:
        for word in query_words(chunk):
            clauses.append(tuple(alternatives(word)))
    clauses = list(dict.fromkeys(clauses))
    terms = {t.text for c in clauses for a in c for t in a if not t.prefix}
    prefixes = {t.text for c in clauses for a in c for t in a if t.prefix}
    literals = tuple(dict.fromkeys(w for w in folded.split() if len(w) > 1))
    return ParsedQuery(clauses, terms, prefixes, literals)


def _validate(kinds: list[str] | None, actor: str | None, limit: int, offset: int) -> None:
    unknown = sorted(set(kinds or ()) - set(Kind.values))
    if unknown:
        raise SearchError("kind", f"unknown kind {unknown[0]!r}; expected one of {Kind.values}")
    if actor is not None and actor not in ACTORS:
        raise SearchError("actor", f"unknown actor {actor!r}; expected union or members")
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError("limit", f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise SearchError("offset", "offset must not be negative")


def _facets(groups: Sequence[tuple[Any, ...]]) -> dict[str, dict[str, int]]:
    """Facet counts from (kind, theme, fiscal year, actor, lg codes, count) groups."""
    counters: dict[str, Counter[str]] = {
        name: Counter() for name in ("kind", "theme", "fiscal_year", "actor", "member_government")
    }
    for kind, theme, year, actor, codes, count in groups:
        counters["kind"][str(kind)] += count
        if theme:
            counters["theme"][str(theme)] += count
        if year is not None:
            counters["fiscal_year"][str(year)] += count
        if actor:
            counters["actor"][str(actor)] += count
        for code in str(codes).split():
            counters["member_government"][code] += count
    return {
        name: dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, counter in counters.items()
    }


def _facet_groups(
    kinds: list[str] | None,
    theme: str | None,
    fiscal_year: int | None,
    actor: str | None,
    lg_code: str | None,
    side: int = 1,
) -> list[int] | None:
    """The facet groups the filters allow, as the postings carry them (the id times the side);
    None: no filter."""
    groups = FacetGroup.objects.filter(side=side)
    if kinds:
        groups = groups.filter(kind__in=kinds)
    if theme:
        groups = groups.filter(theme_code=theme)
    if fiscal_year is not None:
        # An open-ended period (2026～) includes every later year.
        groups = groups.filter(
            Q(fiscal_year=fiscal_year) | Q(open_ended=True, fiscal_year__lte=fiscal_year)
        )
    if actor:
        groups = groups.filter(actor=actor)
    if lg_code:
        groups = groups.filter(lg_codes__contains=f" {lg_code.strip()} ")
    if any((kinds, theme, fiscal_year is not None, actor, lg_code)):
        return [pk * side for pk in groups.values_list("pk", flat=True)]
    return None


def _facet_counts(counts: Counter[int]) -> dict[str, dict[str, int]]:
    by_id = {abs(group): n for group, n in counts.items()}
    rows = FacetGroup.objects.filter(pk__in=list(by_id)).values_list(
        "pk", "kind", "theme_code", "fiscal_year", "actor", "lg_codes"
    )
    return _facets([(*row[1:], by_id[row[0]]) for row in rows])


def _indexed_term(clause: Clause) -> str | None:
    """The one index term a clause reads, if it is a glossary group or a single word."""
    if clause in group_terms():
        return group_terms()[clause]
    if len(clause) == 1 and len(clause[0]) == 1 and not clause[0][0].prefix:
        return clause[0][0].text
    return None


def _query_terms(clauses: list[Clause]) -> list[str]:
    """The index terms a query may read: its words, and its glossary groups' own terms."""
    found: set[str] = set()
    for clause in clauses:
        if clause in group_terms():
            found.add(group_terms()[clause])
        else:
            found.update(t.text for alternative in clause for t in alternative if not t.prefix)
    return sorted(found)


def _without_absent_terms(clauses: list[Clause], frequency: dict[str, int]) -> list[Clause]:
    """The clauses without the alternatives that hold a word no record holds (they match
    nothing), so that ＭａａＳ (maas or maa) reads maas alone. Glossary groups are kept whole:
    they are indexed as one term."""
    return [
        c
        if c in group_terms()
        else tuple(a for a in c if all(t.prefix or t.text in frequency for t in a))
        for c in clauses
    ]


def _match_clause(clause: Clause) -> Clause:
    """The clause as the match index reads it: a glossary group as its own term."""
    term = group_terms().get(clause)
    return clause if term is None else ((Term(term),),)


def _matching(
    clauses: list[Clause],
    groups: list[int] | None,
    documents: int,
    frequency: dict[str, int],
    side: int,
) -> dict[int, tuple[float, int]]:
    """Every document matching all clauses, found by the match index (FTS5 / GIN), with its
    score and facet group. A clause scores by its best alternative, an alternative by its weakest
    term; the clauses' scores add up, each weighted by its IDF."""
    query = [_match_clause(c) for c in clauses]
    weights = [1.0] * len(query)
    if len(query) > 1:
        for n, clause in enumerate(query):
            term = _indexed_term(clause)
            holding = frequency.get(term, 0) if term is not None else backends.match_count([clause])
            weights[n] = math.log(1 + (documents - holding + 0.5) / (holding + 0.5))
    terms, rows = backends.match(query, groups, side)
    column = {term: n for n, term in enumerate(terms, start=2)}
    # Each clause as the columns of its alternatives' terms.
    plans = [
        (idf, [[column[t] for t in alt] for alt in clause])
        for idf, clause in zip(weights, query, strict=True)
    ]
    scored: dict[int, tuple[float, int]] = {}
    for row in rows:
        total = 0.0
        for idf, options in plans:
            best = None
            for columns in options:
                weight = row[columns[0]] if len(columns) == 1 else _weakest(row, columns)
                if weight is not None and (best is None or weight > best):
                    best = weight
            if best is None:
                # Written with the postings in one transaction, the two indexes agree; a record
                # they disagree on is left out rather than ranked without a weight.
                break
            total += idf * best
        else:
            scored[row[0]] = (total, row[1])
    return scored


def _weakest(row: tuple[Any, ...], columns: list[int]) -> float | None:
    """An alternative of several terms weighs as its weakest term (None: one is missing)."""
    held = [row[c] for c in columns]
    return None if None in held else min(held)


def _page(
    scored: dict[int, tuple[float, int]], offset: int, limit: int
) -> list[tuple[SearchDocument, float]]:
    """The page asked for: best score first, then kind, key and id, so that pages never overlap.
    ``scored`` holds at least every document as good as the page's last."""
    ranked = list(scored.items())
    if len(ranked) > offset + limit:
        # Only the records as good as the page's last are ordered by their keys.
        last = heapq.nlargest(offset + limit, (score for score, _ in scored.values()))[-1]
        ranked = [item for item in ranked if item[1][0] >= last]
    keys = {
        pk: (KIND_ORDER[kind], key) for pk, kind, key in backends.keys([pk for pk, _ in ranked])
    }
    ordered = sorted(
        (item for item in ranked if item[0] in keys),
        key=lambda item: (-item[1][0], *keys[item[0]], item[0]),
    )[offset : offset + limit]
    records = SearchDocument.objects.in_bulk([pk for pk, _ in ordered])
    # A record deleted since it was ranked is left out.
    return [(records[pk], score) for pk, (score, _) in ordered if pk in records]


def search(
    q: str,
    *,
    kinds: list[str] | None = None,
    theme: str | None = None,
    fiscal_year: int | None = None,
    actor: str | None = None,
    lg_code: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Records matching every word of ``q``, best first, with facet counts over all matches.

    Scores are sums of weights computed in Python when the records were indexed, compared and
    added here, so SQLite and PostgreSQL rank the same records in the same order.
    """
    _validate(kinds, actor, limit, offset)
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchError(
            "q",
            _("検索語は%(limit)s文字までです（%(length)s文字あります）。")
            % {"limit": MAX_QUERY_LENGTH, "length": len(q)},
        )
    parsed = parse_query(q)
    if not parsed.clauses:
        return SearchResults(q, 0, [], _facets([]))
    state = ensure_index_current()
    side = state.side
    groups = _facet_groups(kinds, theme, fiscal_year, actor, lg_code, side)
    frequency = backends.frequencies(_query_terms(parsed.clauses), side)
    clauses = _without_absent_terms(parsed.clauses, frequency)
    if groups == [] or not all(clauses):
        return SearchResults(q, 0, [], _facets([]))
    term = _indexed_term(clauses[0]) if len(clauses) == 1 else None
    if term is not None:
        # One posting list: counts per facet group, then only the heaviest postings.
        counts = Counter(backends.group_counts(term, groups, side))
        total = sum(counts.values())
        scored = backends.top(term, groups, offset + limit, side) if offset < total else {}
    else:
        if len(clauses) == 1 and len(clauses[0]) == 1 and len(clauses[0][0]) == 1:
            # One kana: the postings of the terms it starts are its matches.
            scored = backends.prefix_postings(clauses[0][0][0], groups, side)
        else:
            scored = _matching(clauses, groups, state.documents, frequency, side)
        counts = Counter(group for _, group in scored.values())
        total = len(scored)
    if offset >= total:
        return SearchResults(q, total, [], _facet_counts(counts))
    hits = [_hit(record, round(score, 6), parsed) for record, score in _page(scored, offset, limit)]
    return SearchResults(q, total, hits, _facet_counts(counts))


def _matches(term: str, parsed: ParsedQuery) -> bool:
    return (
        term in parsed.terms
        or any(term.startswith(p) for p in parsed.prefixes)
        or any(c in term for c in parsed.terms if len(c) == 1 and is_ideograph(c))
    )


def snippet(text: str, parsed: ParsedQuery) -> str | None:
    """HTML-escaped text around the first match with every match in <mark>; None if none.
    The excerpt begins and ends between words, never inside one."""
    spans = analyze(text)
    found = [(s.start, s.end) for s in spans if any(_matches(t, parsed) for t in s.terms)]
    ranges = _merged(found + _literal_ranges(text, parsed.literals))
    if not ranges:
        return None
    start = 0 if len(text) <= SNIPPET_LENGTH else max(0, ranges[0][0] - SNIPPET_LENGTH // 4)
    start, end = _between_words(text, spans, start, min(len(text), start + SNIPPET_LENGTH))
    parts = ["…"] if start > 0 else []
    position = start
    for low, high in ranges:
        if high <= start or low >= end:
            continue
        low, high = max(low, start), min(high, end)
        parts += [escape(text[position:low]), "<mark>", escape(text[low:high]), "</mark>"]
        position = high
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


def _literal_ranges(text: str, literals: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the text holds a query word as typed, not within a longer Latin word."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if len(folded) != len(text):  # offsets would not point into the text
        return []
    return [
        (index, index + len(word))
        for word in literals
        for index in _occurrences(folded, word)
        if not (index > 0 and _word_char(text[index - 1]) and _word_char(text[index]))
        and not (
            index + len(word) < len(text)
            and _word_char(text[index + len(word) - 1])
            and _word_char(text[index + len(word)])
        )
    ]


def _merged(found: list[tuple[int, int]]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for low, high in sorted(found):
        if ranges and low <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], high)
        else:
            ranges.append([low, high])
    return ranges


def _occurrences(text: str, word: str) -> list[int]:
    found, index = [], text.find(word)
    while index >= 0:
        found.append(index)
        index = text.find(word, index + len(word))
    return found


def _word_char(char: str) -> bool:
    # Letters and digits of alphabetic scripts: a cut between two of them splits a word even
    # where the tokenizer made no span of it (a stop word such as "as").
    return char.isalnum() and ord(char) < 0x3000


def _between_words(text: str, spans: Sequence[Span], start: int, end: int) -> tuple[int, int]:
    """The window [start, end) widened at its start and narrowed at its end to the nearest
    places between two words (outside every token of ``spans``), with no blank at either end."""

    def between(position: int) -> bool:
        if position <= 0 or position >= len(text):
            return True
        if _word_char(text[position - 1]) and _word_char(text[position]):
            return False
        return not any(span.start < position < span.end for span in spans)

    while not between(start):
        start -= 1
    cut = end
    while cut > start and not between(cut):
        cut -= 1
    end = cut if cut > start else end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _best_snippet(texts: tuple[str, ...], parsed: ParsedQuery) -> str:
    """The snippet of the first text with a match, else the start of the first text."""
    for text in texts:
        if text and (html := snippet(text, parsed)) is not None:
            return html
    text = next((t for t in texts if t), "")
    if len(text) <= SNIPPET_LENGTH:
        return escape(text)
    _start, end = _between_words(text, analyze(text), 0, SNIPPET_LENGTH)
    return escape(text[:end]) + "…"


def _page_snippet(own: tuple[str, str], other: tuple[str, str], parsed: ParsedQuery) -> str:
    """The snippet for a page of one language: from that language's text and title wherever
    the record has them (a match found only in the other language's text is not shown in that
    language), from the other language's only when it has neither."""
    return _best_snippet(own if any(own) else other, parsed)


def _hit(document: SearchDocument, score: float, parsed: ParsedQuery) -> Hit:
    ja, en = document.text_ja, document.text_en
    japanese, english = (ja, document.title_ja), (en, document.title_en)
    html = _page_snippet(japanese, english, parsed)
    html_en = _page_snippet(english, japanese, parsed)
    return Hit(
        kind=document.kind,
        id=document.object_id,
        key=document.key,
        theme_code=document.theme_code,
        fiscal_year=document.fiscal_year,
        actor=document.actor,
        title=document.title_ja,
        title_en=document.title_en,
        text=document.text_ja,
        text_en=document.text_en,
        snippet_html=html,
        snippet_en_html=html_en,
        url_path=document.url_path,
        score=score,
        lg_codes=document.lg_codes.split(),
    )
