"""Faults and bad input answered at the edge, never as a 500.

``FaultMiddleware`` (the first entry of settings.MIDDLEWARE) turns the exceptions that
``classify`` recognises into their answers: 503 with Retry-After when the database or cache cannot
be reached (or, for a public read fetched before, its last good copy: ``web/stale.py``), 409
for a lost race, 400 for a value the database cannot hold — JSON in the API's one
error shape under /api/, a page in the path's language elsewhere. It sees them wherever they are
raised: in a view (``process_exception``), and in another middleware or the 500 handler (Django
turns those into a 500 response after sending ``got_request_exception``, whose receiver notes the
exception on the request so that the answer can be replaced).

``InputGuardMiddleware`` refuses, before any view or query runs, text that PostgreSQL cannot
store or compare (NUL, and lone surrogates that no encoding can carry) in the path, any query
parameter, form field, uploaded file name, JSON body, cookie or Authorization header, naming
where it was found. Forms would catch some of it; filters read straight from ``request.GET`` and
JSON bodies would not, and on PostgreSQL a query with such a value fails as a server error.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from actionplan.web.caching import cors
from actionplan.web.stale import last_good

from .classify import BadInput, Fault, classify
from .responses import (
    UNUSABLE_CHARACTER,
    bad_input_response,
    conflict_response,
    is_api,
    outage_response,
)

logger = logging.getLogger(__name__)
_EXCEPTION = "_actionplan_exception"
# Characters a PostgreSQL text value cannot hold (NUL) or that cannot be encoded at all.
UNUSABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_UNUSABLE = re.compile(rb"\x00|\\u0000|\\u[dD][89abAB]|\\u[dD][c-fC-F]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def connect_signals() -> None:
    got_request_exception.connect(_note_exception, dispatch_uid="actionplan.faults")


def _note_exception(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None:
        setattr(request, _EXCEPTION, sys.exc_info()[1])


def answer(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The answer to an exception ``classify`` knows, or None; logs it (repeats are folded)."""
    fault = classify(exc)
    if fault is None:
        return None
    where = f"{request.method} {request.path}"
    # The first line only: a database's DETAIL line can quote the values of the row.
    summary = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    if fault is Fault.OUTAGE:
        stale = last_good(request)
        if stale is not None:
            logger.error("database or cache unreachable (%s): stale copy for %s", summary, where)
            if is_api(request):
                cors(stale)  # the public reads' header, as on their fresh answers
            response = stale
        else:
            logger.error("database or cache unreachable (%s): 503 for %s", summary, where)
            response = outage_response(request)
    elif fault is Fault.CONFLICT:
        logger.info("concurrent write lost (%s): 409 for %s", summary, where)
        response = conflict_response(request)
    else:
        logger.info("value the database cannot hold (%s): 400 for %s", summary, where)
        if isinstance(exc, BadInput):
            response = bad_input_response(request, exc.field, exc.message, exc.detail)
        else:  # the database's own words name no field and may quote SQL: say it plainly
            response = bad_input_response(
                request, None, "a value is out of the range the database can hold"
            )
    # Logged above, once and folded with its repeats: Django need not log it again.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class FaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        except Exception as exc:  # raised by the 500 handler itself, past Django's conversion
            replacement = answer(request, exc)
            if replacement is None:
                raise
            return replacement
        noted: BaseException | None = getattr(request, _EXCEPTION, None)
        if noted is not None and response.status_code == 500:
            return answer(request, noted) or response
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return answer(request, exc)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        field = unusable_field(request)
        if field is not None:
            return bad_input_response(
                request,
                field,
                "contains a character that cannot be stored (NUL or a lone surrogate)",
                UNUSABLE_CHARACTER,
            )
        return self.get_response(request)


def unusable_field(request: HttpRequest) -> str | None:
    """Where the request holds a character PostgreSQL cannot take, or None."""
    if UNUSABLE.search(request.path_info):
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        found = _first_in_pairs(request.GET.lists())
        if found is not None:
            return found
    if "\x00" in request.META.get("HTTP_AUTHORIZATION", ""):
        return "Authorization"
    if request.META.get("HTTP_COOKIE"):
        found = _first_in_pairs((name, [value]) for name, value in request.COOKIES.items())
        if found is not None:
            return f"cookie {found}"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in _FORMS:
        try:
            form, files = request.POST, request.FILES
        except Exception:  # a malformed body: the view's own parsing answers 400 for it
            return None
        found = _first_in_pairs(form.lists())
        if found is None:
            names = ((key, [f.name or "" for f in items]) for key, items in files.lists())
            found = _first_in_pairs(names)
        return found
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json_field(request.body)
    return None


def _first_in_pairs(pairs: Iterator[tuple[str, list[str]]] | Any) -> str | None:
    for name, values in pairs:
        if UNUSABLE.search(name):
            return "parameter name"
        if any(UNUSABLE.search(value) for value in values if isinstance(value, str)):
            return str(name)
    return None


def _json_field(body: bytes) -> str | None:
    if not _JSON_UNUSABLE.search(body):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON at all: the endpoint's own validation names the problem
    return _walk(document, "")


def _walk(value: object, path: str) -> str | None:
    if isinstance(value, str):
        return (path or "body") if UNUSABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if UNUSABLE.search(str(key)):
                return path or "body"
            found = _walk(item, child)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _walk(item, f"{path}[{index}]" if path else f"[{index}]")
            if found is not None:
                return found
    return None
