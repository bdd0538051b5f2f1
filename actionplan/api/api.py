"""The NinjaAPI instance behind /api/v1/. Each app adds its router here with one line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from actionplan.accounts.permissions import PermissionDenied
from actionplan.faults.classify import FAULT_EXCEPTIONS
from actionplan.faults.middleware import answer
from actionplan.web.caching import public_read, uncached_read

from .docs import ServerRenderedDocs
from .errors import ApiError, error_response
from .openapi import ActionplanAPI
from .renderers import JSONRenderer

api = ActionplanAPI(
    title="actionplan API",
    version="1",
    description=(
        "Read-only access to the Kansai Regional Industrial Vision Action Plan as data, and "
        "writes for authenticated staff. Errors always have the shape "
        '{"status", "code", "message", "field"}.'
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=ServerRenderedDocs(),
    renderer=JSONRenderer(),
)


def _field_of(error: dict[str, object]) -> str | None:
    location = error.get("loc")
    if isinstance(location, list | tuple):
        # ("query", "limit") → "limit"; ("body", "payload", "status") → "status";
        # ("query", "params", "kind", 0) → "kind" (a repeated parameter's index is no field name)
        wrappers = ("query", "body", "path", "payload", "params")
        parts = [str(p) for p in location if p not in wrappers and not isinstance(p, int)]
        return ".".join(parts) or None
    return None


# The progress follow-up's endpoints answer every error in Japanese, like the messages of its
# workflow: the API's paths have no language prefix, so LocaleMiddleware keeps the default
# language whatever Accept-Language says (docs/api.md). The plan's read endpoints keep
# pydantic's English messages.
PROGRESS_PATH = "/api/v1/progress/"


def speaks_japanese(request: HttpRequest) -> bool:
    return request.path.startswith(PROGRESS_PATH)


def _invalid_message(error: dict[str, Any]) -> str:
    """What is wrong with a value, from pydantic's error type, in the active language."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": (_("%(limit)s以上で指定してください"), "ge"),
        "greater_than": (_("%(limit)sより大きい値で指定してください"), "gt"),
        "less_than_equal": (_("%(limit)s以下で指定してください"), "le"),
        "less_than": (_("%(limit)sより小さい値で指定してください"), "lt"),
        "string_too_long": (_("%(limit)s文字以内で指定してください"), "max_length"),
        "string_too_short": (_("%(limit)s文字以上で指定してください"), "min_length"),
    }
    if kind in bounds and bounds[kind][1] in context:
        template, key = bounds[kind]
        return template % {"limit": context[key]}
    if kind == "missing":
        return _("指定してください")
    if kind.startswith("int_"):
        return _("整数で指定してください")
    if kind.startswith(("decimal_max", "decimal_whole")):
        return _("桁数が多すぎます")
    if kind.startswith(("decimal_", "float_", "finite_")) or kind == "value_error":
        return _("数で指定してください")
    if kind.startswith("string_"):
        return _("文字列で指定してください")
    if kind.startswith("list_"):
        return _("配列で指定してください")
    return _("値が正しくありません")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first)
    if speaks_japanese(request):
        message = _invalid_message(first)
    else:
        message = str(first.get("msg", "invalid request"))
    return error_response(422, "invalid", f"{field}: {message}" if field else message, field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if speaks_japanese(request):
        return error_response(401, "unauthenticated", _("有効なAPIトークンが必要です"))
    return error_response(401, "unauthenticated", "a valid API token is required")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, "forbidden", str(exc) or "not allowed")


@api.exception_handler(DjangoPermissionDenied)
def on_django_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "forbidden", str(exc) or "not allowed")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", str(exc) or "not found")


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return exc.response()


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        412: "precondition_failed",
        429: "rate_limited",
    }
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc))


def on_fault(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    # Outage → 503 with Retry-After, lost race → 409, unusable value → 422 (actionplan.faults).
    response = answer(request, exc) if isinstance(exc, Exception) else None
    if response is None:
        raise exc
    return response


for _kind in FAULT_EXCEPTIONS:
    api.add_exception_handler(_kind, on_fault)


@api.get("/", summary="API index", tags=["meta"])
def index(request: HttpRequest) -> dict[str, str]:
    return {"version": "1", "openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs"}


# Routers of the apps, one line each.
from actionplan.api.endpoints import router as plan_router  # noqa: E402

api.add_router("", plan_router)

from actionplan.search.api import router as search_router  # noqa: E402

# The search answer follows the search index, which is written after the data commits: it is
# rate-limited and open to other sites, but not cached under the data stamp.
search_router.add_decorator(uncached_read, mode="view")
api.add_router("/search", search_router)

from actionplan.progress.api import router as progress_router  # noqa: E402

# Accepted reports and indicators are plan data: cached and validated like the plan's reads.
progress_router.add_decorator(public_read, mode="view")
api.add_router("/progress", progress_router)

from actionplan.api.revisions import router as revisions_router  # noqa: E402

# The comparison of two editions is plan data: cached and validated like the plan's reads.
revisions_router.add_decorator(public_read, mode="view")
api.add_router("", revisions_router)
