"""Request-level rules that hold for every URL, first in settings.MIDDLEWARE."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponseBase

# Parameters that analytics and ad platforms append to links. They never change an answer, so
# they are removed before anything reads the query: no render, no cache key, no link repeats them.
TRACKING_PREFIXES = ("utm_",)
TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
    }
)


def is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_NAMES or name.startswith(TRACKING_PREFIXES)


def without_tracking(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not is_tracking(name)]
    return query if len(kept) == len(pairs) else urlencode(kept)


class PublicRequestMiddleware:
    """HEAD is answered wherever GET is, and tracking parameters are dropped.

    HEAD: load balancers and link checkers use it. The request runs as the GET it stands for
    (every view, the ninja API and `/healthz` included) and the body is removed, keeping the
    GET's headers (Content-Length, ETag) as RFC 9110 asks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        head = request.method == "HEAD"
        if head or request.method == "GET":
            query = request.META.get("QUERY_STRING", "")
            if query:
                request.META["QUERY_STRING"] = without_tracking(query)
        if head:
            request.method = "GET"
        response = self.get_response(request)
        if head:
            request.method = "HEAD"
            if response.streaming:
                response.streaming_content = []  # type: ignore[attr-defined]
            elif response.has_header("Content-Length") or hasattr(response, "content"):
                length = response.get("Content-Length") or str(len(response.content))  # type: ignore[attr-defined]
                response.content = b""  # type: ignore[attr-defined]
                response["Content-Length"] = length
        return response
