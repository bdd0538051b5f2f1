"""Browser tests: a Playwright page on the system's Chromium, aimed at pytest-django's live server.

The fixtures ``browser`` (one Chromium for the whole run) and ``page`` are registered once, in
``actionplan/conftest.py``, for every app's tests: a second sync Playwright in the same process
would fail. Use them as::

    @pytest.mark.e2e
    def test_it_shows_the_home_page(page: Page, live_server: LiveServer, plan_version) -> None:
        page.goto(live_server.url + "/")

Chromium comes from the operating system (`apt-get install chromium`, done by `.ci/run`), never
from Playwright's own download. Without it the tests are skipped locally, and fail under CI
(`CI` set), so a CI machine without a browser cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django would then refuse the
    # database calls that tests make between browser steps, although they are synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # axe-core is injected as an inline script, which the site's Content-Security-Policy
    # refuses; the policy itself is checked in a browser by operations/tests/test_csp_browser.py.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core (vendored) on the page and return its violations, each with its nodes."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags or AXE_TAGS
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:5])
        lines.append(f"{url}: {v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)
