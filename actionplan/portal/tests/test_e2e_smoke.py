from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import PlanVersion


@pytest.mark.e2e
def test_browser_opens_the_home_page_of_the_live_server(
    page: Page, live_server: LiveServer, plan_version: PlanVersion
) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ja"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "関西広域産業ビジョン アクションプラン"
