"""Whole-page cache of the public pages that are the same for every visitor.

A page is stored with the data stamp it was built under (`actionplan.api.freshness`: it moves in
every process whenever a row of the plan, progress or partnership data is saved or deleted, and
again when that transaction commits). A request reads the stamp and the page in one cache round
trip and serves the page only when both stamps agree, so a correction made in the admin shows on
the very next request, with no expiry to wait for and nothing to delete.

The key also holds a digest of the code, templates, translations and static files (whose
hashed names the pages link to), so pages cached by an earlier release are never served after an
upgrade. Responses carry an ETag (a hash of the page) and Last-Modified (the stamp's time): a
browser or proxy that asks again with If-None-Match gets a bodiless 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.core.cache import cache as shared_cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language

from actionplan.api.freshness import STAMP_KEY, data_stamp, mark_public, stamp_time

PAGE_PREFIX = "portal:page:"
# A safety net only: a page changes as soon as the data stamp moves.
PAGE_TIMEOUT = 24 * 3600
PACKAGE = Path(__file__).resolve().parent.parent
RENDERING_SUFFIXES = frozenset({".py", ".html", ".mo", ".css", ".js"})


@cache
def release_digest() -> str:
    """A digest of the code, templates, translations and static files (once per process)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in RENDERING_SUFFIXES and "tests" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _validators(response: HttpResponseBase, etag: str, stamp: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(int(stamp_time(stamp)))
    # Anyone may keep a copy, but must ask again before using it: the data can change any time.
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    # The same for every visitor under this stamp: the server process may answer it again from
    # memory (actionplan.frontcache).
    mark_public(response, stamp)
    return response


def cached_page(request: HttpRequest, name: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `name` in the current language: from the cache, or built and stored.

    Requests with a query string are built every time and not stored: the page's links (the
    language switch) repeat the request's full path, which must not leak into other visitors'
    copies.
    """
    if request.GET:
        return build()
    key = f"{PAGE_PREFIX}{release_digest()}:{name}:{_language()}"
    found = shared_cache.get_many([STAMP_KEY, key])
    stamp = found.get(STAMP_KEY) or data_stamp()
    entry = found.get(key)
    if entry is not None and entry[0] == stamp:
        etag, body = entry[1], entry[2]
        conditional = get_conditional_response(request, etag=etag, response=None)
        if conditional is not None:
            return _validators(conditional, etag, stamp)  # type: ignore[return-value]
        response = HttpResponse(body)
        return _validators(response, etag, stamp)  # type: ignore[return-value]
    response = build()
    if response.status_code == 200:
        body = response.content
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        shared_cache.set(key, (stamp, etag, body), PAGE_TIMEOUT)
        _validators(response, etag, stamp)
    return response
