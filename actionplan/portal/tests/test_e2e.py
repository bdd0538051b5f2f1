"""End to end in Chromium: reading the plan, switching language, searching, keyboard use."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, PlanVersion
from actionplan.portal.accessibility import record

from .test_accessibility import RECORD, page_paths

WIDTHS = (360, 1280)


def shoot(page: Page, directory: Path, name: str) -> None:
    """Screenshots at phone and desktop width, for a person to look at (kept out of git)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(directory / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.e2e
def test_reader_goes_from_home_to_a_theme_to_an_action_then_to_english_and_searches(
    page: Page,
    live_server: LiveServer,
    plan_version: PlanVersion,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    shots = tmp_path_factory.mktemp("portal-screenshots")
    theme = plan_version.themes.get(code="carbon_neutral")
    page.goto(live_server.url + "/")
    shoot(page, shots, "1-home")
    page.get_by_role("link", name=theme.name_ja, exact=True).first.click()
    page.wait_for_url(f"**/themes/{theme.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == theme.name_ja
    shoot(page, shots, "2-theme")

    action = (
        Action.objects.filter(theme=theme, parent__isnull=True)
        .order_by("actor", "period__position", "position")
        .first()
    )
    assert action is not None
    page.locator(f'table a[href="/actions/{action.pk}/"]').click()
    page.wait_for_url(f"**/actions/{action.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == action.text_ja
    shoot(page, shots, "3-action")

    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**/en/actions/{action.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == action.text_en
    assert page.locator('dd[lang="ja"]').inner_text() == action.text_ja
    shoot(page, shots, "4-action-en")

    page.get_by_role("navigation", name="Site menu").get_by_role("link", name="Search").click()
    page.get_by_label("Keywords").fill("hydrogen")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/en/search/?q=hydrogen**")
    results = page.locator("ol.results > li")
    assert results.count() > 3
    assert page.locator("ol.results mark").count() > 0
    shoot(page, shots, "5-search-en")
    first = results.first.get_by_role("link")
    href = first.get_attribute("href") or ""
    assert href.startswith("/en/")
    first.click()
    page.wait_for_url("**" + href)
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("link", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    # The same page in Japanese; a hit's #anchor (a hub, a development) stays in the browser
    # and never reaches the server that writes the language link.
    assert page.url == live_server.url + href.removeprefix("/en").split("#")[0]
    print(f"screenshots: {shots}")


def _csv_download_served() -> bool:
    try:
        reverse("opendata:file", kwargs={"name": "actions.csv"})
    except NoReverseMatch:
        return False
    return True


@pytest.mark.e2e
@pytest.mark.skipif(not _csv_download_served(), reason="the open-data files are not served yet")
def test_reader_downloads_the_actions_csv_from_the_open_data_page(
    page: Page, live_server: LiveServer, plan_version: PlanVersion
) -> None:
    page.goto(live_server.url + "/opendata/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="actions.csv をダウンロード").click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert len(rows) == Action.objects.filter(version=plan_version).count()
    assert {"action_id", "theme_code", "text_ja", "text_en"} <= set(rows[0])


@pytest.mark.e2e
def test_keyboard_user_skips_to_the_content_and_sees_where_focus_is(
    page: Page, live_server: LiveServer, plan_version: PlanVersion
) -> None:
    page.goto(live_server.url + "/themes/startups/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent.trim()")
    assert skip == "本文へ移動"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0  # shown on screen once focused
    outline = page.evaluate(
        "[getComputedStyle(document.activeElement).outlineStyle,"
        " parseFloat(getComputedStyle(document.activeElement).outlineWidth)]"
    )
    assert outline[0] != "none" and outline[1] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    if RECORD:
        record("keyboard", {"check": "skip-link-and-focus", "passed": True})


@pytest.mark.e2e
def test_phone_reader_opens_and_closes_the_menu_with_the_keyboard(
    page: Page, live_server: LiveServer, plan_version: PlanVersion
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/themes/startups/")
    nav = page.get_by_role("navigation", name="サイト内メニュー")
    toggle = nav.get_by_role("button", name="メニュー", exact=True)
    search = nav.get_by_role("link", name="検索", exact=True)
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not search.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert search.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "ホーム"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # The reader is on a theme page: the menu says so.
    assert nav.locator('a[aria-current="page"]').inner_text() == "取組項目"
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not search.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "メニュー"

    page.set_viewport_size({"width": 1280, "height": 800})
    assert not toggle.is_visible()
    assert search.is_visible()
    if RECORD:
        record("keyboard", {"check": "menu-disclosure", "passed": True})


@pytest.mark.e2e
def test_without_javascript_the_menu_is_a_plain_list_on_a_phone(
    browser: Browser, live_server: LiveServer, plan_version: PlanVersion
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/en/")
        nav = tab.get_by_role("navigation", name="Site menu")
        assert nav.get_by_role("button").count() == 0
        for name in ("Home", "Themes", "Search", "Open data"):
            assert nav.get_by_role("link", name=name, exact=True).is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_page_type_has_landmarks_and_headings_in_order(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, prefix: str
) -> None:
    for path in page_paths(plan_version):
        page.goto(f"{live_server.url}{prefix}{path}")
        assert page.get_by_role("banner").count() == 1, path
        assert page.get_by_role("main").count() == 1, path
        assert page.get_by_role("contentinfo").count() == 1, path
        assert page.locator("nav[aria-label]").count() >= 1, path
        levels = page.eval_on_selector_all(
            "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => Number(h.tagName[1]))"
        )
        assert levels.count(1) == 1, path
        assert levels[0] == 1, path
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"{path}: h{before} followed by h{after}"
