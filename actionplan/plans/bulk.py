"""Plain multi-row inserts for the importer's large tables, with their history rows.

`bulk_create` builds a model instance and prepares every field of every row, and sends no
signals, so django-simple-history writes no history for it. The importer's rows are already
clean Python values (text, integers, decimals, None), so they go straight to the driver through
Django's cursor (same SQL on SQLite and PostgreSQL), one `executemany` per table. Primary keys
are reserved up front (`reserve_ids`), which lets a row name its parent, its theme or its
agreement before anything is written, and lets each row's history row be written next to it in
the same way: a "created" record per row, as django-simple-history would write for `save()`.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def reserve_ids(
    counts: Mapping[type[models.Model], int],
) -> dict[type[models.Model], Iterator[int]]:
    """Primary keys for `count` new rows of each model, in one query.

    PostgreSQL hands them out from each table's sequence, so concurrent writers never collide.
    SQLite continues after both the largest key and the table's AUTOINCREMENT counter; this is
    safe because the caller is inside a write transaction (`transaction_mode` IMMEDIATE holds
    the database's write lock from its start), and the counter follows the keys inserted.
    """
    wanted = [(model, n) for model, n in counts.items() if n > 0]
    ids: dict[type[models.Model], Iterator[int]] = {model: iter(()) for model in counts}
    if not wanted:
        return ids
    selects: list[str] = []
    params: list[Any] = []
    for model, n in wanted:
        pk = connection.ops.quote_name(model._meta.pk.column)
        if connection.vendor == "postgresql":
            selects.append(
                "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
            )
            params += [_table(model), model._meta.pk.column, n]
        elif connection.vendor == "sqlite":
            selects.append(
                f"max(coalesce((SELECT max({pk}) FROM {_table(model)}), 0), "  # noqa: S608
                f"coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))"
            )
            params.append(model._meta.db_table)
        else:
            selects.append(f"coalesce((SELECT max({pk}) FROM {_table(model)}), 0)")  # noqa: S608
    with connection.cursor() as cursor:
        # Table and column names come from the models' metadata; counts are parameters.
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    for (model, n), value in zip(wanted, row, strict=True):
        if connection.vendor == "postgresql":
            ids[model] = iter(value)
        else:
            ids[model] = iter(range(value + 1, value + 1 + n))
    return ids


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; every row has the same keys."""
    if not rows:
        return
    names = list(rows[0])
    _insert(model, names, _values(rows, names))


def _values(rows: Sequence[dict[str, Any]], names: list[str]) -> list[tuple[Any, ...]]:
    if len(names) == 1:
        return [(row[names[0]],) for row in rows]
    return list(map(operator.itemgetter(*names), rows))


def _insert(model: type[models.Model], names: list[str], values: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(model, tuple(names), connection.vendor), values)


@functools.cache
def _insert_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> str:
    by_attname = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; every value is a parameter.
    return "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        _table(model),
        ", ".join(quote(by_attname[name]) for name in names),
        ", ".join(["%s"] * len(names)),
    )


class HistoryStamp:
    """When, by whom and why: the fields that every history row of one import shares.

    The user is found the way django-simple-history finds it for `save()` (the signed-in user of
    the current request, through its middleware), asked of the record the import is about.
    """

    def __init__(self, about: models.Model, reason: str) -> None:
        user = history_model(type(about)).get_default_history_user(about)  # type: ignore[attr-defined]
        self.fields = {
            "history_date": connection.ops.adapt_datetimefield_value(timezone.now()),
            "history_change_reason": reason[:100],
            "history_type": "+",
            "history_user_id": user.pk if user is not None else None,
        }


@functools.cache
def history_model(model: type[models.Model]) -> type[models.Model]:
    """The historical model of a model (looked up on the class: reading `Model.history` builds
    a new manager class each time)."""
    attribute = model._meta.simple_history_manager_attribute  # type: ignore[attr-defined]
    return inspect.getattr_static(model, attribute).model  # type: ignore[no-any-return]


def insert_with_history(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    stamp: HistoryStamp,
    history_ids: Iterator[int] | None = None,
) -> None:
    """Insert rows (with their `id`) and a "created" history row for each.

    `history_ids`, when given, are the history rows' own keys (from `reserve_ids` on the
    historical model), for history rows of related tables that must point at them.
    """
    if not rows:
        return
    names = list(rows[0])
    values = _values(rows, names)
    _insert(model, names, values)
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = history_model(model)
    if history_ids is not None:
        tail = tuple(stamp.fields.values())
        _insert(
            history,
            [*names, *stamp.fields, "history_id"],
            [(*row, *tail, next(history_ids)) for row in values],
        )
        return
    # Copied by the database from the rows just written: cheaper than sending them again.
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        with connection.cursor() as cursor:
            cursor.execute(
                _copy_sql(model, history, tuple(names), tuple(stamp.fields), len(chunk)),
                [*stamp.fields.values(), *chunk],
            )


# Well under the number of parameters one statement may have (SQLite 32766, PostgreSQL 65535).
_IDS_PER_QUERY = 10_000


@functools.cache
def _copy_sql(
    model: type[models.Model],
    history: type[models.Model],
    names: tuple[str, ...],
    extra: tuple[str, ...],
    count: int,
) -> str:
    """INSERT … SELECT of rows by key into their history table, with `extra` history fields
    as parameters."""
    by_attname = {f.attname: str(f.column) for f in history._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(by_attname[name]) for name in names)
    history_columns = ", ".join(quote(by_attname[name]) for name in extra)
    pk = quote(str(model._meta.pk.column))
    # Table and column names come from the models' metadata; every value is a parameter.
    return (
        f"INSERT INTO {_table(history)} ({columns}, {history_columns}) "  # noqa: S608
        f"SELECT {columns}, {', '.join(['%s'] * len(extra))} FROM {_table(model)} "
        f"WHERE {pk} IN ({', '.join(['%s'] * count)})"
    )


def insert_links_with_history(
    owner: type[models.Model],
    field_name: str,
    rows: Sequence[dict[str, Any]],
    history_id_of: Mapping[int, int],
) -> None:
    """Insert rows of a many-to-many table (with their `id`) and, where the owner's history
    records that relation, the history rows that attach them to the owner's new history row
    (`history_id_of`: owner id → its history row's key)."""
    field = owner._meta.get_field(field_name)
    if not isinstance(field, models.ManyToManyField):
        raise TypeError(f"{owner.__name__}.{field_name} is not a many-to-many field")
    through: type[models.Model] = getattr(owner, field_name).through
    insert_rows(through, rows)
    m2m_history = HistoricalRecords.m2m_models.get(field)
    if not rows or m2m_history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    source = f"{field.m2m_field_name()}_id"
    insert_rows(m2m_history, [{**row, "history_id": history_id_of[row[source]]} for row in rows])


def record_history(instance: models.Model, stamp: HistoryStamp, history_type: str) -> None:
    """One history row for a record saved without django-simple-history's own row (created
    with `skip_history_when_saving`, or changed by a queryset `update`)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = history_model(type(instance))
    row = {
        field.attname: field.get_db_prep_value(getattr(instance, field.attname), connection)
        for field in history.tracked_fields  # type: ignore[attr-defined]
    }
    insert_rows(history, [{**row, **stamp.fields, "history_type": history_type}])
