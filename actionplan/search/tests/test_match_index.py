"""The full-text match index (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL): it holds the
postings' terms of every record, follows edits and flushes, and decides what a query of several
words finds."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.management import call_command
from django.db import connection

from actionplan.plans.models import Hub, PlanVersion
from actionplan.search import backends
from actionplan.search.actions import rebuild_index
from actionplan.search.backends import Clause, Term
from actionplan.search.models import Kind, SearchDocument
from actionplan.search.queries import parse_query, search
from actionplan.search.tests.test_postings import (
    brute_force,
    match_groups,
    match_rows,
    posting_groups,
    posting_rows,
    stored_postings,
)

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


def test_every_record_is_in_the_match_index_with_the_terms_of_its_postings(
    plan_version: PlanVersion,
) -> None:
    count = rebuild_index()
    rows = match_rows()
    assert len(rows) == count == SearchDocument.objects.count()
    assert rows == posting_rows()
    if connection.vendor == "postgresql":
        assert match_groups() == posting_groups()
    # The stored terms are the tokenizer's, Japanese and glossary groups included, not re-cut.
    hydrogen = next(pk for pk, terms in rows.items() if "水素" in terms)
    assert any(t.startswith("~") for t in rows[hydrogen])


@pytest.mark.parametrize(
    "clauses",
    [
        # one word and its glossary group's term, several alternatives, a prefix (one kana)
        [((Term("水素"),),), ((Term("産業"),), (Term("industry"),))],
        [((Term("ア", prefix=True),),)],
        [((Term("蓄電池"),), (Term("蓄"), Term("電池"))), ((Term("産業"),),)],
        [((Term("クオッカ"),),)],
    ],
)
def test_match_finds_the_documents_holding_the_query_with_their_weights(
    plan_version: PlanVersion, clauses: list[Clause]
) -> None:
    rebuild_index()
    terms_asked, rows = backends.match(clauses, None)
    groups = posting_groups()
    found = {
        int(row[0]): {t: w for t, w in zip(terms_asked, row[2:], strict=True) if w is not None}
        for row in rows
    }
    assert {int(row[0]): int(row[1]) for row in rows} == {pk: groups[pk] for pk in found}
    expected: dict[int, dict[Term, float]] = {}
    for pk, terms in posting_rows().items():
        weights = stored_postings(pk)
        held: dict[Term, float] = {}
        for term in {t for clause in clauses for alt in clause for t in alt}:
            if term.prefix:
                starting = [w for text, w in weights.items() if text.startswith(term.text)]
                if starting:
                    held[term] = max(starting)
            elif term.text in terms:
                held[term] = weights[term.text]
        if all(any(all(t in held for t in alt) for alt in clause) for clause in clauses):
            expected[pk] = held
    assert found == expected
    assert backends.match_count(clauses) == len(expected)
    if clauses[0] != ((Term("クオッカ"),),):
        assert expected


def test_the_match_index_decides_what_a_query_of_several_words_finds(
    plan_version: PlanVersion,
) -> None:
    rebuild_index()
    q = "人材 育成"
    assert len(parse_query(q).clauses) == 2  # two words: the match index answers
    expected = brute_force(q)
    assert len(expected) >= 2
    assert {h.key for h in search(q, limit=100).hits} == set(
        SearchDocument.objects.filter(pk__in=list(expected)).values_list("key", flat=True)
    )
    # A record taken out of the match index alone is no longer found by the words together.
    gone = min(expected)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DELETE FROM search_fts WHERE doc_id = %s", [gone])
        else:
            cursor.execute(
                "INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', %s, %s)",
                [gone, " ".join(stored_postings(gone))],
            )
    assert search(q, limit=100).total == len(expected) - 1
    assert SearchDocument.objects.get(pk=gone).key not in {h.key for h in search(q).hits}


def test_the_migration_fills_the_match_index_from_the_postings(plan_version: PlanVersion) -> None:
    rebuild_index()
    before = match_rows()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DELETE FROM search_fts")
        else:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    migration = importlib.import_module("actionplan.search.migrations.0006_full_text_match_index")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_SQL[connection.vendor])
    assert match_rows() == before == posting_rows()
    assert search("水素 サプライチェーン").total == len(brute_force("水素 サプライチェーン"))


def test_clearing_the_index_empties_the_match_index(plan_version: PlanVersion) -> None:
    rebuild_index()
    assert match_rows()
    backends.clear()
    assert match_rows() == {}
    assert search("人材 育成").total == 0


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_nothing_in_the_match_index(plan_version: PlanVersion) -> None:
    rebuild_index()
    assert match_rows()
    call_command("flush", interactive=False, verbosity=0)
    assert match_rows() == {}


def match_ids() -> set[int]:
    """The ids the match index holds a row for (SQLite's contentless table: those with terms)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT doc_id FROM search_fts")
            return {int(row[0]) for row in cursor.fetchall()}
    return set(match_rows())


def test_a_record_without_words_leaves_no_match_index_row_behind(
    reference: None, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    rebuild_index()
    with django_capture_on_commit_callbacks(execute=True):
        hub = Hub.objects.create(name_ja="－", name_en="-", lat=34.7, lon=135.5)
    document = SearchDocument.objects.get(kind=Kind.HUB, object_id=hub.pk)
    assert document.title_terms == document.body_terms == ""
    with django_capture_on_commit_callbacks(execute=True):
        hub.name_en = "—"
        hub.save()
    assert match_ids() <= set(SearchDocument.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        hub.delete()
    assert match_ids() <= set(SearchDocument.objects.values_list("pk", flat=True))
    assert match_rows() == posting_rows()


def test_a_run_of_letters_too_long_to_be_a_word_is_left_out(
    reference: None, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    rebuild_index()
    long_word = "a" * 150
    hub = Hub.objects.first()
    assert hub is not None
    with django_capture_on_commit_callbacks(execute=True):
        hub.name_en = f"{long_word} quokka campus"
        hub.save()
    document = SearchDocument.objects.get(kind=Kind.HUB, object_id=hub.pk)
    assert long_word not in document.title_terms.split()
    assert long_word not in match_rows()[document.pk]
    # The long run is left out of the query too: the other words still find the hub.
    results = search(f"{long_word} quokka campus")
    assert [h.id for h in results.hits] == [hub.pk]


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_on_postgresql_leaves_weights_readable_from_the_key_alone(
    plan_version: PlanVersion,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's postings table is WITHOUT ROWID: its key holds every column")
    rebuild_index()
    with connection.cursor() as cursor:
        # The primary key carries the weight (two key columns, one included) ...
        cursor.execute(
            "SELECT indnkeyatts, indnatts FROM pg_index "
            "WHERE indexrelid = 'search_posting_pkey'::regclass"
        )
        assert cursor.fetchone() == (2, 3)
        # ... and the rebuild was vacuumed once committed: every page is all-visible.
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'search_posting'"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0
    assert visible == pages
