"""The site's own 404 and 500 pages, in the language of the address asked for (/… or /en/…)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger(__name__)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The reason (e.g. "no such theme") is for logs only: the page says the same for every miss.
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The failure may be in what the page itself needs (templates, translations): answer
        # with Django's plain page rather than raise again.
        logger.exception("the 500 page could not be rendered")
        response: HttpResponse = defaults.server_error(request)
        return response if response.status_code == 500 else HttpResponseServerError()
