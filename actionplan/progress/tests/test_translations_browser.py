"""The translation page in Chromium: no axe-core violations in either language, at desktop and
phone width, and an English text written there shows on the public English page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, PlanVersion
from actionplan.portal.tests.browser import axe_violations, describe_violations

from .test_browser import sign_in

ENGLISH = "Take part in a partnering event for the bio business."


@pytest.mark.e2e
def test_bureau_writes_english_on_an_accessible_page(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = Action.objects.filter(version=plan_version).order_by("pk").first()
    assert action is not None
    Action.objects.filter(pk=action.pk).update(text_en="")
    sign_in(page, live_server, bureau_staff)
    page.get_by_role("link", name="英訳の入力").click()
    problems = []
    for prefix in ("", "/en"):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{live_server.url}{prefix}/progress/translations/")
            violations = axe_violations(page)
            if violations:
                problems.append(describe_violations(f"{prefix} {width}", violations))
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (prefix, width, overflow)
    assert not problems, "\n".join(problems)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/progress/translations/")
    item = page.locator(f"#action-action-text-{action.pk}")
    item.get_by_label("英訳（非公式）").fill(ENGLISH)
    item.get_by_role("button", name="保存").click()
    expect(page.get_by_text("英訳を保存しました（非公式）")).to_be_visible()
    expect(page.locator(f"#action-action-text-{action.pk}")).to_have_count(0)
    page.goto(f"{live_server.url}/en/actions/{action.pk}/")
    expect(page.get_by_text(ENGLISH).first).to_be_visible()
