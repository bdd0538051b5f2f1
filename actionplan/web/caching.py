"""Public answers: caching headers, the one response cache, the API's rate limit and CORS.

Every public page and API answer that is the same for every visitor carries an ETag and a
Last-Modified derived from the data stamp (`stamp.py`) and `Cache-Control: public, max-age=0,
must-revalidate`, so that nginx or a CDN may keep a copy and revalidate it: `If-None-Match` is
answered with 304 after one query (the stamp), without building or reading anything else.

Behind that, one response cache in Django's cache (Redis or the database): an answer is stored
with the stamp it was built under and served only while that stamp is current, so a change shows
on the very next request with nothing to delete. Losing an entry (eviction, culling) only costs
a rebuild. Each stored answer is also kept as its URL's last good copy, without the stamp, for
the outages that make the stamp unreadable (`stale.py`). `PUBLIC_CACHES=off` turns the response
cache off, so that the built-per-request path can be measured; the validators stay (they cost no
build).

Measured in `bench/caching.py`, which decided which layers remain (see its figures in README's
*Caching*): the former per-process memory copy of answers was dropped.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language

from .ratelimit import hit
from .stale import keep_last_good
from .stamp import data_stamp, release_digest, stamp_time
from .visitor import is_signed_in

RESPONSE_PREFIX = "public:"
# A safety net only: an entry is stale as soon as the data stamp moves.
RESPONSE_TIMEOUT = 24 * 3600
CACHE_CONTROL = "public, max-age=0, must-revalidate"
# The request's attribute holding its API rate-limit verdict once counted.
_RATE_COUNTED = "api_rate_wait"

View = Callable[..., HttpResponseBase]


def caches_on() -> bool:
    return bool(settings.PUBLIC_CACHES)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _with_validators(response: HttpResponseBase, etag: str, stamp: str) -> HttpResponseBase:
    if settings.PUBLIC_PROXY_SECONDS:
        # For nginx only (it does not pass X-Accel-* on): keep this public answer that long,
        # then revalidate it. Only answers built here get it, never a personal page. First:
        # nginx before 1.23 lets whichever of it and Cache-Control comes first decide.
        response["X-Accel-Expires"] = str(settings.PUBLIC_PROXY_SECONDS)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(int(stamp_time(stamp)))
    # Anyone may keep a copy, but must ask again before using it: the data can change any time.
    response["Cache-Control"] = CACHE_CONTROL
    return response


def public_answer(
    request: HttpRequest,
    key: str,
    build: Callable[[], HttpResponseBase],
    *,
    store: bool = True,
    precondition_failed: Callable[[], HttpResponseBase] | None = None,
) -> HttpResponseBase:
    """The answer for `key` (the same for every visitor while the data stamp stays put): 304
    when the client's validator is current, else from the response cache, else built (and kept
    when `store` and PUBLIC_CACHES allow)."""
    stamp = data_stamp()
    etag = f'"{_digest(f"{release_digest()} {stamp} {key}")[:32]}"'
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(stamp_time(stamp)), response=None
    )
    if conditional is not None:
        if conditional.status_code == 412 and precondition_failed is not None:
            return precondition_failed()
        return _with_validators(conditional, etag, stamp)

    store = store and caches_on()
    cache_key = f"{RESPONSE_PREFIX}{release_digest()}:{_digest(key)}"
    entry = cache.get(cache_key) if store else None
    if entry is not None and entry[0] == stamp:
        response: HttpResponseBase = HttpResponse(entry[1], content_type=entry[2])
        return _with_validators(response, etag, stamp)
    response = build()
    if response.status_code != 200:
        return response
    if store and isinstance(response, HttpResponse):
        # With its content type as built, so that a cached answer is the same as a new one.
        cache.set(cache_key, (stamp, response.content, response["Content-Type"]), RESPONSE_TIMEOUT)
        # And as this URL's last good copy, served while the database is down (stale.py).
        keep_last_good(request, response.content, response["Content-Type"])
    return _with_validators(response, etag, stamp)


def cached_page(request: HttpRequest, name: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The public page `name` in the current language, with validators; kept in the response
    cache unless the request has a query string (tracking parameters are already gone, see
    `middleware.DropTrackingParameters`), whose combinations are unbounded. A signed-in
    visitor's page is theirs (its header has the staff menu and a sign-out form with their CSRF
    token): built for them, neither kept nor answered from a shared copy nor cached elsewhere."""
    if is_signed_in(request):
        personal = build()
        add_never_cache_headers(personal)
        return personal
    response = public_answer(request, f"page {name} {_language()}", build, store=not request.GET)
    return response  # type: ignore[return-value]


# --- the JSON API ---------------------------------------------------------------------------


def api_rate_wait(request: HttpRequest) -> int:
    """Seconds this client must wait under the API's limit, else 0; counted once per request."""
    counted: int | None = getattr(request, _RATE_COUNTED, None)
    if counted is None:
        counted = hit(
            request,
            "api",
            limit=settings.API_RATE_LIMIT,
            window=settings.API_RATE_WINDOW_SECONDS,
        )
        setattr(request, _RATE_COUNTED, counted)
    return counted


def cors(response: HttpResponseBase) -> HttpResponseBase:
    # Public reads only, never with credentials: any site may fetch them.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
    return response


def _api_error(status: int, code: str, message: str) -> HttpResponseBase:
    # The API's one error shape (imported here so that web/ does not load the API at start-up).
    from actionplan.api.errors import error_response

    return cors(error_response(status, code, message))


def _rate_limited(request: HttpRequest) -> HttpResponseBase | None:
    wait = api_rate_wait(request)
    if not wait:
        return None
    limited = _api_error(
        429,
        "rate_limited",
        f"too many requests; at most {settings.API_RATE_LIMIT} every "
        f"{settings.API_RATE_WINDOW_SECONDS} s per address, try again in {wait} s",
    )
    limited["Retry-After"] = str(wait)
    return limited


def uncached_read(view: View) -> View:
    """Wrap a ninja GET view whose answer does not follow the data stamp (search reads an index
    that is updated after the data's transaction commits): rate limit and CORS only."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "GET":
            return view(request, *args, **kwargs)
        return _rate_limited(request) or cors(view(request, *args, **kwargs))

    return wrapper


def public_read(view: View) -> View:
    """Wrap a ninja GET view: rate limit, validators and 304, the response cache, CORS."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "GET":
            return view(request, *args, **kwargs)
        limited = _rate_limited(request)
        if limited is not None:
            return limited
        response = public_answer(
            request,
            f"api {request.get_full_path()}",
            lambda: view(request, *args, **kwargs),
            precondition_failed=lambda: _api_error(
                412, "precondition_failed", "If-Match does not match"
            ),
        )
        return cors(response)

    return wrapper
