"""The two full-text tables behind the index, one per database, over the same terms.

SQLite: an FTS5 table ``search_fts(terms)`` with ``rowid`` = the document id and the ``unicode61``
tokenizer, which keeps our terms (letters and digits only) exactly as they are.
PostgreSQL: a table ``search_fts(doc_id, terms tsvector)`` with a GIN index; the ``tsvector`` is
built with ``array_to_tsvector`` and queried with a ``tsquery`` literal, so PostgreSQL's own
parsers never re-cut the terms. Both answer the same boolean query: AND of clauses, each an OR of
alternatives, each an AND of terms (a term may be a prefix).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, connections


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


# A query: AND over clauses; a clause is an OR over alternatives; an alternative, AND over terms.
Alternative = tuple[Term, ...]
Clause = tuple[Alternative, ...]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def create_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            # No foreign key: Django's flush truncates only its own tables, and PostgreSQL refuses
            # to truncate a table another one references. Deletes go through ``delete``/``clear``
            # and ``remove_orphans`` sweeps what a flush leaves behind.
            "CREATE TABLE search_fts (doc_id bigint PRIMARY KEY, terms tsvector NOT NULL)",
            "CREATE INDEX search_fts_terms ON search_fts USING gin (terms)",
        ]
    return [
        "CREATE VIRTUAL TABLE search_fts USING fts5(terms, "
        "tokenize='unicode61 remove_diacritics 0')"
    ]


def insert(rows: Iterable[tuple[int, Sequence[str]]]) -> None:
    """Add documents: (document id, its terms)."""
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.executemany(
                "INSERT INTO search_fts (doc_id, terms) VALUES (%s, array_to_tsvector(%s::text[]))",
                [(pk, sorted(set(terms))) for pk, terms in rows],
            )
        else:
            cursor.executemany(
                "INSERT INTO search_fts (rowid, terms) VALUES (%s, %s)",
                [(pk, " ".join(terms)) for pk, terms in rows],
            )


def delete(ids: Iterable[int]) -> None:
    column = "doc_id" if is_postgresql() else "rowid"
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM search_fts WHERE {column} = %s", [(i,) for i in ids])  # noqa: S608 - the column name is one of two constants


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_fts")


def remove_orphans(using: str = "default") -> None:
    """Delete full-text rows whose document is gone (after a flush of Django's own tables)."""
    column = "doc_id" if connections[using].vendor == "postgresql" else "rowid"
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM search_fts WHERE {column} NOT IN (SELECT id FROM search_searchdocument)"  # noqa: S608 - the column name is one of two constants
        )


def _fts5_term(term: Term) -> str:
    return '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")


def _tsquery_term(term: Term) -> str:
    text = term.text.replace("\\", "\\\\").replace("'", "''")
    return f"'{text}'" + (":*" if term.prefix else "")


def expression(clauses: Sequence[Clause]) -> str:
    """The boolean query in the syntax of the database in use."""
    if is_postgresql():
        term, conj, disj = _tsquery_term, " & ", " | "
    else:
        term, conj, disj = _fts5_term, " AND ", " OR "
    return conj.join(
        "(" + disj.join("(" + conj.join(term(t) for t in alt) + ")" for alt in clause) + ")"
        for clause in clauses
    )


def greatest(expressions: Sequence[str]) -> str:
    if len(expressions) == 1:
        return expressions[0]
    return ("GREATEST(" if is_postgresql() else "max(") + ", ".join(expressions) + ")"


def least(expressions: Sequence[str]) -> str:
    if len(expressions) == 1:
        return expressions[0]
    return ("LEAST(" if is_postgresql() else "min(") + ", ".join(expressions) + ")"


def position(column: str) -> str:
    """SQL for where a parameter occurs in a column (0 when it does not)."""
    return f"strpos({column}, %s)" if is_postgresql() else f"instr({column}, %s)"


def double(value: float) -> str:
    """A float literal both databases read as the same IEEE double (not numeric)."""
    return f"CAST({float(value)!r} AS DOUBLE PRECISION)"


def matching_ids_sql(clauses: Sequence[Clause]) -> tuple[str, list[str]]:
    """A sub-select of the ids of the documents that match."""
    if is_postgresql():
        return "SELECT doc_id FROM search_fts WHERE terms @@ %s::tsquery", [expression(clauses)]
    return "SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [expression(clauses)]
