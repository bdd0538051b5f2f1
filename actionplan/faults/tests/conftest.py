"""A site of its own per database backend, prepared once for the package's live tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import live


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest) -> Iterator[tuple[live.Site, Path]]:
    if request.param == "sqlite":
        with live.sqlite_site() as (site, folder):
            yield site, folder
    else:
        with live.postgres_site() as (site, folder, _cluster):
            yield site, folder
