"""Plain multi-row inserts for the importer's large tables.

`bulk_create` builds a model instance and prepares every field of every row; for an edition of
a few hundred rows that costs more than the database work itself. The importer's rows are
already clean Python values (text, integers, decimals, None), so they go straight to the
driver through Django's cursor (same SQL on SQLite and PostgreSQL). History rows are not
written for them: the import is recorded as its PlanVersion; later edits are recorded row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; every row has the same keys."""
    if not rows:
        return
    meta = model._meta
    names = list(rows[0])
    by_attname = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = [by_attname[name] for name in names]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(row[name] for name in names) for row in rows])
