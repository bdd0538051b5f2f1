"""axe-core on the pages this suite's recorded list leaves out: the error page, a search without
results, and an action of the open-ended year (caveat and related records)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, PlanVersion

from .browser import axe_violations, describe_violations


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_error_help_and_open_period_pages_have_no_axe_violations(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, prefix: str, width: int
) -> None:
    action = Action.objects.filter(version=plan_version, period__fiscal_year_end=None).first()
    assert action is not None
    page.set_viewport_size({"width": width, "height": 800})
    problems = []
    for path, status in (
        ("/themes/no-such-theme/", 404),
        ("/search/?q=%E7%A9%BA%E9%A3%9B%E3%81%B6%E8%BB%8A", 200),
        (f"/actions/{action.pk}/", 200),
    ):
        response = page.goto(f"{live_server.url}{prefix}{path}")
        assert response is not None and response.status == status, path
        # No page may be wider than the screen (360 px: nothing to scroll sideways).
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        violations = axe_violations(page)
        if violations:
            problems.append(describe_violations(prefix + path, violations))
    assert not problems, "\n".join(problems)
