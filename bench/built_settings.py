"""Settings for measuring pages and API answers built on every request.

Everything as in production (`actionplan.settings`), except that the shared cache forgets the
stored pages and API answers: every request builds its answer. The data stamp, which is state
and not a cache of answers, is kept, so nothing else changes. Used with `PUBLIC_CACHES=off` and
`PUBLIC_MEMORY_CACHE_MB=0`, which turn off the per-process memory of answers; this module keeps
the measurement honest on code that predates `PUBLIC_CACHES`.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.db import DatabaseCache

from actionplan.settings import *  # noqa: F403
from actionplan.settings import CACHES

# Keys of stored answers: whole portal pages and API responses.
ANSWER_PREFIXES = ("portal:page:", "api:response:")


def _answer(key: str) -> bool:
    return key.startswith(ANSWER_PREFIXES)


class AnswerMissCache(DatabaseCache):
    """The database cache, minus stored answers: they are never found and never written."""

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return default if _answer(key) else super().get(key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return super().get_many([k for k in keys if not _answer(k)], version)

    def set(self, key: str, value: Any, timeout: Any = None, version: int | None = None) -> None:
        if not _answer(key):
            super().set(key, value, timeout, version)


if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CACHES["default"]["BACKEND"] = "bench.built_settings.AnswerMissCache"
