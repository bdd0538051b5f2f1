"""The two tables behind the index, in SQL that SQLite and PostgreSQL answer alike.

**Match index.** ``search_fts`` holds, for each indexed record, every term it has postings for,
as the Python tokenizer produced them: on SQLite a contentless FTS5 table (``rowid`` = the
record's id; the ``ascii`` tokenizer keeps each stored term one token, as written; a row is
removed with FTS5's ``delete`` command and the terms read back from the postings), on PostgreSQL
a ``tsvector`` built with ``array_to_tsvector`` under a GIN index, beside the record's facet
group, queried with a ``tsquery`` literal so that PostgreSQL's parsers never re-cut the terms.
Both answer the same boolean query (AND of clauses, each an OR of alternatives, each an AND of
terms; a term may be a prefix): ``match`` finds the records that hold a query of several words.

**Postings.** ``search_posting(term, document_id, facet_group, weight)`` holds one row per
distinct term of a document, and one per glossary group the document matches (a term of its
own, see ``postings.py``), with the term's BM25F weight in that document computed once, in
Python, when the document is indexed. Ranking a one-term query is then a top-k read of the index
on ``(term, weight DESC)``; the records ``match`` finds read their weights from the postings by
primary key. Each posting carries its record's ``facet_group`` (a small integer standing for the
record's kind, theme, fiscal year, actor and member governments), and ``search_termfrequency``
(Django's ``TermFrequency``) counts the postings per term and facet group, written with them: a
one-term query's total and facet counts are read, not counted.

The tables have no foreign key: Django's flush truncates only its own tables, and PostgreSQL
refuses to truncate a table another one references. Deletes go through ``delete``/``clear`` and
``remove_orphans`` sweeps what a flush leaves behind. On PostgreSQL ``term`` has the "C"
collation, so that a prefix is a range of the index in code point order, as on SQLite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction

BATCH = 900  # ids per IN (...) list, below every database's limit on parameters
SEARCH_TABLES = ("search_posting", "search_termfrequency", "search_fts", "search_searchdocument")


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


# A query: AND over clauses; a clause is an OR over alternatives; an alternative, AND over terms.
Alternative = tuple[Term, ...]
Clause = tuple[Alternative, ...]

# A posting as read back: document id → (weight, facet group).
Postings = dict[int, tuple[float, int]]


def _chunks(within: Sequence[int] | None) -> list[Sequence[int] | None]:
    if within is None:
        return [None]
    return [within[i : i + BATCH] for i in range(0, len(within), BATCH)]


def is_postgresql(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def insert(
    rows: Sequence[tuple[str, int, int, float]], documents: Sequence[tuple[int, int]]
) -> None:
    """Add postings: (term, document id, facet group, weight), and each of ``documents``
    (document id, facet group) to the match index with the terms of its postings. The caller
    counts them (``add_counts``) once for all its batches: on PostgreSQL every update of a count
    leaves a dead row version behind until the next vacuum."""
    if is_postgresql():
        _insert_postgresql(rows, documents)
        return
    terms: dict[int, list[str]] = {pk: [] for pk, _ in documents}
    for term, pk, _, _ in rows:
        terms[pk].append(term)
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_posting (term, document_id, facet_group, weight) "
            "VALUES (%s, %s, %s, %s)",
            rows,
        )
        cursor.executemany(
            "INSERT INTO search_fts (rowid, terms) VALUES (%s, %s)",
            [(pk, " ".join(terms[pk])) for pk, _ in documents],
        )


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows (callers send at least one) as one list per column: the arrays that ``unnest``
    turns back into rows."""
    return [list(column) for column in zip(*rows, strict=True)]


# PostgreSQL: one statement per batch, its rows as arrays that ``unnest`` turns back into rows.
# An executemany sends one statement per row (tens of thousands per plan version: one per
# posting), each parsed, planned and executed on its own by the server; SQLite runs them
# in-process, where a statement costs next to nothing.
POSTGRESQL_INSERT_POSTINGS = (
    "INSERT INTO search_posting (term, document_id, facet_group, weight) "
    "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::integer[], %s::double precision[])"
)
# The match index row of each document, with the terms of the postings just written.
POSTGRESQL_INSERT_MATCH = (
    "INSERT INTO search_fts (doc_id, facet_group, terms) "
    "SELECT d.id, d.facet_group, array_to_tsvector(COALESCE("
    "(SELECT array_agg(p.term) FROM search_posting p WHERE p.document_id = d.id), '{}'::text[]"
    ")) FROM unnest(%s::bigint[], %s::integer[]) AS d (id, facet_group)"
)
POSTGRESQL_ADD_COUNTS = (
    "INSERT INTO search_termfrequency (term, facet_group, documents) "
    "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::integer[]) "
    "ON CONFLICT (term, facet_group) "
    "DO UPDATE SET documents = search_termfrequency.documents + excluded.documents"
)
# The counts of the postings about to be deleted, taken off in one statement (the postings'
# terms have the "C" collation; the counts', the database's, whose index finds them).
POSTGRESQL_UNCOUNT = (
    "UPDATE search_termfrequency AS f SET documents = f.documents - c.n "
    "FROM (SELECT term, facet_group, COUNT(*) AS n FROM search_posting "
    "WHERE document_id = ANY(%s::bigint[]) GROUP BY term, facet_group) AS c "
    'WHERE f.term = c.term COLLATE "default" AND f.facet_group = c.facet_group'
)


def _insert_postgresql(
    rows: Sequence[tuple[str, int, int, float]], documents: Sequence[tuple[int, int]]
) -> None:
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(POSTGRESQL_INSERT_POSTINGS, _columns(rows))
        if documents:
            cursor.execute(POSTGRESQL_INSERT_MATCH, _columns(documents))


def add_counts(counts: Counter[tuple[str, int]]) -> None:
    """Count postings added: documents per (term, facet group)."""
    rows = [(term, group, n) for (term, group), n in counts.items()]
    if is_postgresql():
        if rows:
            with connection.cursor() as cursor:
                cursor.execute(POSTGRESQL_ADD_COUNTS, _columns(rows))
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_termfrequency (term, facet_group, documents) VALUES (%s, %s, %s) "
            "ON CONFLICT (term, facet_group) "
            "DO UPDATE SET documents = search_termfrequency.documents + excluded.documents",
            rows,
        )


def _unmatch(cursor: Any, ids: str, params: Sequence[int], using: str = "default") -> None:
    """Remove documents from the match index: those the condition ``ids`` selects (``{id}``
    stands for the id column). On SQLite, before their postings go: FTS5's delete command needs
    the terms a row was written with, and the postings hold them (a document without terms left
    nothing to delete); PostgreSQL deletes by id."""
    if is_postgresql(using):
        cursor.execute(
            f"DELETE FROM search_fts WHERE {ids.format(id='doc_id')}",  # noqa: S608 - placeholders only
            list(params),
        )
        return
    cursor.execute(
        "SELECT document_id, group_concat(term, ' ') FROM search_posting "  # noqa: S608 - placeholders only
        f"WHERE {ids.format(id='document_id')} GROUP BY document_id",
        list(params),
    )
    cursor.executemany(
        "INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', %s, %s)",
        cursor.fetchall(),
    )


def delete(ids: Sequence[int]) -> None:
    """Remove documents' postings and match index rows, and uncount them."""
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            params = list(chunk or ())
            where = f"document_id IN ({', '.join('%s' for _ in params)})"
            if is_postgresql():
                cursor.execute(POSTGRESQL_UNCOUNT, [params])
            else:
                cursor.execute(
                    "SELECT term, facet_group, COUNT(*) FROM search_posting "  # noqa: S608 - placeholders only
                    f"WHERE {where} GROUP BY term, facet_group",
                    params,
                )
                cursor.executemany(
                    "UPDATE search_termfrequency SET documents = documents - %s "
                    "WHERE term = %s AND facet_group = %s",
                    [(n, term, group) for term, group, n in cursor.fetchall()],
                )
            _unmatch(cursor, "{id} IN (" + ", ".join("%s" for _ in params) + ")", params)
            cursor.execute(f"DELETE FROM search_posting WHERE {where}", params)  # noqa: S608 - placeholders only
        cursor.execute("DELETE FROM search_termfrequency WHERE documents <= 0")


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_posting")
        cursor.execute("DELETE FROM search_termfrequency")
        if is_postgresql():
            cursor.execute("DELETE FROM search_fts")
        else:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")


def vacuum() -> None:
    """After a full rebuild has committed: on PostgreSQL, vacuum and analyze the index tables,
    instead of leaving it to autovacuum: the weights are then read from the postings' primary
    key alone (an index-only scan needs the pages marked all-visible), the GIN index's pending
    list is merged (a query reads it row by row), the rows the rebuild deleted are gone and the
    planner knows the new tables. Not possible, and skipped, inside a transaction."""
    if not is_postgresql() or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(SEARCH_TABLES)}")


def remove_orphans(using: str = "default") -> None:
    """Delete postings and match index rows whose document is gone (after a flush of Django's
    own tables), and count the rest again if there were any."""
    # One transaction: FTS5's delete command must not run twice for the same row.
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # Not there while migrations stop short of the ones that create them.
        tables = connections[using].introspection.table_names(cursor)
        if "search_posting" not in tables:
            return
        orphans = "{id} NOT IN (SELECT id FROM search_searchdocument)"
        if "search_fts" in tables:
            _unmatch(cursor, orphans, [], using)
        cursor.execute(f"DELETE FROM search_posting WHERE {orphans.format(id='document_id')}")  # noqa: S608 - a constant condition
        if cursor.rowcount:
            cursor.execute("DELETE FROM search_termfrequency")
            cursor.execute(
                "INSERT INTO search_termfrequency (term, facet_group, documents) "
                "SELECT term, facet_group, COUNT(*) FROM search_posting GROUP BY term, facet_group"
            )


def _in(column: str, values: Sequence[int]) -> str:
    return f" AND {column} IN ({', '.join('%s' for _ in values)})"


def current_side() -> int:
    """The side of the index searches read (1 or -1; see ``models.SIDES``)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT side FROM search_indexstate ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def _groups(
    groups: Sequence[int] | None, column: str = "facet_group", side: int | None = None
) -> tuple[str, list[int]]:
    """SQL restricting postings to some facet groups (signed ids), or (None) to every group of
    the side searches read (by default the current one): the other side may hold a rebuild in
    progress."""
    if groups is None:
        side = current_side() if side is None else side
        return f" AND {column} {'>' if side > 0 else '<'} 0", []
    return _in(column, groups), list(groups)


def group_counts(
    term: str, groups: Sequence[int] | None, side: int | None = None
) -> dict[int, int]:
    """How many documents hold the term, per facet group."""
    where, params = _groups(groups, side=side)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT facet_group, documents FROM search_termfrequency "  # noqa: S608 - placeholders only
            f"WHERE term = %s{where}",
            [term, *params],
        )
        return {int(g): int(n) for g, n in cursor.fetchall()}


def frequencies(terms: Sequence[str], side: int | None = None) -> dict[str, int]:
    """How many documents hold each of the terms (a term no document holds is left out)."""
    if not terms:
        return {}
    where, _ = _groups(None, side=side)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, SUM(documents) FROM search_termfrequency "  # noqa: S608 - placeholders only
            f"WHERE term IN ({', '.join('%s' for _ in terms)}){where} GROUP BY term",
            list(terms),
        )
        return {str(term): int(n) for term, n in cursor.fetchall() if n}


def top(term: str, groups: Sequence[int] | None, count: int, side: int | None = None) -> Postings:
    """The ``count`` heaviest postings of a term, and every other posting as heavy as the last."""
    where, params = _groups(groups, side=side)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_id, weight, facet_group FROM search_posting "  # noqa: S608 - placeholders only
            f"WHERE term = %s{where} AND weight >= COALESCE(("
            f"SELECT weight FROM search_posting WHERE term = %s{where} "
            "ORDER BY weight DESC LIMIT 1 OFFSET %s), -1)",
            [term, *params, term, *params, count - 1],
        )
        return {int(d): (float(w), int(g)) for d, w, g in cursor.fetchall()}


def _prefix_range(term: Term) -> list[str]:
    """The range of terms that start with a prefix: the next code point after it bounds it."""
    return [term.text, term.text[:-1] + chr(ord(term.text[-1]) + 1)]


def prefix_postings(term: Term, groups: Sequence[int] | None, side: int | None = None) -> Postings:
    """For each document holding a term that starts with the prefix, its heaviest such term's
    weight (and the document's facet group): one range of the postings' primary key."""
    where, params = _groups(groups, side=side)
    found: Postings = {}
    with connection.cursor() as cursor:
        # Grouped here: the rows come in term order, and SQL's GROUP BY sorts them again.
        cursor.execute(
            "SELECT document_id, weight, facet_group FROM search_posting "  # noqa: S608 - placeholders only
            f"WHERE term >= %s AND term < %s{where}",
            [*_prefix_range(term), *params],
        )
        for document, weight, group in cursor.fetchall():
            if document not in found or weight > found[document][0]:
                found[document] = (weight, group)
    return found


def _fts5_term(term: Term) -> str:
    return '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")


def _tsquery_term(term: Term) -> str:
    text = term.text.replace("\\", "\\\\").replace("'", "''")
    return f"'{text}'" + (":*" if term.prefix else "")


def expression(clauses: Sequence[Clause]) -> str:
    """The boolean query in the match syntax of the database in use."""
    if is_postgresql():
        term, conj, disj = _tsquery_term, " & ", " | "
    else:
        term, conj, disj = _fts5_term, " AND ", " OR "
    return conj.join(
        "(" + disj.join("(" + conj.join(term(t) for t in alt) + ")" for alt in clause) + ")"
        for clause in clauses
    )


def _match_condition() -> str:
    """The condition on ``search_fts`` that a record matches a boolean query (one parameter)."""
    return "terms @@ %s::tsquery" if is_postgresql() else "search_fts MATCH %s"


def _weight_sql(term: Term, document: str) -> tuple[str, list[str]]:
    """A sub-select of a term's weight in a document (a prefix: its heaviest term with that
    start); NULL when the document does not hold it."""
    if term.prefix:
        return (
            "(SELECT MAX(weight) FROM search_posting "  # noqa: S608 - a constant column
            f"WHERE document_id = {document} AND term >= %s AND term < %s)",
            _prefix_range(term),
        )
    return (
        f"(SELECT weight FROM search_posting WHERE term = %s AND document_id = {document})",  # noqa: S608 - a constant column
        [term.text],
    )


def match(
    clauses: Sequence[Clause], groups: Sequence[int] | None, side: int | None = None
) -> tuple[list[Term], list[tuple[Any, ...]]]:
    """The documents the match index finds for the query (only those of some facet groups).

    Returns the query's distinct terms and a row per document: (document id, facet group, the
    weight of each term in that document, None where it does not hold it).

    A clause that is one plain term is held by every match: its postings are joined to the
    match index's rows by primary key (and give the facet group, which SQLite's match index does
    not hold); the weights of the other terms are looked up one by one."""
    terms = list(dict.fromkeys(t for clause in clauses for alt in clause for t in alt))
    joined = list(
        dict.fromkeys(
            c[0][0] for c in clauses if len(c) == 1 and len(c[0]) == 1 and not c[0][0].prefix
        )
    )
    postgresql = is_postgresql()
    source, condition = "search_fts", _match_condition()
    if postgresql:
        document, group = "search_fts.doc_id", "search_fts.facet_group"
    elif joined:
        document, group = "search_fts.rowid", "p0.facet_group"
    else:
        document, group = "m.id", "m.facet_group"
        source = (
            "(SELECT rowid AS id, (SELECT facet_group FROM search_posting "  # noqa: S608 - a constant
            "WHERE document_id = search_fts.rowid LIMIT 1) AS facet_group "
            f"FROM search_fts WHERE {condition}) AS m"
        )
        condition = "1 = 1"
    # SQLite joins CROSS JOINs in the order written: the match index drives.
    source += "".join(f" CROSS JOIN search_posting p{n}" for n in range(len(joined)))
    conditions = [condition]
    for n in range(len(joined)):
        conditions += [f"p{n}.term = %s", f"p{n}.document_id = {document}"]
    selects: list[str] = []
    params: list[Any] = []
    for term in terms:
        if term in joined:
            selects.append(f"p{joined.index(term)}.weight")
            continue
        sql, values = _weight_sql(term, document)
        selects.append(sql)
        params += values
    where, group_params = _groups(groups, group, side)
    sql = (
        f"SELECT {document}, {group}, {', '.join(selects)} "  # noqa: S608 - placeholders only
        f"FROM {source} WHERE {' AND '.join(conditions)}{where}"
    )
    params += [expression(clauses), *(t.text for t in joined), *group_params]
    if not postgresql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return terms, cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL estimates a GIN match of several words at a row or two (2,023 found for
        # 空飛ぶ車 over the 165,000-record corpus), so it would look every weight up by key;
        # hashing the words' posting lists measured 1.4-2x faster. For this query only: SET
        # LOCAL ends with the transaction, DEFAULT restores it inside an outer one.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
    return terms, rows


def match_count(clauses: Sequence[Clause]) -> int:
    """How many documents the match index finds for the query (for an IDF: while a rebuild
    writes the other side, its documents count too, for those seconds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM search_fts WHERE {_match_condition()}",  # noqa: S608 - a constant
            [expression(clauses)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def keys(ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(id, kind, key) of documents: what ranks documents of equal score. Plain SQL: the ORM's
    preparation of each value of a long IN list costs more than the query."""
    found: list[tuple[int, str, str]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(
                "SELECT id, kind, key FROM search_searchdocument "  # noqa: S608 - placeholders only
                f"WHERE id IN ({', '.join('%s' for _ in chunk or ())})",
                list(chunk or ()),
            )
            found += [(int(pk), str(kind), str(key)) for pk, kind, key in cursor.fetchall()]
    return found
