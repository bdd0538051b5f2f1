from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.management import call_command
from django.db import connection

from actionplan.plans.models import Action, PlanVersion
from actionplan.search.actions import rebuild_index
from actionplan.search.backends import Clause
from actionplan.search.models import (
    FacetGroup,
    IndexState,
    Kind,
    SearchDocument,
    TermFrequency,
)
from actionplan.search.postings import clause_score, group_terms, term_weights
from actionplan.search.queries import KIND_ORDER, parse_query, search

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


def stored_postings(document_id: int) -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, weight FROM search_posting WHERE document_id = %s", [document_id]
        )
        return {term: float(weight) for term, weight in cursor.fetchall()}


def stored_counts() -> set[tuple[str, int, int]]:
    return set(TermFrequency.objects.values_list("term", "facet_group", "documents"))


def recounted() -> set[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, facet_group, COUNT(*) FROM search_posting GROUP BY term, facet_group"
        )
        return {(t, int(g), int(n)) for t, g, n in cursor.fetchall()}


def match_rows() -> dict[int, set[str]]:
    """Every record of the match index and its terms (SQLite's contentless FTS5 table is read
    through an fts5vocab table)."""
    found: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT doc_id, tsvector_to_array(terms) FROM search_fts")
            return {int(pk): set(terms) for pk, terms in cursor.fetchall()}
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_terms "
            "USING fts5vocab(main, search_fts, 'instance')"
        )
        cursor.execute("SELECT doc, term FROM temp.search_fts_terms")
        for pk, term in cursor.fetchall():
            found.setdefault(int(pk), set()).add(term)
    return found


def match_groups() -> dict[int, int]:
    """PostgreSQL's match index keeps each record's facet group."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT doc_id, facet_group FROM search_fts")
        return {int(pk): int(group) for pk, group in cursor.fetchall()}


def posting_rows() -> dict[int, set[str]]:
    """The same, read from the postings."""
    found: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_id, term FROM search_posting")
        for pk, term in cursor.fetchall():
            found.setdefault(int(pk), set()).add(term)
    return found


def posting_groups() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT document_id, facet_group FROM search_posting")
        return {int(pk): int(group) for pk, group in cursor.fetchall()}


def expected_postings(document: SearchDocument) -> dict[str, float]:
    state = IndexState.objects.get()
    return dict(term_weights(document, state.average_title_length, state.average_body_length))


def document_of(action: Action) -> SearchDocument:
    return SearchDocument.objects.get(kind=Kind.ACTION, object_id=action.pk)


def brute_force(q: str) -> dict[int, float]:
    """Every matching document and its score, from the documents' own terms, one by one."""
    clauses = parse_query(q).clauses
    state = IndexState.objects.get()
    found: dict[int, list[float]] = {}
    for document in SearchDocument.objects.all():
        weights = expected_postings(document)
        scores = [_score(clause, weights) for clause in clauses]
        if all(s is not None for s in scores):
            found[document.pk] = [s for s in scores if s is not None]
    if len(clauses) == 1:
        return {pk: scores[0] for pk, scores in found.items()}
    frequencies = [
        sum(
            1
            for d in SearchDocument.objects.all()
            if _score(clause, expected_postings(d)) is not None
        )
        for clause in clauses
    ]
    idf = [math.log(1 + (state.documents - n + 0.5) / (n + 0.5)) for n in frequencies]
    return {
        pk: sum(w * s for w, s in zip(idf, scores, strict=True)) for pk, scores in found.items()
    }


def _score(clause: Clause, weights: dict[str, float]) -> float | None:
    prefixes = {t.text for alternative in clause for t in alternative if t.prefix}
    if not prefixes:
        return clause_score(clause, weights)
    # A prefix term weighs as the heaviest term it starts.
    expanded = dict(weights)
    for prefix in prefixes:
        matching = [w for term, w in weights.items() if term.startswith(prefix)]
        expanded.pop(prefix, None)
        if matching:
            expanded[prefix] = max(matching)
    return clause_score(clause, expanded)


def test_postings_hold_each_term_and_glossary_group_with_its_weight(
    plan_version: PlanVersion,
) -> None:
    rebuild_index()
    action = plan_version.actions.filter(text_ja__contains="水素").first()
    assert action is not None
    document = document_of(action)
    stored = stored_postings(document.pk)
    assert stored == expected_postings(document)
    assert stored_counts() == recounted()
    assert "水素" in stored
    hydrogen = next(
        term
        for clause, term in group_terms().items()
        if any(tuple(t.text for t in alternative) == ("水素",) for alternative in clause)
    )
    assert stored[hydrogen] == max(stored.get("水素", 0.0), stored.get("hydrogen", 0.0))


def test_postings_follow_an_edited_and_a_deleted_action(
    plan_version: PlanVersion, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    rebuild_index()
    action = plan_version.actions.first()
    assert action is not None
    old = document_of(action)
    action.text_ja = "クオッカの生態調査を支援する"
    with django_capture_on_commit_callbacks(execute=True):
        action.save()
    new = document_of(action)
    assert stored_postings(old.pk) == {}
    stored = stored_postings(new.pk)
    assert stored == expected_postings(new)
    assert "クオッカ" in stored
    assert [h.id for h in search("クオッカ").hits] == [action.pk]
    assert stored_counts() == recounted()
    # The match index follows too: a query of several words finds the new text only.
    rows = match_rows()
    assert old.pk not in rows
    assert rows[new.pk] == set(stored) >= {"クオッカ", "生態"}
    assert rows == posting_rows()
    assert [h.id for h in search("クオッカ 生態").hits] == [action.pk]
    with django_capture_on_commit_callbacks(execute=True):
        action.delete()
    assert stored_postings(new.pk) == {}
    assert search("クオッカ").total == 0
    assert search("クオッカ 生態").total == 0
    assert new.pk not in match_rows()
    assert stored_counts() == recounted()


@pytest.mark.parametrize(
    "q",
    [
        "人材",
        "水素",
        "薬",
        "ips",
        "再生医療 産業化",
        "蓄電池 人材",
        "サプライチェーン",
        "ア",
        "ＭａａＳ",
        "水素 クオッカ",
    ],
)
def test_ranking_and_counts_equal_a_brute_force_search(plan_version: PlanVersion, q: str) -> None:
    results = search(q, limit=100)
    expected = brute_force(q)
    assert results.total == len(expected)
    keys = dict(SearchDocument.objects.values_list("pk", "kind"))
    ordered = sorted(
        expected,
        key=lambda pk: (
            -expected[pk],
            KIND_ORDER[keys[pk]],
            SearchDocument.objects.get(pk=pk).key,
            pk,
        ),
    )[:100]
    documents = SearchDocument.objects.in_bulk(ordered)
    assert [(h.kind, h.id) for h in results.hits] == [
        (documents[pk].kind, documents[pk].object_id) for pk in ordered
    ]
    assert [h.score for h in results.hits] == [round(expected[pk], 6) for pk in ordered]


@pytest.mark.parametrize("q", ["人材", "水素 サプライチェーン", "水"])
def test_facet_counts_equal_a_count_of_every_match(plan_version: PlanVersion, q: str) -> None:
    results = search(q, limit=1)
    matching = SearchDocument.objects.filter(pk__in=list(brute_force(q)))
    counts: dict[str, Counter[str]] = {
        name: Counter() for name in ("kind", "theme", "fiscal_year", "actor", "member_government")
    }
    for d in matching:
        counts["kind"][d.kind] += 1
        if d.theme_code:
            counts["theme"][d.theme_code] += 1
        if d.fiscal_year is not None:
            counts["fiscal_year"][str(d.fiscal_year)] += 1
        if d.actor:
            counts["actor"][d.actor] += 1
        for code in d.lg_codes.split():
            counts["member_government"][code] += 1
    assert results.facets == {name: dict(c) for name, c in counts.items()}
    by_government = search(q, lg_code="270008", limit=1)
    assert by_government.total == counts["member_government"]["270008"]
    by_year = search(q, fiscal_year=2026, kinds=["action"], limit=1)
    assert by_year.total == sum(
        1
        for d in matching
        if d.kind == "action"
        and d.fiscal_year is not None
        and (d.fiscal_year == 2026 or (d.open_ended and d.fiscal_year <= 2026))
    )


def test_pages_never_overlap_and_cover_the_ranking(plan_version: PlanVersion) -> None:
    everything = search("水", limit=100)
    assert everything.total <= 100
    pages = [
        hit.key
        for offset in range(0, everything.total, 7)
        for hit in search("水", limit=7, offset=offset).hits
    ]
    assert pages == [h.key for h in everything.hits]
    assert len(set(pages)) == everything.total


def test_facet_groups_are_shared_by_records_with_the_same_values(
    plan_version: PlanVersion,
) -> None:
    rebuild_index()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(DISTINCT facet_group) FROM search_posting")
        row = cursor.fetchone()
    assert row is not None
    assert row[0] == FacetGroup.objects.count() < SearchDocument.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_no_postings_behind(plan_version: PlanVersion) -> None:
    rebuild_index()
    theme = SearchDocument.objects.filter(kind="theme").first()
    assert theme is not None
    assert stored_postings(theme.pk)
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM search_posting")
        row = cursor.fetchone()
    assert row == (0,)
    assert not TermFrequency.objects.exists()


def test_an_index_built_with_another_glossary_is_rebuilt(plan_version: PlanVersion) -> None:
    rebuild_index()
    IndexState.objects.update(glossary_digest="an older glossary")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_posting WHERE term LIKE %s", ["~%"])
    results = search("hydrogen", limit=100)
    assert IndexState.objects.get().glossary_digest != "an older glossary"
    assert any("水素" in h.text for h in results.hits)
