"""axe-core in headless Chromium on every page type, in both languages: zero violations."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, MemberGovernment, Partnership, PlanVersion
from actionplan.portal.accessibility import record, record_axe

from .browser import AXE_SCRIPT, AXE_TAGS, axe_violations, describe_violations

# Set to 1 to store the results in actionplan/portal/accessibility.json, which the accessibility
# policy page shows (commit the file after a run).
RECORD = os.environ.get("PORTAL_RECORD_ACCESSIBILITY") == "1"


def axe_version() -> str:
    match = re.match(r"/\*! axe v([\d.]+)", AXE_SCRIPT.read_text(encoding="utf-8")[:100])
    assert match is not None
    return match.group(1)


def page_kind(path: str) -> str:
    """A tested path as a page type: ids of records replaced by a placeholder."""
    return re.sub(r"/(actions|partnerships)/\d+/", r"/\1/<id>/", path)


def page_paths(version: PlanVersion) -> list[str]:
    theme = version.themes.order_by("position").first()
    assert theme is not None
    action = Action.objects.filter(version=version, parent__isnull=False).first()
    assert action is not None
    partnership = Partnership.objects.filter(version=version).first()
    assert partnership is not None
    government = MemberGovernment.objects.get(lg_code="270008")
    period = version.periods.order_by("fiscal_year_start").first()
    assert period is not None
    return [
        "/",
        "/themes/",
        f"/themes/{theme.code}/",
        f"/themes/{theme.code}/{period.fiscal_year_start}/members/",
        f"/actions/{action.pk}/",
        "/developments/",
        "/partnerships/",
        f"/partnerships/{partnership.pk}/",
        "/governments/",
        f"/governments/{government.lg_code}/",
        "/hubs/",
        "/search/",
        "/search/?q=%E6%B0%B4%E7%B4%A0",
        "/opendata/",
        "/accessibility/",
        "/about/",
        "/revisions/",
        f"/revisions/{version.number}/",
        "/organizations/",
        "/proposals/new/",
        "/proposals/privacy/",
    ]


# The API documentation lives outside the language prefix; its language is ?lang=.
API_DOCS = "/api/v1/docs"


def recorded_pages(version: PlanVersion) -> list[str]:
    """The page types a run checks, as the results file lists them."""
    return [*(page_kind(p) for p in page_paths(version)), API_DOCS]


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_every_page_type_has_no_axe_violations(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, prefix: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    problems = []
    count = 0
    paths = page_paths(plan_version)
    api_docs = API_DOCS + "?lang=" + ("en" if prefix else "ja")
    for path in [*paths, api_docs]:
        url = f"{live_server.url}{path if path == api_docs else prefix + path}"
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        # Nothing to scroll sideways, at phone width too.
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{url}: wider than the screen ({width} px)")
        violations = axe_violations(page)
        count += sum(len(v["nodes"]) for v in violations)
        if violations:
            problems.append(describe_violations(url, violations))
    if RECORD:
        browser = page.context.browser
        record_axe(
            {
                "version": axe_version(),
                "browser": f"Chromium {browser.version if browser else ''}".strip(),
                "tags": AXE_TAGS,
                "pages": recorded_pages(plan_version),
            }
        )
        language = "en" if prefix else "ja"
        entry = {"language": language, "width": width, "pages": len(paths) + 1, "violations": count}
        record("runs", entry)
    assert not problems, "\n".join(problems)
