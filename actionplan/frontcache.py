"""Public answers served before the rest of the middleware, from the server process's memory.

The API's reads (`api/freshness.py`) and the portal's cached pages (`portal/pagecache.py`) are
the same for every visitor for as long as the data stamp stays put. `PublicAnswerMiddleware`, the
first entry of settings.MIDDLEWARE, keeps each such answer exactly as the whole stack produced it
(status, headers, body) in the process's memory, together with the data stamp it was built under.
A later request for the same URL from a visitor who sends no cookie and no credentials is
answered from there after one read of the shared data stamp: the other middleware, the URL
routing and the view are skipped.

Memory holds copies only, never state that other processes need: every use checks the copy
against the shared stamp, which moves in every process whenever the data changes, so a
correction made in the admin shows on the very next request, whichever process answers it.
Never kept or served from memory:

- anything but GET (writes, HEAD, OPTIONS), requests with a `Cookie` or an `Authorization` header
  (signed-in people, API tokens), requests with `If-Match`, `If-Unmodified-Since`, or
  `If-Modified-Since` without `If-None-Match` (the whole stack answers them);
- answers the views did not mark with `api.freshness.mark_public` (only the plan's public reads
  and the cached portal pages are; personal data, forms and search are not), answers other than
  200 and 304, answers that set a cookie or vary on a request header other than `Cookie` and
  `Accept-Language` (the language comes from the path: `/en/…` or Japanese).

A stored API answer still counts against the client's rate limit (`API_RATE_LIMIT`); a client over
the limit goes through the whole stack, which answers 429. A request with `If-None-Match` gets
the 304 the whole stack gave for the same validator, or the stored 200 when its validator is no
longer current.

`PUBLIC_MEMORY_CACHE_MB` bounds the memory per process (least recently used copies go first);
0 turns this layer off.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.response import ResponseHeaders
from django.utils.cache import cc_delim_re
from django.utils.http import parse_etags

from actionplan.api.freshness import STAMP_KEY, over_rate_limit, public_mark

# Request headers that leave a request to the whole stack.
_BYPASS = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
# Vary values a stored answer may carry: only cookie-less requests are served from memory, and
# the language is given by the path (see LocaleMiddleware with prefix_default_language=False).
_HARMLESS_VARY = frozenset({"cookie", "accept-language"})


@dataclasses.dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def size(self) -> int:
        # The body and headers, and roughly what the objects around them take.
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers.items()) + 200

    def response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status)
        response.headers = ResponseHeaders(self.headers)
        return response


@dataclasses.dataclass(frozen=True)
class _Entry:
    stamp: str
    etag: str
    rate_limited: bool
    ok: _Answer | None = None
    not_modified: _Answer | None = None

    @property
    def size(self) -> int:
        return sum(a.size for a in (self.ok, self.not_modified) if a is not None)


class AnswerMemory:
    """Entries by URL, least recently used dropped first beyond `limit` bytes; thread-safe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Entry) -> None:
        size = entry.size
        with self._lock:
            self._drop(key)
            # One huge answer (a list of 500 rows) must not push out everything else.
            if size > self.limit // 4:
                return
            self._entries[key] = entry
            self.size += size
            while self.size > self.limit:
                _, dropped = self._entries.popitem(last=False)
                self.size -= dropped.size

    def discard(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def _drop(self, key: str) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old.size


def _key(request: HttpRequest) -> str | None:
    """The URL an answer is kept under, or None when the request must go through the stack."""
    meta = request.META
    if request.method != "GET" or any(meta.get(name) for name in _BYPASS):
        return None
    if meta.get("HTTP_IF_MODIFIED_SINCE") and not meta.get("HTTP_IF_NONE_MATCH"):
        return None
    return f"{request.scheme}://{meta.get('HTTP_HOST', '')}{request.get_full_path()}"


def _not_modified(request: HttpRequest, etag: str) -> bool:
    """Whether If-None-Match matches `etag` (weak comparison, as Django's own)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header or not etag:
        return False
    etags = parse_etags(header)
    if etags == ["*"]:
        return True
    return etag.strip("W/") in (e.strip("W/") for e in etags)


def _storable(response: HttpResponseBase) -> tuple[str, bool] | None:
    mark = public_mark(response)
    if (
        mark is None
        or response.status_code not in (200, 304)
        or not isinstance(response, HttpResponse)
        or response.cookies
        or not response.has_header("ETag")
    ):
        return None
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if not vary <= _HARMLESS_VARY:
        return None
    return mark


class PublicAnswerMiddleware:
    """Answer repeated anonymous reads of public data from memory (see the module's text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # One per handler: each server process has its own, and so has each test client.
        self.memory = AnswerMemory(settings.PUBLIC_MEMORY_CACHE_MB * 1024 * 1024)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = _key(request) if self.memory.limit else None
        if key is None:
            return self.get_response(request)
        entry = self.memory.get(key)
        if entry is not None:
            if cache.get(STAMP_KEY) != entry.stamp:
                self.memory.discard(key)  # the data changed: build and keep the answer again
            else:
                answer = entry.not_modified if _not_modified(request, entry.etag) else entry.ok
                if answer is not None and not (entry.rate_limited and over_rate_limit(request)):
                    return answer.response()
        response = self.get_response(request)
        self._keep(key, entry, response)
        return response

    def _keep(self, key: str, entry: _Entry | None, response: HttpResponseBase) -> None:
        mark = _storable(response)
        if mark is None:
            return
        stamp, rate_limited = mark
        assert isinstance(response, HttpResponse)  # noqa: S101 - checked by _storable
        etag = response["ETag"]
        if entry is None or (entry.stamp, entry.etag) != (stamp, etag):
            entry = _Entry(stamp, etag, rate_limited)
        answer = _Answer(response.status_code, dict(response.items()), response.content)
        if response.status_code == 304:
            entry = dataclasses.replace(entry, not_modified=answer)
        else:
            entry = dataclasses.replace(entry, ok=answer)
        self.memory.put(key, entry)
