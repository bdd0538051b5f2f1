"""The site's own 403, CSRF failure, 404, 405 and 500 pages, in the language of the address asked
for (/… or /en/…), in the site frame."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
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
    response["Allow"] = allowed
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The failure may be in what the page itself needs (templates, translations): answer
        # with Django's plain page rather than raise again.
        logger.exception("the 500 page could not be rendered")
        response: HttpResponse = defaults.server_error(request)
        return response if response.status_code == 500 else HttpResponseServerError()
