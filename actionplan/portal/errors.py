"""The site's own 403, CSRF failure, 404, 405 and 500 pages, in the language of the address asked
for (/… or /en/…), in the site frame."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseServerError
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger(__name__)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The reason a view gives (PermissionDenied("…")) is written for the person, in the page's
    # language: say it, as Django's own page would not.
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # ``reason`` is Django's English, technical explanation: for the log, not the person.
    logger.info("CSRF check failed for %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The reason (e.g. "no such theme") is for logs only: the page says the same for every miss.
    return render(request, "404.html", {"path": request.path}, status=404)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    # An address only a form's button sends to (a confirmation, a save) opened as a link.
    response = render(request, "405.html", status=405)
    if allowed:
        response["Allow"] = allowed
    return response


# Machine endpoints answer a method they do not take in their own way (the API, the probes);
# the admin is Django's own.
PLAIN_405_PREFIXES = ("/api/", "/healthz", "/readyz", "/admin/")


class MethodNotAllowedPageMiddleware:
    """An address only a form's button sends to (a save, a confirmation, a sign-out), opened as
    a link or a bookmark, gets the site's own 405 page in the page's language and frame instead
    of Django's empty answer (`require_POST`), with its Allow header. Only an empty, not
    streamed 405 is replaced; machine endpoints keep theirs. Placed inside the security
    headers' middleware (settings.MIDDLEWARE), so the page gets them too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or not isinstance(response, HttpResponse)  # streamed: a file, a feed
            or response.content
            or request.path_info.startswith(PLAIN_405_PREFIXES)
        ):
            return response
        return method_not_allowed(request, response.get("Allow", ""))


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The failure may be in what the page itself needs (templates, translations): answer
        # with Django's plain page rather than raise again.
        logger.exception("the 500 page could not be rendered")
        response: HttpResponse = defaults.server_error(request)
        return response if response.status_code == 500 else HttpResponseServerError()
