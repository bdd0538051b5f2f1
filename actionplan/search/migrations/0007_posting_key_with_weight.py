"""PostgreSQL: the postings' primary key carries the weight, so that the records the match index
finds read their weights from the index alone (an index-only scan) instead of from the table.

SQLite's postings table is WITHOUT ROWID: its primary key already holds every column.
"""

from typing import Any

from django.db import migrations

WITH_WEIGHT = (
    "ALTER TABLE search_posting DROP CONSTRAINT search_posting_pkey, "
    "ADD CONSTRAINT search_posting_pkey PRIMARY KEY (term, document_id) INCLUDE (weight)"
)
WITHOUT_WEIGHT = (
    "ALTER TABLE search_posting DROP CONSTRAINT search_posting_pkey, "
    "ADD CONSTRAINT search_posting_pkey PRIMARY KEY (term, document_id)"
)


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WITH_WEIGHT)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WITHOUT_WEIGHT)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_full_text_match_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
