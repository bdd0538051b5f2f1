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


class ApiError(Exception):
    """An error an endpoint raises to answer in the error shape, naming the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def response(self) -> JsonResponse:
        return error_response(self.status, self.code, self.message, self.field)
