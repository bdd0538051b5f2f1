"""The one error shape of the JSON API: {"status", "code", "message", "field"}.

Every endpoint, every app's router and the catch-all for unknown paths answer errors in this
shape; ``actionplan/api/tests/test_errors.py`` holds them to it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def error_body(status: int, code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"status": status, "code": code, "message": message, "field": field}


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(status, code, message, field), status=status)


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "not_found", f"no API endpoint at {request.path}")
