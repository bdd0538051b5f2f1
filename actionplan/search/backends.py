"""The postings table behind the index, in SQL that SQLite and PostgreSQL answer alike.

``search_posting(term, document_id, facet_group, weight)`` holds one row per distinct term of a
document, and one per glossary group the document matches (a term of its own, see
``postings.py``), with the term's BM25F weight in that document computed once, in Python, when
the document is indexed. Ranking a one-term query is then a top-k read of the index on
``(term, weight DESC)``. Each posting carries its record's ``facet_group`` (a small integer
standing for the record's kind, theme, fiscal year, actor and member governments), and
``search_termfrequency`` (Django's ``TermFrequency``) counts the postings per term and facet
group, written with them: a one-term query's total and facet counts are read, not counted.

The table has no foreign key: Django's flush truncates only its own tables, and PostgreSQL
refuses to truncate a table another one references. Deletes go through ``delete``/``clear`` and
``remove_orphans`` sweeps what a flush leaves behind. On PostgreSQL ``term`` has the "C"
collation, so that a prefix is a range of the index in code point order, as on SQLite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, connections

BATCH = 900  # ids per IN (...) list, below every database's limit on parameters


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


def insert(rows: Sequence[tuple[str, int, int, float]]) -> None:
    """Add postings: (term, document id, facet group, weight), and count them."""
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_posting (term, document_id, facet_group, weight) "
            "VALUES (%s, %s, %s, %s)",
            rows,
        )
        counts = Counter((term, group) for term, _, group, _ in rows)
        cursor.executemany(
            "INSERT INTO search_termfrequency (term, facet_group, documents) VALUES (%s, %s, %s) "
            "ON CONFLICT (term, facet_group) "
            "DO UPDATE SET documents = search_termfrequency.documents + excluded.documents",
            [(term, group, n) for (term, group), n in counts.items()],
        )


def delete(ids: Sequence[int]) -> None:
    """Remove documents' postings, and uncount them."""
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            where = f"document_id IN ({', '.join('%s' for _ in chunk or ())})"
            cursor.execute(
                "SELECT term, facet_group, COUNT(*) FROM search_posting "  # noqa: S608 - placeholders only
                f"WHERE {where} GROUP BY term, facet_group",
                list(chunk or ()),
            )
            cursor.executemany(
                "UPDATE search_termfrequency SET documents = documents - %s "
                "WHERE term = %s AND facet_group = %s",
                [(n, term, group) for term, group, n in cursor.fetchall()],
            )
            cursor.execute(f"DELETE FROM search_posting WHERE {where}", list(chunk or ()))  # noqa: S608 - placeholders only
        cursor.execute("DELETE FROM search_termfrequency WHERE documents <= 0")


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_posting")
        cursor.execute("DELETE FROM search_termfrequency")


def remove_orphans(using: str = "default") -> None:
    """Delete postings whose document is gone (after a flush of Django's own tables), and count
    the rest again if there were any."""
    connection = connections[using]
    with connection.cursor() as cursor:
        # Not there while migrations stop short of the one that creates it.
        if "search_posting" not in connection.introspection.table_names(cursor):
            return
        cursor.execute(
            "DELETE FROM search_posting WHERE document_id NOT IN "
            "(SELECT id FROM search_searchdocument)"
        )
        if cursor.rowcount:
            cursor.execute("DELETE FROM search_termfrequency")
            cursor.execute(
                "INSERT INTO search_termfrequency (term, facet_group, documents) "
                "SELECT term, facet_group, COUNT(*) FROM search_posting GROUP BY term, facet_group"
            )


def _in(column: str, values: Sequence[int]) -> str:
    return f" AND {column} IN ({', '.join('%s' for _ in values)})"


def _groups(groups: Sequence[int] | None, column: str = "facet_group") -> tuple[str, list[int]]:
    """SQL restricting postings to some facet groups (None: all)."""
    if groups is None:
        return "", []
    return _in(column, groups), list(groups)


def group_counts(term: str, groups: Sequence[int] | None) -> dict[int, int]:
    """How many documents hold the term, per facet group."""
    where, params = _groups(groups)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT facet_group, documents FROM search_termfrequency "  # noqa: S608 - placeholders only
            f"WHERE term = %s{where}",
            [term, *params],
        )
        return {int(g): int(n) for g, n in cursor.fetchall()}


def document_frequency(term: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(documents) FROM search_termfrequency WHERE term = %s", [term])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def present_terms(terms: Sequence[str]) -> set[str]:
    """Those of the terms that some document holds."""
    if not terms:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT term FROM search_termfrequency "  # noqa: S608 - placeholders only
            f"WHERE term IN ({', '.join('%s' for _ in terms)})",
            list(terms),
        )
        return {str(row[0]) for row in cursor.fetchall()}


def top(term: str, groups: Sequence[int] | None, count: int) -> Postings:
    """The ``count`` heaviest postings of a term, and every other posting as heavy as the last."""
    where, params = _groups(groups)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_id, weight, facet_group FROM search_posting "  # noqa: S608 - placeholders only
            f"WHERE term = %s{where} AND weight >= COALESCE(("
            f"SELECT weight FROM search_posting WHERE term = %s{where} "
            "ORDER BY weight DESC LIMIT 1 OFFSET %s), -1)",
            [term, *params, term, *params, count - 1],
        )
        return {int(d): (float(w), int(g)) for d, w, g in cursor.fetchall()}


def postings(term: Term, within: Sequence[int] | None = None) -> Postings:
    """A term's postings (a prefix: for each document, its heaviest term with that start),
    optionally only those of some documents."""
    if term.prefix:
        # The next code point after the prefix bounds the range of terms that start with it.
        end = term.text[:-1] + chr(ord(term.text[-1]) + 1)
        condition, params = "term >= %s AND term < %s", [term.text, end]
    else:
        condition, params = "term = %s", [term.text]
    found: Postings = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(within):
            where = "" if chunk is None else _in("document_id", chunk)
            cursor.execute(
                "SELECT document_id, weight, facet_group FROM search_posting "  # noqa: S608 - placeholders only
                f"WHERE {condition}{where}",
                [*params, *(chunk or ())],
            )
            for document, weight, group in cursor.fetchall():
                pk = int(document)
                if pk not in found or float(weight) > found[pk][0]:
                    found[pk] = (float(weight), int(group))
    return found


def intersection(
    terms: Sequence[str], groups: Sequence[int] | None, within: Sequence[int] | None = None
) -> dict[int, tuple[int, list[float]]]:
    """The documents holding every term (optionally only some documents): document id →
    (facet group, weight of each term).

    The first term drives (pass the rarest first): each of its postings is looked up in the
    others' by primary key. SQLite joins CROSS JOINs in the order written."""
    tables = " CROSS JOIN ".join(f"search_posting p{n}" for n in range(len(terms)))
    conditions = [f"p{n}.term = %s" for n in range(len(terms))]
    conditions += [f"p{n}.document_id = p0.document_id" for n in range(1, len(terms))]
    where, params = _groups(groups, "p0.facet_group")
    weights = ", ".join(f"p{n}.weight" for n in range(len(terms)))
    found: dict[int, tuple[int, list[float]]] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(within):
            documents = "" if chunk is None else _in("p0.document_id", chunk)
            cursor.execute(
                f"SELECT p0.document_id, p0.facet_group, {weights} FROM {tables} "  # noqa: S608 - placeholders only
                f"WHERE {' AND '.join(conditions)}{where}{documents}",
                [*terms, *params, *(chunk or ())],
            )
            for row in cursor.fetchall():
                found[int(row[0])] = (int(row[1]), [float(w) for w in row[2:]])
    return found


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
