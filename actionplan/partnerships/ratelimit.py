"""A fixed-window counter per client in Django's cache.

The cache is the database or Redis (see settings.CACHES), never process memory, so every server
process counts the same submissions.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    # Hashed so that the cache never stores a client address in the clear.
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode("utf-8")).hexdigest()[:32]


def over_limit(request: HttpRequest, scope: str, *, limit: int, window_seconds: int) -> bool:
    """Count this request; True when the client has made more than `limit` in the window."""
    key = f"ratelimit:{scope}:{client_key(request)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
