from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "message", "field"}


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
