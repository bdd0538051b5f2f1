"""The notification settings page in Chromium: no axe-core violations in either language, at
desktop and phone width, reached from the staff menu, and the choice is saved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from actionplan.accounts.models import Profile
from actionplan.portal.tests.browser import axe_violations, describe_violations
from actionplan.progress.tests.test_browser import sign_in


@pytest.mark.e2e
def test_an_editor_chooses_the_digest_on_an_accessible_page(
    page: Page, live_server: LiveServer, osaka_editor: User
) -> None:
    sign_in(page, live_server, osaka_editor)
    page.get_by_role("link", name="お知らせメールの設定").click()
    page.get_by_label("1日1回まとめて（日次のお知らせ）").check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("お知らせメールの受け取り方を保存しました")).to_be_visible()
    assert Profile.objects.get(user=osaka_editor).notification_mode == "digest"
    problems = []
    for prefix in ("", "/en"):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{live_server.url}{prefix}/accounts/notifications/")
            violations = axe_violations(page)
            if violations:
                problems.append(describe_violations(f"{prefix} {width}", violations))
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (prefix, width, overflow)
    assert not problems, "\n".join(problems)
