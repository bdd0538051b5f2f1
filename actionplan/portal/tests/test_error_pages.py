"""The pages nginx answers itself (error_page of deploy/nginx/actionplan.conf): a request line
too long (414), no app process answering (502/503/504: a 503, JSON under /api/). Static files
of the package, bilingual (Japanese first, then English), with no inline script or style, which
the site's policy forbids.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.api.errors import error_body
from actionplan.faults.classify import RETRY_AFTER_SECONDS

from .browser import axe_violations, describe_violations

CHECKOUT = Path(__file__).resolve().parents[3]
SITE = CHECKOUT / "deploy" / "nginx" / "actionplan.conf"
STATIC = CHECKOUT / "actionplan" / "portal" / "static"
PAGES = {
    "portal/errors/request-too-long.html": ("アドレスが長すぎます", "The address is too long"),
    "portal/errors/unavailable.html": ("一時的にご利用いただけません", "Temporarily unavailable"),
}


def _map(text: str, variable: str) -> dict[str, str]:
    """The entries (pattern -> value) of the site's `map $uri $<variable>`."""
    block = re.search(r"^map \$uri \$" + variable + r" \{(.*?)^\}", text, flags=re.M | re.S)
    assert block is not None, f"no map of ${variable}"
    return dict(re.findall(r"^\s*(\S+)\s+(\S+);", block.group(1), flags=re.M))


def nginx_error_pages() -> dict[int, tuple[int, dict[str, str]]]:
    """What the nginx site answers each code it handles with: the status it answers, and the
    static file (relative to STATIC_ROOT) for each pattern of the request's $uri."""
    text = SITE.read_text(encoding="utf-8")
    location = re.search(
        r"location (/\S+/) \{\s*internal;\s*alias /srv/actionplan/static/(\S+);", text
    )
    assert location is not None, "no internal location of the error pages"
    prefix, folder = location.groups()
    pages = {}
    for codes, status, uri in re.findall(
        r"^\s*error_page ([\d ]+?) (?:=(\d+) )?(\S+);", text, flags=re.M
    ):
        by_uri = _map(text, uri.removeprefix("$")) if uri.startswith("$") else {"default": uri}
        for target in by_uri.values():
            assert target.startswith(prefix), target
        files = {
            pattern: folder + target.removeprefix(prefix) for pattern, target in by_uri.items()
        }
        for code in codes.split():
            pages[int(code)] = (int(status or code), files)
    return pages


def test_nginx_answers_its_own_errors_with_pages_the_package_ships() -> None:
    pages = nginx_error_pages()
    unavailable = (
        503,
        {"~^/api/": "portal/errors/unavailable.json", "default": "portal/errors/unavailable.html"},
    )
    assert pages == {
        414: (414, {"default": "portal/errors/request-too-long.html"}),
        502: unavailable,
        503: unavailable,
        504: unavailable,
    }
    assert all((STATIC / name).is_file() for _, files in pages.values() for name in files.values())
    # A client waits as long as the app's own 503 asks (faults.classify.RETRY_AFTER_SECONDS).
    retry = _map(SITE.read_text(encoding="utf-8"), "unavailable_retry_after")
    assert retry == {"~^/errors/unavailable\\.": str(RETRY_AFTER_SECONDS), "default": '""'}


def test_the_api_gets_its_own_error_shape_when_no_app_process_answers() -> None:
    body = json.loads((STATIC / "portal" / "errors" / "unavailable.json").read_text("utf-8"))
    assert body == error_body(503, "unavailable", body["message"])
    assert f"retry in {RETRY_AFTER_SECONDS} s" in body["message"]


@pytest.mark.parametrize(("name", "sentences"), PAGES.items())
def test_an_error_page_is_japanese_then_english_with_no_inline_code(
    name: str, sentences: tuple[str, str]
) -> None:
    html = (STATIC / name).read_text(encoding="utf-8")
    assert '<html lang="ja">' in html
    japanese, english = sentences
    body = html.split("<body>", 1)[1]
    assert body.index(japanese) < body.index('lang="en"') < body.index(english)
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", html, flags=re.I)
    # Only files that exist under STATIC_ROOT: nginx serves the page while the app is down.
    for link in re.findall(r'href="(/static/[^"]+)"', html):
        assert (STATIC / link.removeprefix("/static/")).is_file(), link


@pytest.mark.e2e
@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name", PAGES)
def test_an_error_page_has_no_axe_violations(
    page: Page, live_server: LiveServer, name: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    url = f"{live_server.url}/static/{name}"
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert not violations, describe_violations(url, violations)
