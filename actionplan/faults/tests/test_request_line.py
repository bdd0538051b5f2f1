"""Long search queries: the app answers them, in the reader's language, not the HTTP server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from actionplan.cli import LIMIT_REQUEST_LINE
from actionplan.plans.models import PlanVersion
from actionplan.search.queries import MAX_QUERY_LENGTH

from . import live

LONG_QUERY = "関西の水素サプライチェーン" * 40  # 520 characters, 4,680 bytes percent-encoded
# 1,000 kanji: 9,000 bytes percent-encoded, more than any request line gunicorn accepts.
TOO_LONG_QUERY = "漢" * 1000


def test_the_longest_query_fits_the_request_line() -> None:
    line = f"GET /en/search/?q={quote('漢' * MAX_QUERY_LENGTH)}&kind=action&page=2 HTTP/1.1"
    assert len(line.encode()) < LIMIT_REQUEST_LINE


def test_a_long_query_gets_a_japanese_400_page(client: Client, plan_version: PlanVersion) -> None:
    response = client.get("/search/", {"q": LONG_QUERY})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"検索語は{MAX_QUERY_LENGTH}文字までです（{len(LONG_QUERY)}文字あります）。" in page


def test_a_long_query_gets_an_english_400_page_under_en(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/en/search/", {"q": LONG_QUERY}).content.decode()
    assert f"A search is at most {MAX_QUERY_LENGTH} characters" in page


def test_the_search_box_states_the_limit(client: Client, plan_version: PlanVersion) -> None:
    page = client.get("/search/").content.decode()
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in page
    assert f"{MAX_QUERY_LENGTH}文字まで" in page
    english = client.get("/en/search/").content.decode()
    assert f"up to {MAX_QUERY_LENGTH} characters" in english


def test_a_long_api_query_is_a_422_naming_q(client: Client, plan_version: PlanVersion) -> None:
    response = client.get("/api/v1/search", {"q": LONG_QUERY})
    assert response.status_code == 422
    assert response.json()["field"] == "q"


@pytest.mark.slow
@live.own_databases
def test_the_server_passes_a_long_query_to_the_app(site: tuple[live.Site, Path]) -> None:
    prepared, folder = site
    server = live.Server(prepared, folder, workers=1, threads=2)
    try:
        answer = live.request(f"{server.base}/search/?q={quote(LONG_QUERY)}")
    finally:
        server.stop()
    assert answer.status == 400  # not gunicorn's 414 "URI Too Long"
    assert "文字までです" in answer.body.decode()


def test_a_request_line_longer_than_the_server_takes_gets_the_sites_bilingual_page() -> None:
    from actionplan.operations.worker import REQUEST_TOO_LONG_PAGE, request_too_long_response

    line = f"GET /search/?q={quote(TOO_LONG_QUERY)} HTTP/1.1"
    assert len(line.encode()) > LIMIT_REQUEST_LINE
    head, _, body = request_too_long_response().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ")
    assert b"Content-Type: text/html; charset=utf-8" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert body == REQUEST_TOO_LONG_PAGE.read_bytes()
    page = body.decode()
    assert "アドレスが長すぎます" in page and "The address is too long" in page


@pytest.mark.slow
@live.own_databases
@pytest.mark.parametrize("threads", [1, 2])
def test_the_server_answers_a_too_long_request_line_with_the_sites_page(
    site: tuple[live.Site, Path], threads: int
) -> None:
    prepared, folder = site
    server = live.Server(prepared, folder, workers=1, threads=threads)
    try:
        answer = live.request(f"{server.base}/search/?q={quote(TOO_LONG_QUERY)}")
        after = live.request(f"{server.base}/healthz")
    finally:
        server.stop()
    assert answer.status == 414
    page = answer.body.decode()
    assert '<html lang="ja">' in page and '<header class="site-header">' in page
    assert "アドレスが長すぎます" in page and "The address is too long" in page
    assert "URI Too Long</p>" not in page  # not gunicorn's own page
    assert after.status == 200  # the worker goes on serving
