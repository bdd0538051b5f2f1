"""The desk's and the accounts' staff pages at 360 px in Chromium: no sideways page scroll (wide
tables scroll inside their box) and no axe-core violation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import client_for
from actionplan.partnerships import actions, needs
from actionplan.plans.models import Action, Hub, MemberGovernment, PlanVersion
from actionplan.portal.tests.browser import axe_violations

from .conftest import proposal_input

# The words (runs of Latin letters and digits) of the cells of scrolling tables that the browser
# laid out over more than one line, i.e. broke inside ("Ja|pa|ne|se").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.table-scroll th, .table-scroll td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[A-Za-z0-9]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (range.getClientRects().length > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_staff_pages_fit_a_360_px_phone(
    page: Page,
    live_server: LiveServer,
    plan_version: PlanVersion,
    bureau_admin: User,
    prefix: str,
) -> None:
    long_title = "港湾物流における水素燃料電池フォークリフトと小型水素ステーションの導入実証" * 2
    submitted = actions.submit_proposal(proposal_input(title=long_title))
    agreed = actions.submit_proposal(proposal_input()).proposal
    actions.screen_proposal(bureau_admin, agreed)
    osaka = MemberGovernment.objects.get(lg_code="270008")
    actions.refer_proposal(bureau_admin, agreed, governments=[osaka])
    actions.start_discussion(bureau_admin, agreed)
    actions.agree_proposal(bureau_admin, agreed)
    client_for(bureau_admin).post(
        "/accounts/users/", {"email": "guest@example.jp", "role": "reviewer"}
    )
    # An action with a saved change: its page shows the restore button and a history row.
    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    needs.save_needs(
        bureau_admin, plan_version.plan, action.key, ["展示会に出たい" * 11], ["find a partner"]
    )
    session = client_for(bureau_admin).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 360, "height": 800})
    paths = [
        "/desk/proposals/",
        f"/desk/proposals/{submitted.proposal.pk}/",
        f"/desk/proposals/{agreed.pk}/agreement/",
        "/desk/organizations/new/",
        f"/desk/hubs/{Hub.objects.first().pk}/",  # type: ignore[union-attr]
        "/desk/needs/",
        f"/desk/needs/{action.key}/",
        "/accounts/users/",
        f"/proposals/status/{submitted.status_token}/",
    ]
    for path in paths:
        page.goto(f"{live_server.url}{prefix}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        # A table too wide for the phone scrolls in its box rather than breaking its words.
        assert page.evaluate(BROKEN_WORDS) == [], path
        found = axe_violations(page)
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found] == [], path
    if prefix:
        # The list's English table is wider than the phone: its box scrolls.
        page.goto(f"{live_server.url}{prefix}/desk/needs/")
        box = page.locator(".table-scroll").first
        assert box.evaluate("box => box.scrollWidth > box.clientWidth")
