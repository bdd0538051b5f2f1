"""The one rate limiter: fixed windows per client and scope, counted atomically where every
server process sees the same count.

- With Redis (REDIS_URL set): `INCR` on a key that expires with its window. INCR is atomic, and a
  counter in use is recently used, so Redis's LRU eviction takes idle cache entries first.
- Otherwise, in the database: one `INSERT … ON CONFLICT DO UPDATE SET count = count + 1
  RETURNING count` (the same statement on SQLite ≥ 3.35 and PostgreSQL), atomic under concurrency.

Why not django-ratelimit: it counts with the cache's `add`/`incr`, and Django's DatabaseCache
implements `incr` as a read followed by a write, which is not atomic (measured with the old
cache-based counter: limit 5, a burst of 30 concurrent requests → 8–9 accepted), and resets the
entry's expiry to the cache's default timeout of 300 s (the proposal window became 5 minutes).

Clients are keyed by an HMAC of their address (settings.SECRET_KEY), so no address is stored in
the clear.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from .client import client_address
from .models import RateCounter

logger = logging.getLogger(__name__)

# The clock the windows follow (replaced in tests to step through a window).
_clock = time.time


def client_key(request: HttpRequest) -> str:
    return salted_hmac("actionplan.web.ratelimit", client_address(request)).hexdigest()[:32]


def _uses_redis() -> bool:
    # The counters live where the cache does: REDIS_URL may be set for the task queue alone.
    return isinstance(caches["default"], RedisCache)


def _count_in_redis(key: str, window: int, window_start: int) -> int:
    client = cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]
    full_key = f"ratelimit:{key}:{window_start}"
    pipe = client.pipeline()
    # Created with its expiry (a little longer than the window, so that a clock step between
    # processes does not count a window twice), then counted: both atomic in Redis.
    pipe.set(full_key, 0, ex=window + 5, nx=True)
    pipe.incr(full_key)
    _, count = pipe.execute()
    return int(count)


def _count_in_database(key: str, window: int, window_start: int) -> int:
    table = RateCounter._meta.db_table
    expires = window_start + window
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, expires, hits) "  # noqa: S608 - our table
            "VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 "
            "RETURNING hits",
            [key, window_start, expires],
        )
        count = int(cursor.fetchone()[0])
        if count == 1:
            # A client's first request in a window: clear windows that are over (bounded work,
            # once per client and window). Housekeeping only: when the table is busy (a
            # locked SQLite table) it is left to the next first request, and this request,
            # already counted, is not failed or counted again by a retry.
            try:
                with transaction.atomic():
                    cursor.execute(f"DELETE FROM {table} WHERE expires <= %s", [window_start])  # noqa: S608
            except OperationalError:
                logger.info("rate counters: old windows left for the next request")
    return count


def hit(request: HttpRequest, scope: str, *, limit: int, window: int) -> int:
    """Count this request against `scope`; the seconds to wait when the client is over `limit`
    in the current window, else 0. `limit` 0 means no limit (nothing is counted)."""
    if limit <= 0:
        return 0
    now = int(_clock())
    window_start = now - now % window
    key = f"{scope}:{client_key(request)}"
    if _uses_redis():
        count = _count_in_redis(key, window, window_start)
    else:
        count = _count_in_database(key, window, window_start)
    if count > limit:
        return window_start + window - now
    return 0
