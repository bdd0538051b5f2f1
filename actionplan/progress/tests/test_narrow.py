"""The progress staff pages on a phone: at 360 px wide the page never scrolls sideways; wide
tables scroll inside their own box. Measured in Chromium against the live server."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action
from actionplan.progress import actions
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ReportingCycle, Status

from .conftest import YEAR, osaka
from .test_browser import sign_in


@pytest.mark.e2e
def test_staff_pages_do_not_scroll_sideways_at_360_px(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40, "実施"), 0
    )
    actions.submit_report(osaka_editor, report, 1)
    sign_in(page, live_server, bureau_staff)
    page.set_viewport_size({"width": 360, "height": 800})
    paths = [
        f"/progress/?year={YEAR}",
        f"/progress/dashboard/?year={YEAR}",
        "/progress/cycles/",
        f"/progress/cycles/{YEAR}/",
        f"/progress/{YEAR}/270008/",
        f"/progress/{YEAR}/270008/{members_action.pk}/edit/",
        f"/progress/reports/{report.pk}/",
        "/progress/assignments/",
        f"/progress/assignments/matrix/?year={YEAR}",
        f"/progress/review/?year={YEAR}",
        "/progress/indicators/",
        "/progress/upload/",
        "/accounts/notifications/",
        f"/progress/annual/{YEAR}/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[path] = width
    assert too_wide == {}
