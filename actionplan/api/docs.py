"""The documentation page at /api/v1/docs: the OpenAPI document rendered on the server as a
plain page of the portal (its header, footer, styles and languages).

It replaced the vendored interactive Swagger UI, whose widget failed the portal's accessibility
checks (contrast, buttons nested in buttons, small targets) and needed its own script; this page
has no script, works without one and passes axe like every other page. The machine-readable
document stays at /api/v1/openapi.json for tools that want an interactive client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    tag: str
    secured: bool
    parameters: list[Parameter] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str]] = field(default_factory=list)


def _type_of(schema: dict[str, Any]) -> str:
    """A short readable type: `integer`, `string (date)`, `array of ActionOut`, `A | B`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            parts = [_type_of(s) for s in schema[combinator] if s.get("type") != "null"]
            return " | ".join(dict.fromkeys(parts))
    kind = str(schema.get("type", ""))
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return f"{kind} ({', '.join(str(v) for v in schema['enum'])})"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return kind or "object"


def _body_type(body: dict[str, Any]) -> str:
    for media, content in body.get("content", {}).items():
        return f"{_type_of(content.get('schema', {}))} ({media})"
    return ""


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document, in the document's order."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            anchor = "op-" + (
                operation.get("operationId") or f"{method}-{path}".replace("/", "-")
            ).replace("_", "-")
            parameters = [
                Parameter(
                    name=str(p.get("name", "")),
                    location=str(p.get("in", "")),
                    required=bool(p.get("required")),
                    type=_type_of(p.get("schema", {})),
                    description=str(p.get("description", "")),
                )
                for p in operation.get("parameters", [])
            ]
            responses = [
                (str(code), str(answer.get("description", "")))
                for code, answer in operation.get("responses", {}).items()
            ]
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=anchor,
                    summary=str(operation.get("summary", "")),
                    description=str(operation.get("description", "")),
                    tag=str((operation.get("tags") or [""])[0]),
                    secured=bool(operation.get("security")),
                    parameters=parameters,
                    body=_body_type(operation.get("requestBody", {})),
                    responses=responses,
                )
            )
    return found


class ServerRenderedDocs(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        # /api/ is outside the language-prefixed URLs, so the language switch uses ?lang=.
        requested = request.GET.get("lang", "")
        languages = {code for code, _ in settings.LANGUAGES}
        language = requested if requested in languages else translation.get_language()
        document = api.get_openapi_schema(path_params=kwargs)
        with translation.override(language):
            return render(
                request,
                "api/docs.html",
                {
                    "api": api,
                    "info": document.get("info", {}),
                    "operations": operations(document),
                    "openapi_url": self.get_openapi_url(api, kwargs),
                    "docs_path": request.path,
                },
            )
