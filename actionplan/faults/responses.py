"""The answers of the fault handling: JSON in the API's error shape under /api/, pages elsewhere.

Pages are rendered in the language of their path (/en/… or Japanese), which is known even when
the request failed before the locale middleware ran. They extend the site frame, which needs no
database; should even that fail, a plain page in the same words is sent instead.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from actionplan.api.errors import error_response

from .classify import RETRY_AFTER_SECONDS

API_PREFIX = "/api/"
logger = logging.getLogger(__name__)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def page_language(request: HttpRequest) -> str:
    return translation.get_language_from_path(request.path_info) or "ja"


def _page(
    request: HttpRequest, template: str, context: dict[str, object], status: int
) -> HttpResponse:
    with translation.override(page_language(request)):
        try:
            body = render_to_string(template, context, request=request)
        except Exception:  # the frame itself failed (e.g. a context processor needing the database)
            logger.warning("fault page %s rendered without the site frame", template, exc_info=True)
            body = render_to_string("faults/plain.html", {**context, "template": template})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = page_language(request)
    response["Cache-Control"] = "no-store"
    return response


def outage_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response: HttpResponse = error_response(
            503,
            "unavailable",
            f"the service cannot reach its database or cache; retry in {RETRY_AFTER_SECONDS} s",
        )
    else:
        response = _page(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def conflict_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return error_response(
            409,
            "conflict",
            "another request changed the same record at the same time; read it again and retry",
        )
    return _page(request, "faults/409.html", {}, 409)


def bad_input_response(
    request: HttpRequest, field: str | None, api_message: str, detail: StrOrPromise = ""
) -> HttpResponse:
    """400 on pages, naming the field, with ``detail`` (lazily translated) in the page's
    language; 422 `invalid` in the API, in English like every other refused parameter there."""
    if is_api(request):
        message = f"{field}: {api_message}" if field else api_message
        return error_response(422, "invalid", message, field)
    return _page(request, "faults/400.html", {"field": field, "detail": detail}, 400)


UNUSABLE_CHARACTER = _("使用できない文字（NUL などの制御文字）が含まれています。")
