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
``snippet_html`` (HTML-escaped text with the matched words in ``<mark>``; ``snippet_en_html``
prefers the English text, for English pages), ``url_path`` (the
portal page: ``/themes/<code>/``, ``/actions/<id>/``, ``/partnerships/<id>/``, ``/hubs/``),
``lg_codes`` and ``score``. Bad parameters raise ``SearchError`` naming the ``field``.

How a query is read: NFKC and case folding; phrases of the JA↔EN glossary match any term of their
group; the rest is cut by the tokenizer into words. A record matches when it holds every word
(a one-character Japanese word matches as the start of a term: 水 finds 水素). The database's
full-text table (FTS5 or a PostgreSQL GIN index) finds the matching records; ranking is BM25F
computed here in Python over them, with title-like text weighted above long text, so that both
databases return the same hits in the same order.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.html import escape

from . import backends
from .actions import ensure_index_current
from .backends import Alternative, Clause, Term
from .glossary import glossary
from .models import Kind, SearchDocument
from .tokenize import QueryWord, analyze, is_ideograph, query_words

MAX_LIMIT = 100
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
K1 = 1.2
B = 0.75
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


def _alternatives(word: QueryWord) -> list[Alternative]:
    found: list[Alternative] = []
    for form in word.forms:
        # A kanji is indexed on its own; one kana is not: it matches the start of terms.
        prefix = len(form) == 1 and not form.isascii() and not is_ideograph(form)
        found.append((Term(form, prefix),))
    if word.parts:
        found.append(tuple(Term(p) for p in word.parts))
    return found


def _glossary_clause(group: tuple[str, ...]) -> Clause:
    alternatives: list[Alternative] = []
    for phrase in group:
        words = query_words(phrase)
        if len(words) == 1:
            alternatives += _alternatives(words[0])
        elif words:
            alternatives.append(tuple(Term(w.forms[-1]) for w in words))
    return tuple(dict.fromkeys(alternatives))


def parse_query(q: str) -> ParsedQuery:
    text = " ".join(unicodedata.normalize("NFKC", q).split())
    folded = text.casefold()
    clauses: list[Clause] = []
    rest: list[str] = []
    position = 0
    # Case folding keeps the length except for a few letters (ß …); then skip the glossary.
    matches = glossary().find(folded) if len(folded) == len(text) else []
    for start, end, group in matches:
        rest.append(text[position:start])
        clause = _glossary_clause(group)
        if clause:
            clauses.append(clause)
        position = end
    rest.append(text[position:])
    for chunk in rest:
        for word in query_words(chunk):
            clauses.append(tuple(_alternatives(word)))
    clauses = list(dict.fromkeys(clauses))
    terms = {t.text for c in clauses for a in c for t in a if not t.prefix}
    prefixes = {t.text for c in clauses for a in c for t in a if t.prefix}
    return ParsedQuery(clauses, terms, prefixes)


def _document_frequency(clause: Clause) -> int:
    sql, params = backends.matching_ids_sql([clause])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS matching", params)  # noqa: S608 - built from constants; the query is a parameter
        row = cursor.fetchone()
    return int(row[0]) if row else 0


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


def _frequency_sql(column: str, clause: Clause, params: list[Param]) -> str:
    """SQL for how often a clause occurs in a terms column: the best alternative, whose count is
    that of its rarest term. A term is counted as ' term ' in the space-delimited column."""
    alternatives = []
    for alternative in clause:
        counts = []
        for term in alternative:
            needle = f" {term.text}" if term.prefix else f" {term.text} "
            params += [needle, needle]
            # Most alternatives are absent from most rows: finding that first is cheaper.
            counts.append(
                f"(CASE WHEN {backends.position(column)} = 0 THEN 0 ELSE "
                f"(length({column}) - length(replace({column}, %s, ''))) / {len(needle)} END)"
            )
        alternatives.append(backends.least(counts))
    return backends.greatest(alternatives)


def _where(
    parsed: ParsedQuery,
    kinds: list[str] | None,
    theme: str | None,
    fiscal_year: int | None,
    actor: str | None,
    lg_code: str | None,
) -> tuple[str, list[Param]]:
    sql, params = backends.matching_ids_sql(parsed.clauses)
    conditions = [f"d.id IN ({sql})"]
    values: list[Param] = list(params)
    if kinds:
        conditions.append(f"d.kind IN ({', '.join('%s' for _ in kinds)})")
        values += kinds
    if theme:
        conditions.append("d.theme_code = %s")
        values.append(theme)
    if fiscal_year is not None:
        # An open-ended period (2026～) includes every later year.
        conditions.append("(d.fiscal_year = %s OR (d.open_ended = %s AND d.fiscal_year <= %s))")
        values += [fiscal_year, True, fiscal_year]
    if actor:
        conditions.append("d.actor = %s")
        values.append(actor)
    if lg_code:
        conditions.append("d.lg_codes LIKE %s")
        values.append(f"% {lg_code.strip()} %")
    return " AND ".join(conditions), values


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

    The score (BM25F) is computed by the database in plain SQL that SQLite and PostgreSQL
    evaluate alike, in IEEE doubles, so both rank the same records in the same order.
    """
    _validate(kinds, actor, limit, offset)
    parsed = parse_query(q)
    if not parsed.clauses:
        return SearchResults(q, 0, [], _facets([]))
    state = ensure_index_current()
    where, where_params = _where(parsed, kinds, theme, fiscal_year, actor, lg_code)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.kind, d.theme_code, d.fiscal_year, d.actor, d.lg_codes, COUNT(*) "  # noqa: S608 - built from constants; values are parameters
            f"FROM search_searchdocument d WHERE {where} "
            "GROUP BY d.kind, d.theme_code, d.fiscal_year, d.actor, d.lg_codes",
            where_params,
        )
        groups = cursor.fetchall()
        total = sum(int(g[5]) for g in groups)
        if total == 0 or offset >= total:
            return SearchResults(q, total, [], _facets(groups))
        if len(parsed.clauses) > 1:
            weights = []
            for clause in parsed.clauses:
                df = _document_frequency(clause)
                weights.append(math.log(1 + (state.documents - df + 0.5) / (df + 0.5)))
        else:
            weights = [1.0]
        select_params: list[Param] = []
        title_norm = (
            f"({backends.double(1 - B)} + "
            f"{backends.double(B / state.average_title_length)} * d.title_length)"
        )
        body_norm = (
            f"({backends.double(1 - B)} + "
            f"{backends.double(B / state.average_body_length)} * d.body_length)"
        )
        frequencies = [
            f"({backends.double(TITLE_WEIGHT)} * "
            f"{_frequency_sql('d.title_terms', clause, select_params)} / {title_norm} + "
            f"{backends.double(BODY_WEIGHT)} * "
            f"{_frequency_sql('d.body_terms', clause, select_params)} / {body_norm}) AS tf{n}"
            for n, clause in enumerate(parsed.clauses)
        ]
        score = " + ".join(
            f"{backends.double(weight * (K1 + 1))} * tf{n} / (tf{n} + {backends.double(K1)})"
            for n, weight in enumerate(weights)
        )
        kind_order = " ".join(f"WHEN '{k}' THEN {n}" for k, n in KIND_ORDER.items())
        cursor.execute(
            # MATERIALIZED: each row's frequencies are computed once, not once per use.
            f"WITH matching AS MATERIALIZED (SELECT d.id, d.kind, d.key, {', '.join(frequencies)} "  # noqa: S608 - built from constants; values are parameters
            f"FROM search_searchdocument d WHERE {where}) "
            f"SELECT id, score FROM (SELECT id, kind, key, {score} AS score FROM matching) "
            "AS scored "
            f"ORDER BY score DESC, CASE kind {kind_order} END, key "
            f"LIMIT {int(limit)} OFFSET {int(offset)}",
            select_params + where_params,
        )
        page = [(int(pk), float(score)) for pk, score in cursor.fetchall()]
    records = SearchDocument.objects.in_bulk([pk for pk, _ in page])
    hits = [_hit(records[pk], round(score, 6), parsed) for pk, score in page]
    return SearchResults(q, total, hits, _facets(groups))


def _matches(term: str, parsed: ParsedQuery) -> bool:
    return (
        term in parsed.terms
        or any(term.startswith(p) for p in parsed.prefixes)
        or any(c in term for c in parsed.terms if len(c) == 1 and is_ideograph(c))
    )


def snippet(text: str, parsed: ParsedQuery) -> str | None:
    """HTML-escaped text around the first match with every match in <mark>; None if none."""
    ranges: list[list[int]] = []
    for span in analyze(text):
        if any(_matches(t, parsed) for t in span.terms):
            if ranges and span.start <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], span.end)
            else:
                ranges.append([span.start, span.end])
    if not ranges:
        return None
    start = 0 if len(text) <= SNIPPET_LENGTH else max(0, ranges[0][0] - SNIPPET_LENGTH // 4)
    end = min(len(text), start + SNIPPET_LENGTH)
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


def _best_snippet(texts: tuple[str, ...], parsed: ParsedQuery) -> str:
    """The snippet of the first text with a match, else the start of the first text."""
    for text in texts:
        if text and (html := snippet(text, parsed)) is not None:
            return html
    text = next((t for t in texts if t), "")
    return escape(text[:SNIPPET_LENGTH] + ("…" if len(text) > SNIPPET_LENGTH else ""))


def _hit(document: SearchDocument, score: float, parsed: ParsedQuery) -> Hit:
    ja, en = document.text_ja, document.text_en
    html = _best_snippet((ja, en, document.title_ja, document.title_en), parsed)
    # English pages show English text; a match found only in Japanese is shown in Japanese.
    html_en = _best_snippet((en, document.title_en, ja, document.title_ja), parsed)
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
