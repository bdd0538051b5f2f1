from __future__ import annotations

from django.test import Client

from actionplan.plans.models import PlanVersion


def test_search_endpoint_returns_hits_with_their_fields(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/api/v1/search", {"q": "水素", "limit": "3"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 11 and len(data["hits"]) == 3
    hit = data["hits"][0]
    assert set(hit) >= {"kind", "id", "theme", "fiscal_year", "actor", "text", "snippet", "url"}
    assert "<mark>水素</mark>" in hit["snippet"]
    assert sum(data["facets"]["kind"].values()) == data["total"]


def test_search_endpoint_filters_by_kind_and_government(
    client: Client, plan_version: PlanVersion
) -> None:
    data = client.get("/api/v1/search?q=空飛ぶクルマ&kind=partnership&kind=year_theme").json()
    assert data["hits"] and {h["kind"] for h in data["hits"]} <= {"partnership", "year_theme"}
    osaka = client.get("/api/v1/search", {"q": "空飛ぶクルマ", "lg_code": "270008"}).json()
    assert osaka["hits"]
    assert all("270008" in h["member_governments"] for h in osaka["hits"])


def test_bad_limit_gets_the_one_error_shape(client: Client, plan_version: PlanVersion) -> None:
    bounds = (("0", "greater than or equal to 1"), ("1000", "less than or equal to 100"))
    for value, bound in bounds:
        response = client.get("/api/v1/search", {"q": "水素", "limit": value})
        assert response.status_code == 422
        assert response.json() == {
            "status": 422,
            "code": "invalid",
            "message": f"limit: Input should be {bound}",
            "field": "limit",
        }
    for name, value in (("kind", "planet"), ("actor", "everyone")):
        body = client.get("/api/v1/search", {"q": "水素", name: value}).json()
        assert body["status"] == 422 and body["field"] == name
    response = client.get("/api/v1/search", {"q": "水素", "limit": "many"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"status", "code", "message", "field"} and body["field"] == "limit"


def test_search_endpoint_is_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/search" in paths


def test_the_documented_kinds_are_the_index_kinds() -> None:
    from typing import get_args

    from actionplan.search.api import KindName
    from actionplan.search.models import Kind

    assert set(get_args(KindName)) == set(Kind.values)
