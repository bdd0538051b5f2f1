"""axe-core in headless Chromium on every page type, in both languages: zero violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, MemberGovernment, Partnership, PlanVersion

from .browser import axe_violations, describe_violations


def page_paths(version: PlanVersion) -> list[str]:
    theme = version.themes.order_by("position").first()
    assert theme is not None
    action = Action.objects.filter(version=version, parent__isnull=False).first()
    assert action is not None
    partnership = Partnership.objects.filter(version=version).first()
    assert partnership is not None
    government = MemberGovernment.objects.get(lg_code="270008")
    return [
        "/",
        f"/themes/{theme.code}/",
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
    ]


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_every_page_type_has_no_axe_violations(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, prefix: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    problems = []
    for path in page_paths(plan_version):
        url = f"{live_server.url}{prefix}{path}"
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        violations = axe_violations(page)
        if violations:
            problems.append(describe_violations(prefix + path, violations))
    assert not problems, "\n".join(problems)
