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


@pytest.mark.parametrize(
    ("line_start", "language"),
    [
        (b"GET /en/search/?q=aaaa", "en"),
        (b"GET /en?q=aaaa", "en"),
        (b"GET /en HTTP/1.1", "en"),
        (b"GET http://example.org/en/search/?q=aaaa", "en"),
        (b"GET /search/?q=aaaa", "ja"),
        (b"GET /?q=/en/", "ja"),
        (b"GET /english/?q=aaaa", "ja"),
        (b"GET /enaaaa", "ja"),
        (b"GET", "ja"),
        (b"", "ja"),
    ],
)
def test_the_language_of_a_too_long_request_line_is_that_of_its_path(
    line_start: bytes, language: str
) -> None:
    from actionplan.operations.worker import language_of_request_line

    assert language_of_request_line(line_start) == language


@pytest.mark.parametrize(
    ("language", "said", "unsaid"),
    [
        ("ja", ["アドレスが長すぎます", 'href="/">トップページへ'], ["The address is too long"]),
        ("en", ["The address is too long", 'href="/en/">Go to the home page'], ["アドレス"]),
    ],
)
def test_a_request_line_longer_than_the_server_takes_gets_the_sites_page_in_one_language(
    language: str, said: list[str], unsaid: list[str]
) -> None:
    from actionplan.operations.worker import request_too_long_response

    line = f"GET /search/?q={quote(TOO_LONG_QUERY)} HTTP/1.1"
    assert len(line.encode()) > LIMIT_REQUEST_LINE
    head, _, body = request_too_long_response(language).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ")
    assert b"Content-Type: text/html; charset=utf-8" in head
    assert f"Content-Language: {language}\r\n".encode() in head
    assert f"Content-Length: {len(body)}".encode() in head
    page = body.decode()
    assert f'<html lang="{language}">' in page and '<header class="site-header">' in page
    assert all(words in page for words in said)
    assert not any(words in page for words in unsaid)


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
        english = live.request(f"{server.base}/en/search/?q={'a' * 9000}")
        after = live.request(f"{server.base}/healthz")
    finally:
        server.stop()
    assert answer.status == 414
    page = answer.body.decode()
    assert '<html lang="ja">' in page and '<header class="site-header">' in page
    assert "アドレスが長すぎます" in page and "The address is too long" not in page
    assert "URI Too Long</p>" not in page  # not gunicorn's own page
    assert english.status == 414
    page = english.body.decode()
    assert '<html lang="en">' in page and '<header class="site-header">' in page
    assert "The address is too long" in page and "アドレス" not in page
    assert after.status == 200  # the worker goes on serving
