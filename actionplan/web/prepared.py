"""Queries of the public read paths, compiled to SQL once per process and database.

Why: profiling the pages and API answers built on each request (`bench/portal.py`,
`PUBLIC_CACHES=off`) showed that most of their time went into the ORM turning querysets into SQL,
not into the database: the 23 developments of a version cost 1.6 ms with `.values()` (2.4 ms as
model instances) and 0.18 ms as the same SQL run directly (SQLite, medians of 50). The ORM still
writes the SQL, for whichever database is configured; a `PreparedQuery` only keeps what it wrote,
with the places of its parameters, and runs it again with new values. Nothing of the data is kept:
every call reads the database.

    ACTION = PreparedQuery(
        lambda action_id: Action.objects.filter(pk=action_id).values("id", "key", "theme__code"),
        action_id=int,
    )
    row = ACTION.first(action_id=41)   # {"id": 41, "key": "...", "theme__code": "..."} or None

The query is built with a sentinel value for each named parameter, twice with different ones:
each parameter must reach the SQL as a value of its own (equality, comparisons), never inside a
value computed from it (`pk + 1`, a list for `__in`), which the second build catches. None is
no argument (`= NULL` is not `IS NULL`). Rows come back as dicts keyed by the `values()` names,
with the database backend's converters applied (dates, decimals, booleans on SQLite), as
`values()` returns them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet

# Values that stand for the parameters while the ORM writes the SQL: each must be one that no
# constant of a query is, and within the range of every integer field, the smallest included
# (Django answers a lookup with an out-of-range value with an empty result, without SQL).
_SENTINELS: dict[type, Callable[[int], Any]] = {
    int: lambda n: 32_000 + n,
    str: lambda n: f"\x1fprepared-parameter-{n}\x1f",
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of the SQL: the name of the caller's argument, or None for a constant.
    slots: tuple[str | None, ...]
    constants: tuple[Any, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


class PreparedQuery:
    """A `values()` queryset built by `build(**parameters)`, compiled on first use."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        names: Mapping[str, str] | None = None,
        **parameters: type,
    ) -> None:
        """`names` renames columns in the rows (``{"theme__code": "theme_code"}``): rows come
        out as the caller hands them on, without a second dict per row."""
        self._build = build
        self._names = dict(names or {})
        self._parameters = parameters
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()
        self._model: type[Model] | None = None

    def _sentinels(self, base: int = 0) -> dict[str, Any]:
        return {
            name: _SENTINELS[kind](base + n)
            for n, (name, kind) in enumerate(self._parameters.items())
        }

    def _sql(self, alias: str, base: int) -> tuple[Any, str, list[Any], list[str | None]]:
        sentinels = self._sentinels(base)
        queryset = self._build(**sentinels)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in sentinels.items()}
        slots = [by_value.get(p) if isinstance(p, int | str) else None for p in params]
        return compiler, sql, list(params), slots

    def _compile(self, alias: str) -> _Compiled:
        compiler, sql, params, slots = self._sql(alias, 0)
        query = compiler.query
        # The order in which Django's own ValuesIterable names the columns.
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        if not names:
            raise TypeError("a prepared query must be a values() queryset naming its columns")
        unknown = set(self._names) - set(names)
        if unknown:
            raise TypeError(f"renamed columns not in the query: {sorted(unknown)}")
        names = tuple(self._names.get(name, name) for name in names)
        if len(set(names)) != len(names):
            raise TypeError(f"two columns under one name: {sorted(names)}")
        missing = set(self._parameters) - {s for s in slots if s is not None}
        if missing:
            raise TypeError(f"parameters not in the SQL as values of their own: {sorted(missing)}")
        # Built again with other sentinels: a constant that changes was computed from a
        # parameter (pk + 1, a list around it), which the SQL would keep from the first build.
        _, again_sql, again_params, again_slots = self._sql(alias, 500)
        if (
            again_sql != sql
            or again_slots != slots
            or any(
                slot is None and first != second
                for slot, first, second in zip(slots, params, again_params, strict=True)
            )
        ):
            raise TypeError(f"parameters used in computed values: {sorted(self._parameters)}")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            constants=tuple(params),
            names=names,
            converters=tuple((i, tuple(funcs), expr) for i, (funcs, expr) in converters.items()),
        )

    def _for(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    def rows(self, **arguments: Any) -> list[dict[str, Any]]:
        if arguments.keys() != self._parameters.keys():
            raise TypeError(f"arguments {sorted(arguments)}, expected {sorted(self._parameters)}")
        if any(value is None for value in arguments.values()):
            raise TypeError("None is no argument of a prepared query")
        if self._model is None:
            self._model = self._build(**self._sentinels()).model
        alias = router.db_for_read(self._model)
        compiled = self._for(alias)
        params = [
            arguments[slot] if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        names = compiled.names
        if not compiled.converters:
            return [dict(zip(names, row, strict=True)) for row in fetched]
        result = []
        for row in fetched:
            values = list(row)
            for index, funcs, expression in compiled.converters:
                value = values[index]
                for func in funcs:
                    value = func(value, expression, connection)
                values[index] = value
            result.append(dict(zip(names, values, strict=True)))
        return result

    def first(self, **arguments: Any) -> dict[str, Any] | None:
        rows = self.rows(**arguments)
        return rows[0] if rows else None

    def instances(self, **arguments: Any) -> list[Any]:
        """The rows as model instances, as the ORM would have built them; the query must
        select exactly the model's `columns()`. Related objects are not loaded (attach them, or
        each access asks the database)."""
        if self._names:
            raise TypeError("renamed columns make no model instance")
        rows = self.rows(**arguments)
        model = self._model
        if model is None:  # set by rows()
            raise RuntimeError("no model")
        alias = router.db_for_read(model)
        return [model.from_db(alias, list(row), list(row.values())) for row in rows]

    def instance(self, row: dict[str, Any]) -> Any:
        """One row of `rows()` as a model instance (see `instances()`)."""
        if self._names:
            raise TypeError("renamed columns make no model instance")
        if self._model is None:
            raise RuntimeError("no rows read yet")
        alias = router.db_for_read(self._model)
        return self._model.from_db(alias, list(row), list(row.values()))

    def first_instance(self, **arguments: Any) -> Any:
        """The first of `instances()`, or None."""
        found = self.instances(**arguments)
        return found[0] if found else None


def columns(model: type[Model]) -> list[str]:
    """The names that load a whole instance of `model` (for `PreparedQuery.first_instance`)."""
    return [field.attname for field in model._meta.concrete_fields]
