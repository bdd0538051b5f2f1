"""The Content-Security-Policy, enforced by a real Chromium: nothing on the pages is refused,
and the pages still work under it (the menu script, the charts, the API documentation)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, ConsoleMessage
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import PASSWORD
from actionplan.plans.models import PlanVersion

PAGES = [
    "/",
    "/en/themes/carbon_neutral/",
    "/hubs/",
    "/proposals/new/",
    "/api/v1/docs",
    "/admin/login/",
    "/progress/annual/2025/",
]


@pytest.mark.e2e
def test_no_page_breaks_the_policy(
    browser: Browser, live_server: LiveServer, plan_version: PlanVersion, bureau_admin: User
) -> None:
    # A context that enforces the policy (the shared `page` fixture bypasses it for axe-core).
    context = browser.new_context(viewport={"width": 360, "height": 800})
    tab = context.new_page()
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{tab.url}: {message.text}")

    tab.on("console", on_console)
    try:
        for path in PAGES:
            response = tab.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            assert "default-src 'self'" in response.headers["content-security-policy"]
            tab.wait_for_load_state("networkidle")
        # The API documentation is rendered on the server, with its own stylesheet.
        tab.goto(live_server.url + "/api/v1/docs")
        border = tab.eval_on_selector(
            ".api-table th", "node => getComputedStyle(node).borderTopStyle"
        )
        assert border == "solid"
        # The phone menu's script runs: its button opens the menu.
        tab.goto(live_server.url + "/")
        button = tab.get_by_role("button", name="メニュー")
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        # The chart's bars have their lengths without any style attribute.
        widths = tab.eval_on_selector_all(
            ".bars__segment", "nodes => nodes.map(n => n.getBoundingClientRect().width)"
        )
        assert widths and max(widths) > 50
        # A staff page with its stylesheet, signed in through the form.
        tab.goto(live_server.url + "/accounts/login/")
        tab.fill("input[name=username]", bureau_admin.username)
        tab.fill("input[name=password]", PASSWORD)
        tab.locator("form button[type=submit], form input[type=submit]").last.click()
        tab.goto(live_server.url + "/progress/")
        tab.wait_for_load_state("networkidle")
        display = tab.eval_on_selector(".progress-nav ul", "node => getComputedStyle(node).display")
        assert display == "flex"
    finally:
        context.close()
    assert refused == []
