from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.api.actions import create_api_token
from actionplan.api.openapi import NO_NUL_PATTERN

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "message", "field"}

# Far beyond a signed 64-bit integer: SQLite cannot even be asked about it.
HUGE = 10**30


def test_the_index_names_the_openapi_document(client: Client) -> None:
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["openapi"] == "/api/v1/openapi.json"


def test_the_openapi_document_is_generated(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_an_unknown_path_answers_in_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == SHAPE
    assert body["code"] == "not_found" and "/api/v1/no-such-thing" in body["message"]


def _get_operations(client: Client) -> list[tuple[str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        (path, methods["get"]) for path, methods in document["paths"].items() if "get" in methods
    ]


def _bad_value(parameter: dict[str, Any]) -> tuple[str, bool]:
    """A value outside what this parameter allows, and whether the API must refuse it (a free
    string has no wrong value; then only the shape of an error, if any, is checked)."""
    schema = parameter.get("schema", {})
    options = [schema, *schema.get("anyOf", []), *schema.get("allOf", [])]
    kinds = {o.get("type") for o in options}
    if kinds & {"integer", "number"}:
        return "not-a-number", True
    if "boolean" in kinds:
        return "perhaps", True
    for option in options:
        if "enum" in option or "$ref" in option:
            return "no-such-choice", True
        if option.get("pattern") == NO_NUL_PATTERN:  # any text but NUL
            return "x\x00", True
        if "pattern" in option:
            return "\u3042", True
        if "maxLength" in option:
            return "x" * (option["maxLength"] + 1), True
    return "x" * 1000, False


def test_every_get_endpoint_answers_a_bad_parameter_or_unknown_id_in_the_error_shape(
    client: Client, plan_version: object
) -> None:
    checked = 0
    for path, operation in _get_operations(client):
        parameters = operation.get("parameters", [])
        concrete = path
        for parameter in parameters:
            if parameter["in"] == "path":
                concrete = concrete.replace("{" + parameter["name"] + "}", "999999999")
        if concrete != path:
            # An unknown id or code in the path.
            response = client.get(concrete)
            body = response.json()
            assert response.status_code in (401, 404, 422), (concrete, body)
            assert set(body) == SHAPE and body["status"] == response.status_code, concrete
            checked += 1
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            bad, must_refuse = _bad_value(parameter)
            response = client.get(concrete, {parameter["name"]: bad})
            body = response.json()
            if response.status_code < 400 and not must_refuse:
                continue
            assert response.status_code in (400, 401, 404, 422), (path, parameter["name"], body)
            assert set(body) == SHAPE and body["status"] == response.status_code
            if response.status_code == 422:
                assert body["field"] == parameter["name"], (path, body)
            checked += 1
    assert checked > 20  # guards the walk itself: the API has that many parameters and ids


def _integer_parameters(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, parameter) for every integer path or query parameter of every operation."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                options = [schema, *schema.get("anyOf", [])]
                if any(o.get("type") == "integer" for o in options):
                    found.append((method, path, parameter))
    return found


def test_every_integer_parameter_has_bounds(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    integers = _integer_parameters(document)
    assert len(integers) > 20  # the walk found the API's ids, years, limits and offsets
    for method, path, parameter in integers:
        schema = parameter["schema"]
        number = next(o for o in [schema, *schema.get("anyOf", [])] if o.get("type") == "integer")
        assert "minimum" in number and "maximum" in number, (method, path, parameter["name"])
        assert number["maximum"] < 2**63, (method, path, parameter["name"])


def test_a_huge_integer_in_any_parameter_answers_422_naming_it(
    client: Client, plan_version: object, bureau_staff: User
) -> None:
    """Huge numbers once reached SQLite and came back as a server error (OverflowError)."""
    document = client.get("/api/v1/openapi.json").json()
    token = create_api_token(None, bureau_staff, "huge numbers").plaintext
    checked = set()
    for method, path, parameter in _integer_parameters(document):
        name = parameter["name"]
        url = path
        for other in document["paths"][path][method].get("parameters", []):
            if other["in"] == "path":
                if other["name"] == name:
                    value = str(HUGE)
                elif other["schema"].get("type") == "string":
                    value = "union"
                else:
                    value = "2025" if "year" in other["name"] else "1"
                url = url.replace("{" + other["name"] + "}", value)
        query = {name: str(HUGE)} if parameter["in"] == "query" else {}
        if method == "get":
            response = client.get(url, query)
        else:
            body = {"status": "done", "percent": 100} if method == "put" else {}
            response = client.generic(
                method.upper(),
                url,
                json.dumps(body),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
        answer = response.json()
        assert response.status_code == 422, (method, url, query, answer)
        assert set(answer) == SHAPE and answer["field"] == name, (method, url, answer)
        checked.add(f"{method.upper()} {path} {name}")
    assert {
        "GET /api/v1/progress/reports fiscal_year",
        "GET /api/v1/progress/reports action_id",
        "GET /api/v1/progress/reports/{report_id} report_id",
        "PUT /api/v1/progress/reports/{action_id}/{fiscal_year}/{body} action_id",
        "POST /api/v1/progress/reports/{report_id}/accept report_id",
        "GET /api/v1/search fiscal_year",
        "GET /api/v1/actions/{action_id} action_id",
    } <= checked


def test_every_operation_documents_the_error_shape(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert set(document["components"]["schemas"]["Error"]["required"]) == SHAPE
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert "422" in operation["responses"], (method, path)
