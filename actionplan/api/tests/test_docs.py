"""docs/api.md documents every operation of the OpenAPI document the code generates.

Each operation has a heading ``### METHOD /api/v1/path`` (the path exactly as in the OpenAPI
document), and its section names each of its query and path parameters and each top-level field
of its request body in backticks (`` `theme` ``). A new endpoint or parameter without
documentation fails here, naming what is missing.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from actionplan.api.api import api

DOC = settings.BASE_DIR / "docs" / "api.md"
HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)\s*$", re.MULTILINE)
METHODS = ("get", "post", "put", "patch", "delete")


def openapi() -> dict[str, Any]:
    return dict(api.get_openapi_schema(path_prefix="/api/v1/"))


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if not reference:
        return schema
    found: Any = document
    for part in str(reference).removeprefix("#/").split("/"):
        found = found[part]
    return dict(found)


def operations(document: dict[str, Any]) -> dict[str, list[str]]:
    """'METHOD /path' → names the documentation must mention (parameters, body fields)."""
    found: dict[str, list[str]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method not in METHODS:
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] != "header"]
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                body = _resolve(media.get("schema", {}), document)
                names += list(body.get("properties", {}))
            found[f"{method.upper()} {path}"] = names
    return found


def sections(text: str) -> dict[str, str]:
    """'METHOD /path' → the text under that heading, up to the next heading of level 1 to 3."""
    found: dict[str, str] = {}
    for match in HEADING.finditer(text):
        rest = text[match.end() :]
        end = re.search(r"^#{1,3} ", rest, re.MULTILINE)
        found[f"{match.group(1)} {match.group(2)}"] = rest[: end.start()] if end else rest
    return found


def missing_from_docs(document: dict[str, Any], text: str) -> list[str]:
    documented = sections(text)
    problems = []
    for operation, names in operations(document).items():
        section = documented.get(operation)
        if section is None:
            problems.append(f"{operation}: no heading '### {operation}'")
            continue
        for name in names:
            if f"`{name}`" not in section:
                problems.append(f"{operation}: parameter `{name}` not mentioned in its section")
    for operation in documented.keys() - operations(document).keys():
        problems.append(f"{operation}: documented, but there is no such operation")
    return problems


def test_every_operation_and_parameter_is_documented() -> None:
    problems = missing_from_docs(openapi(), DOC.read_text(encoding="utf-8"))
    assert not problems, "docs/api.md is incomplete:\n" + "\n".join(problems)


def test_a_missing_parameter_or_heading_is_named() -> None:
    # Guards the test above against a checker that cannot fail.
    document = openapi()
    text = DOC.read_text(encoding="utf-8")
    heading = "### GET /api/v1/actions\n"
    start = text.index(heading) + len(heading)
    end = text.index("\n### ", start)
    without_theme = text[:start] + text[start:end].replace("`theme`", "theme") + text[end:]
    assert missing_from_docs(document, without_theme) == [
        "GET /api/v1/actions: parameter `theme` not mentioned in its section"
    ]
    put = "PUT /api/v1/progress/reports/{action_id}/{fiscal_year}/{body}"
    without_body_field = text.replace("`narrative_en`", "narrative_en")
    assert f"{put}: parameter `narrative_en` not mentioned in its section" in missing_from_docs(
        document, without_body_field
    )
    without_heading = text.replace("### GET /api/v1/hubs/{hub_id}\n", "### One hub\n")
    assert missing_from_docs(document, without_heading) == [
        "GET /api/v1/hubs/{hub_id}: no heading '### GET /api/v1/hubs/{hub_id}'"
    ]
    stale = text + "\n### GET /api/v1/retired\n\nGone.\n"
    assert missing_from_docs(document, stale) == [
        "GET /api/v1/retired: documented, but there is no such operation"
    ]
