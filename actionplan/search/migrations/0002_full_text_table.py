"""The full-text table over the index's terms: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create_sql(vendor: str) -> list[str]:
    # As it was created then (migration 0004 replaces it with the postings table).
    if vendor == "postgresql":
        return [
            "CREATE TABLE search_fts (doc_id bigint PRIMARY KEY, terms tsvector NOT NULL)",
            "CREATE INDEX search_fts_terms ON search_fts USING gin (terms)",
        ]
    return [
        "CREATE VIRTUAL TABLE search_fts USING fts5(terms, "
        "tokenize='unicode61 remove_diacritics 0')"
    ]


def create(apps: Any, schema_editor: Any) -> None:
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
