"""The staff pages of background work in a real Chromium: accessible (axe) at desktop and phone
widths, in Japanese and English."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.mail.models import OutgoingMail
from actionplan.mail.outbox import enqueue_mail
from actionplan.mail.tests.test_outbox import smtp_port
from actionplan.plans.models import PlanVersion
from actionplan.portal.tests.browser import axe_violations, describe_violations
from actionplan.progress.tests.conftest import YEAR
from actionplan.progress.tests.test_browser import sign_in

__all__ = ["smtp_port"]  # a fixture this test uses


@pytest.mark.e2e
def test_the_outbox_and_pdf_pages_pass_axe_at_both_widths_in_both_languages(
    page: Page,
    live_server: LiveServer,
    plan_version: PlanVersion,
    bureau_staff: User,
    smtp_port: int,
) -> None:
    # Nothing listens on the SMTP port: the mail stays in the outbox's table of unsent mail.
    enqueue_mail("【受付】テストの提案", "本文", ["someone@example.jp"])
    assert OutgoingMail.objects.get().attempts == 1
    sign_in(page, live_server, bureau_staff)
    for prefix in ("", "/en"):
        for path in ("/jobs/", f"/progress/annual/{YEAR}.pdf"):
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 900})
                url = f"{live_server.url}{prefix}{path}"
                page.goto(url)
                violations = axe_violations(page)
                assert violations == [], describe_violations(url, violations)
                # Nothing wider than a phone's screen.
                assert page.evaluate("document.documentElement.scrollWidth") <= max(width, 360)
