"""What makes public reads cheap and polite: one data stamp for ETag/Last-Modified, a response
cache, a rate limit and CORS — all state in the shared cache, so every server process agrees.

The data stamp changes whenever a row of the plan data (or of the apps built on it) is saved or
deleted, in whichever process wrote it. Responses are cached with the stamp they were built
under and served only while it is current, so a change makes every cached response stale at once
without having to find and delete them. With persistent database connections, a cached answer
costs one cache round trip (one query on the database cache).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from .errors import error_response

STAMP_KEY = "api:data-stamp"
RESPONSE_PREFIX = "api:response:"
RATE_PREFIX = "api:rate:"
RESPONSE_TIMEOUT = 24 * 3600
# The response's attribute set by mark_public.
PUBLIC_MARK = "public_answer"
# The request's attribute that holds its rate-limit verdict once counted.
_RATE_COUNTED = "api_rate_wait"
# Apps whose rows are published through the API and the open data files.
WATCHED_APPS = frozenset({"plans", "progress", "partnerships"})
PACKAGE = Path(__file__).resolve().parent.parent

View = Callable[..., HttpResponseBase]


def _new_stamp() -> str:
    return f"{time.time():.6f}-{secrets.token_hex(4)}"


def data_stamp() -> str:
    """The current data stamp: '<unix time of the last change>-<random>'."""
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        # Nobody recorded a change since the cache was emptied: start a new era from now.
        cache.add(STAMP_KEY, _new_stamp(), None)
        stamp = cache.get(STAMP_KEY) or _new_stamp()
    return str(stamp)


def stamp_time(stamp: str) -> float:
    return float(stamp.split("-", 1)[0])


def touch_data() -> None:
    """Move the stamp now, and again when the current transaction commits.

    Now: with the database cache the new stamp is part of the transaction itself. At commit: with
    Redis the first move is visible before the transaction's rows are, and a request in between
    would cache the old rows under the new stamp; the second move makes that entry unreachable.
    """
    cache.set(STAMP_KEY, _new_stamp(), None)
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        entry[1] is _touch_after_commit for entry in connection.run_on_commit
    ):
        transaction.on_commit(_touch_after_commit)


def _touch_after_commit() -> None:
    cache.set(STAMP_KEY, _new_stamp(), None)


def on_data_change(sender: type[Model], **kwargs: Any) -> None:
    if sender._meta.app_label in WATCHED_APPS:
        touch_data()


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def mark_public(response: HttpResponseBase, stamp: str, *, rate_limited: bool = False) -> None:
    """Say that `response` is the same for every visitor while `stamp` is the data stamp, so
    that `actionplan.frontcache` may keep it in memory and serve it again.

    `rate_limited`: the answer counts against the API's rate limit, also when served again.
    """
    setattr(response, PUBLIC_MARK, (stamp, rate_limited))


def public_mark(response: HttpResponseBase) -> tuple[str, bool] | None:
    """The (stamp, rate_limited) given by `mark_public`, or None for an unmarked response."""
    mark: tuple[str, bool] | None = getattr(response, PUBLIC_MARK, None)
    return mark


def over_rate_limit(request: HttpRequest) -> int:
    """Seconds to wait when this client has used up its window, else 0 (fixed window).

    A request is counted once, however many layers ask (the public answers kept in memory,
    `actionplan.frontcache`, ask before the view does).
    """
    counted: int | None = getattr(request, _RATE_COUNTED, None)
    if counted is not None:
        return counted
    wait = _count_request(request)
    setattr(request, _RATE_COUNTED, wait)
    return wait


def _count_request(request: HttpRequest) -> int:
    limit: int = settings.API_RATE_LIMIT
    if limit <= 0:
        return 0
    window: int = settings.API_RATE_WINDOW_SECONDS
    now = int(time.time())
    key = f"{RATE_PREFIX}{client_address(request)}:{now // window}"
    # Most requests find their window's counter: count first, create it only when missing (on
    # the database cache, each call is a transaction of its own).
    try:
        used = cache.incr(key)
    except ValueError:  # the client's first request in this window
        if cache.add(key, 1, window + 1):
            used = 1
        else:  # another request created it in between
            used = cache.incr(key)
    if used > limit:
        return window - now % window
    return 0


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def release_digest() -> str:
    """A digest of the package's code (once per process): answers cached or tagged by an earlier
    release are never served, or confirmed with 304, after an upgrade changes their shape."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cors(response: HttpResponseBase) -> HttpResponseBase:
    # Public reads only, never with credentials: any site may fetch them.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
    return response


def _rate_limited(request: HttpRequest) -> HttpResponseBase | None:
    wait = over_rate_limit(request)
    if not wait:
        return None
    limited = error_response(
        429,
        "rate_limited",
        f"too many requests; at most {settings.API_RATE_LIMIT} every "
        f"{settings.API_RATE_WINDOW_SECONDS} s per address, try again in {wait} s",
    )
    limited["Retry-After"] = str(wait)
    return _cors(limited)


def uncached_read(view: View) -> View:
    """Wrap a ninja GET view whose answer does not follow the data stamp (search reads an index
    that is updated after the data's transaction commits): rate limit and CORS only."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        return _rate_limited(request) or _cors(view(request, *args, **kwargs))

    return wrapper


def public_read(view: View) -> View:
    """Wrap a ninja GET view: rate limit, conditional requests, response cache, CORS."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        limited = _rate_limited(request)
        if limited is not None:
            return limited

        # One cache round trip: the stamp and this path's stored answer, kept with the stamp it
        # was built under. The answer is served only while that stamp is still the current one.
        cache_key = f"{RESPONSE_PREFIX}{release_digest()}:{_digest(request.get_full_path())}"
        found = cache.get_many([STAMP_KEY, cache_key])
        stamp = str(found.get(STAMP_KEY) or data_stamp())
        etag = f'"{_digest(f"{release_digest()} {stamp} {request.get_full_path()}")[:32]}"'
        last_modified = int(stamp_time(stamp))
        conditional = get_conditional_response(
            request, etag=etag, last_modified=last_modified, response=None
        )
        if conditional is not None and conditional.status_code == 412:
            return _cors(error_response(412, "precondition_failed", "If-Match does not match"))
        if conditional is not None:  # 304 Not Modified
            conditional["ETag"] = etag
            conditional["Last-Modified"] = http_date(last_modified)
            mark_public(conditional, stamp, rate_limited=True)
            return _cors(conditional)

        entry = found.get(cache_key)
        if entry is not None and entry[0] == stamp:
            response: HttpResponseBase = HttpResponse(entry[1], content_type=entry[2])
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and isinstance(response, HttpResponse):
                # With its content type as built, so a cached answer is the same as a new one.
                value = (stamp, response.content, response["Content-Type"])
                cache.set(cache_key, value, RESPONSE_TIMEOUT)
        if response.status_code == 200:
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
            mark_public(response, stamp, rate_limited=True)
        return _cors(response)

    return wrapper
