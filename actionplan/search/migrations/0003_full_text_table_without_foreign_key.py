"""PostgreSQL: drop the foreign key from ``search_fts`` so that Django's flush can truncate the index."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_foreign_key(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_fts DROP CONSTRAINT IF EXISTS search_fts_doc_id_fkey"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_table")]

    operations = [migrations.RunPython(drop_foreign_key, migrations.RunPython.noop)]
