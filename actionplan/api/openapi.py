"""The NinjaAPI class of actionplan: its OpenAPI document names the error answers too.

Every operation can answer in the one error shape (the handlers in ``api.py`` are global), so the
document lists those answers for every operation, with the shape as a named schema. Clients and
schemathesis then know that a 404, 422 or 429 is part of the contract.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["status", "code", "message", "field"],
    "properties": {
        "status": {"type": "integer", "description": "the HTTP status, repeated"},
        "code": {
            "type": "string",
            "description": "a stable word: invalid, not_found, unauthenticated, forbidden, "
            "conflict, rate_limited, precondition_failed, bad_request, unavailable …",
        },
        "message": {"type": "string", "description": "what was wrong, for people"},
        "field": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "the parameter or body field at fault, or null",
        },
    },
}
ERROR_ANSWERS = {
    "400": "Bad request",
    "401": "A valid API token is required",
    "403": "Not allowed for this user",
    "404": "Not found",
    "409": "Conflict with the current state",
    "412": "Precondition failed",
    "422": "Invalid parameter or body; `field` names it",
    "429": "Rate limit reached; see the Retry-After header",
    "503": "Database or cache unreachable for a moment; retry after the Retry-After header",
}
NOT_MODIFIED = {"description": "Not modified since the ETag / date the client sent"}


# Text PostgreSQL cannot hold is refused by actionplan.faults before any endpoint runs (422
# naming the field); the document says so on every free-text string, so that clients and
# schemathesis know NUL is no valid input.
NO_NUL_PATTERN = "^[^\\u0000]*$"
_CONSTRAINED = ("enum", "const", "format", "pattern")


def _refuse_nul(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and not any(key in node for key in _CONSTRAINED):
            node["pattern"] = NO_NUL_PATTERN
        for value in node.values():
            _refuse_nul(value)
    elif isinstance(node, list):
        for item in node:
            _refuse_nul(item)


class ActionplanAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                for status, description in ERROR_ANSWERS.items():
                    responses.setdefault(status, {"description": description, "content": reference})
                if method == "get":
                    responses.setdefault("304", NOT_MODIFIED)
                _refuse_nul(operation.get("parameters", []))
                _refuse_nul(operation.get("requestBody", {}))
        _refuse_nul(components.get("schemas", {}))
        return schema
