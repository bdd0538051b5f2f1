"""Stale-if-error: the last good copy of a public answer, served while the database is down.

The response cache (`caching.py`) serves an entry only under the data stamp it was built with,
and the stamp is a database row: during an outage nothing can be confirmed current, so every
cached answer would be lost with the database. Beside each public answer it stores, it
therefore keeps the last good copy of that URL in that language, keyed without the stamp.
When a public GET then fails because the database cannot be reached (`FaultMiddleware`'s
outage path), that copy is sent, marked as stale (`X-Served-Stale: 1`, `Age`), if the cache
itself can be reached (Redis in production; the database cache is down with the database).

Never for a request that carries a session cookie or an Authorization header: a signed-in
person's pages are personal and are never stored here in the first place, and with the
database down nobody can tell whose session it is. Copies live in `CACHE_MAX_ENTRIES` slots
(a copy's slot is a digest of its URL and language; a newer copy for another URL in the same
slot replaces it), so that the number of copies is bounded whatever the cache backend.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .middleware import without_tracking
from .stamp import release_digest

logger = logging.getLogger(__name__)

LAST_GOOD_PREFIX = "public-last:"
# How long a copy may stand in for its page: a week covers a weekend's outage.
LAST_GOOD_SECONDS = 7 * 24 * 3600
STALE_HEADER = "X-Served-Stale"


def may_use_last_good(request: HttpRequest) -> bool:
    """A public read by nobody in particular: no session, no credentials."""
    return (
        request.META.get("REQUEST_METHOD") in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _identity(request: HttpRequest) -> str:
    query = without_tracking(request.META.get("QUERY_STRING", ""))
    language = translation.get_language_from_path(request.path_info) or "ja"
    return f"{request.path}?{query} {language}"


def _slot_key(identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()
    slot = int(digest[:15], 16) % settings.CACHE_MAX_ENTRIES
    return f"{LAST_GOOD_PREFIX}{release_digest()}:{slot}"


def keep_last_good(request: HttpRequest, content: bytes, content_type: str) -> None:
    """Keep this public answer as the URL's last good copy (no-op for a personal request)."""
    if not may_use_last_good(request):
        return
    identity = _identity(request)
    entry = (identity, time.time(), content, content_type)
    cache.set(_slot_key(identity), entry, LAST_GOOD_SECONDS)


def last_good(request: HttpRequest) -> HttpResponse | None:
    """The URL's last good copy as a stale 200, or None (none kept, not a public read, or the
    cache cannot be reached either)."""
    if not settings.PUBLIC_CACHES or not may_use_last_good(request):
        return None
    identity = _identity(request)
    try:
        entry = cache.get(_slot_key(identity))
    except Exception as error:  # the cache is down too (or is the database): no copy
        logger.warning("no stale copy: the cache cannot be read (%s)", type(error).__name__)
        return None
    if not entry or entry[0] != identity:
        return None
    _identity_kept, stored_at, content, content_type = entry
    response = HttpResponse(content, content_type=content_type)
    if request.META.get("REQUEST_METHOD") == "HEAD":
        response.content = b""
        response["Content-Length"] = str(len(content))
    response[STALE_HEADER] = "1"
    response["Age"] = str(max(0, int(time.time() - stored_at)))
    # Not to be stored as fresh by anyone; a cache may go on using its own copy while the
    # error lasts (RFC 5861).
    response["Cache-Control"] = f"max-age=0, stale-if-error={LAST_GOOD_SECONDS}"
    response["Content-Language"] = translation.get_language_from_path(request.path_info) or "ja"
    return response
