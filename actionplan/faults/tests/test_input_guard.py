"""Text PostgreSQL cannot hold (NUL, lone surrogates) is refused at the edge, naming where.

On PostgreSQL such a value reaching a query fails as a server error; on SQLite it passes
silently. Either way the answer must be the same clean 400 (pages) or 422 (API).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from actionplan.api.api import api
from actionplan.plans.models import PlanVersion

pytestmark = pytest.mark.usefixtures("plan_version")


def assert_api_refuses(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body == {
        "status": 422,
        "code": "invalid",
        "message": body["message"],
        "field": field,
    }
    assert body["message"].startswith(f"{field}: ")
    assert "cannot be stored" in body["message"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/actions?q=%00", "q"),
        ("/api/v1/search?q=x&theme=%00", "theme"),
        ("/api/v1/partnerships?theme=%00", "theme"),
        ("/api/v1/progress/reports?body=%00", "body"),
        ("/api/v1/search?q=%E6%B0%B4%E7%B4%A0%00", "q"),
    ],
)
def test_it_refuses_a_nul_in_an_api_parameter(client: Client, url: str, field: str) -> None:
    assert_api_refuses(client.get(url), field)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/partnerships/?theme=%00", "theme"),
        ("/organizations/?q=%00", "q"),
        ("/search/?q=a%00b", "q"),
        ("/governments/%00/", "path"),
        ("/proposals/status/ab%00cd/", "path"),
    ],
)
def test_it_refuses_a_nul_on_a_page_with_a_japanese_400(
    client: Client, url: str, field: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"項目「{field}」の値を受け付けられません。" in page
    assert "使用できない文字" in page
    assert '<html lang="ja">' in page


def test_it_refuses_a_nul_on_an_english_page_in_english(client: Client) -> None:
    response = client.get("/en/partnerships/?theme=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The value of “theme” cannot be accepted." in page
    assert "使用" not in page


def test_it_refuses_a_nul_in_a_posted_form_field(client: Client) -> None:
    response = client.post("/proposals/new/", {"organization_name": "株式会社\x00テスト"})
    assert response.status_code == 400
    assert "項目「organization_name」" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"revision": 0, "narrative": "a\\u0000b"}', "narrative"),
        ('{"revision": 0, "evidence": ["ok", "\\ud800"]}', "evidence[1]"),
    ],
)
def test_it_refuses_unusable_text_in_a_json_body(client: Client, body: str, field: str) -> None:
    response = client.put(
        "/api/v1/progress/reports/1/2025/union",
        body,
        content_type="application/json",
        headers={"Authorization": "Bearer ap_x"},
    )
    assert_api_refuses(response, field)


def test_it_accepts_an_escaped_emoji_in_a_json_body(client: Client) -> None:
    # A surrogate *pair* is one ordinary character: not refused by the guard (401: no token).
    response = client.put(
        "/api/v1/progress/reports/1/2025/union",
        '{"revision": 0, "narrative": "\\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert response.status_code == 401


def test_it_refuses_a_nul_in_a_cookie(client: Client) -> None:
    # A quoted cookie value may spell a NUL byte in octal; Django decodes it.
    response = client.get("/themes/", headers={"Cookie": 'sessionid="abc\\000def"'})
    assert response.status_code == 400
    assert "cookie sessionid" in response.content.decode()


def _string_query_parameters() -> list[tuple[str, str]]:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method != "get" or "{" in path:
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found.append((path, parameter["name"]))
    return sorted(found)


@pytest.mark.parametrize(("path", "name"), _string_query_parameters())
def test_every_api_query_parameter_refuses_a_nul(
    client: Client, plan_version: PlanVersion, path: str, name: str
) -> None:
    assert_api_refuses(client.get(path, {name: "x\x00"}), name)


@pytest.mark.parametrize(
    "url",
    ["/actions/99999999999999999999/", "/partnerships/?year=99999999999999999999"],
)
def test_a_number_beyond_the_database_is_a_client_error(client: Client, url: str) -> None:
    # SQLite's driver refuses integers over 64 bits (OverflowError), PostgreSQL answers "out of
    # range" (DataError): either way the client's number, not a server error. (A view may also
    # read such a number as matching nothing: 200.)
    response = client.get(url)
    assert response.status_code in (200, 400, 404)
    assert "Traceback" not in response.content.decode()
