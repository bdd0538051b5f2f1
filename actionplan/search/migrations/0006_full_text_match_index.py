"""The full-text match index over the postings' terms: FTS5 on SQLite, a GIN index on PostgreSQL.

``search_fts`` holds, per indexed record, every term it has postings for (its words and the
glossary groups it matches), as the Python tokenizer produced them, and on PostgreSQL its facet
group. It is filled here from the postings already stored, so the index need not be rebuilt.
"""

from typing import Any

from django.db import migrations

# As created here; later changes go in migrations of their own.
CREATE_SQL = {
    "postgresql": [
        "CREATE TABLE search_fts (doc_id bigint PRIMARY KEY, facet_group integer NOT NULL, "
        "terms tsvector NOT NULL)",
        "CREATE INDEX search_fts_terms ON search_fts USING gin (terms)",
    ],
    "sqlite": [
        # Contentless (the postings hold the terms); the ascii tokenizer keeps every non-ASCII
        # character and '~' inside a token, so each stored term is one FTS5 token, exactly as
        # written; detail=none: matching needs no positions (ranking reads the postings).
        "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='', "
        "tokenize=\"ascii tokenchars '~'\", detail=none, columnsize=0)",
    ],
}

FILL_SQL = {
    "postgresql": "INSERT INTO search_fts (doc_id, facet_group, terms) "
    "SELECT document_id, MIN(facet_group), array_to_tsvector(array_agg(term)) "
    "FROM search_posting GROUP BY document_id",
    "sqlite": "INSERT INTO search_fts (rowid, terms) "
    "SELECT document_id, group_concat(term, ' ') FROM search_posting GROUP BY document_id",
}


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    for statement in CREATE_SQL[vendor]:
        schema_editor.execute(statement)
    schema_editor.execute(FILL_SQL[vendor])


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_term_frequencies"),
    ]

    operations = [migrations.RunPython(create, drop)]
