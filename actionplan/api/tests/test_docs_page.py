"""The documentation page /api/v1/docs: the OpenAPI document rendered on the server, in the
page's language, with no script of its own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actionplan.api.docs import operations

pytestmark = pytest.mark.django_db


def test_the_page_lists_every_operation_of_the_openapi_document(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    found = operations(document)
    assert len(found) >= 5
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert f"{method.upper()}</span> <code>{path}</code>" in page, (method, path)
            for parameter in operation.get("parameters", []):
                assert f"<code>{parameter['name']}</code>" in page, (path, parameter["name"])
    # One heading per operation, each with a unique anchor the list of operations links to.
    anchors = re.findall(r'<h2 id="(op-[^"]+)"', page)
    assert len(anchors) == len(found) == len(set(anchors))
    for anchor in anchors:
        assert f'href="#{anchor}"' in page
    assert '<a href="/api/v1/openapi.json">' in page


def test_the_page_has_no_script_but_the_portals_and_nothing_from_elsewhere(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/static/portal/nav.js" defer>']
    assert "swagger" not in page.lower()
    # Nothing is loaded from another host; the only addresses elsewhere are the footer's links
    # to the official sources, marked as leaving the site.
    tags_elsewhere = re.findall(r"<[^>]*\b(?:src|href)=\"(?:https?:)?//[^>]*>", page)
    assert tags_elsewhere and all(
        tag.startswith("<a ") and 'rel="external noopener"' in tag for tag in tags_elsewhere
    )


def test_the_page_speaks_japanese_or_english(client: Client) -> None:
    japanese = client.get("/api/v1/docs").content.decode()
    assert '<html lang="ja">' in japanese and "<h1>APIの説明</h1>" in japanese
    assert "パラメータ" in japanese and 'href="/api/v1/docs?lang=en"' in japanese
    english = client.get("/api/v1/docs?lang=en").content.decode()
    assert '<html lang="en">' in english and "<h1>API documentation</h1>" in english
    assert "Parameters" in english and "パラメータ" not in english
    assert 'href="/api/v1/docs?lang=ja"' in english
    # An unknown language falls back to the request's language instead of failing.
    assert client.get("/api/v1/docs?lang=xx").status_code == 200
