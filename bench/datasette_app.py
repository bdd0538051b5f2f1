"""Datasette as an ASGI app, so that uvicorn can run it in several processes (`--workers N`),
for comparisons at equal process counts. The database is `BENCH_DATASETTE_DB`, served
read-only and immutable, as `datasette serve -i` does."""

from __future__ import annotations

import os

from datasette.app import Datasette  # type: ignore[import-untyped]

app = Datasette(
    immutables=[os.environ["BENCH_DATASETTE_DB"]], settings={"suggest_facets": False}
).app()
