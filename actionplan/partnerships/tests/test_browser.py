"""The proposal form as a proposer uses it, in Chromium against the live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.partnerships.models import Proposal, State
from actionplan.plans.models import PlanVersion

from .conftest import CONTACT_NAME, EMAIL, PDF, PHONE

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("prefix", "submit", "consent", "withdraw", "confirm", "withdrawn"),
    [
        (
            "",
            "提案を送信する",
            "個人情報の取扱いに同意します",
            "提案を取り下げる",
            "取り下げる",
            "取り下げ",
        ),
        (
            "/en",
            "Submit the proposal",
            "I agree to the handling of my personal data",
            "Withdraw the proposal",
            "Withdraw",
            "Withdrawn",
        ),
    ],
)
def test_a_proposer_submits_follows_and_withdraws_in_the_browser(
    page: Page,
    live_server: LiveServer,
    plan_version: PlanVersion,
    tmp_path: Path,
    prefix: str,
    submit: str,
    consent: str,
    withdraw: str,
    confirm: str,
    withdrawn: str,
) -> None:
    attachment = tmp_path / "proposal.pdf"
    attachment.write_bytes(PDF)
    page.goto(f"{live_server.url}{prefix}/proposals/new/")
    page.fill("#id_organization_name", "株式会社ブラウザ水素")
    page.select_option("#id_organization_kind", "company")
    page.fill("#id_contact_name", CONTACT_NAME)
    page.fill("#id_email", EMAIL)
    page.fill("#id_phone", PHONE)
    page.check("input[name=themes][value=carbon_neutral]")
    page.fill("#id_title", "<script>alert(1)</script>水素の実証")
    page.fill("#id_summary", "港湾での水素燃料電池の実証を提案します。")
    page.set_input_files("#id_attachments", str(attachment))
    page.get_by_label(consent).check()
    _shot(page, f"desk-form{prefix.replace('/', '-')}.png")
    page.get_by_role("button", name=submit).click()
    page.wait_for_url("**/proposals/status/**")
    _shot(page, f"desk-status{prefix.replace('/', '-')}.png")

    proposal = Proposal.objects.get()
    assert page.locator("#receipt-number").inner_text() == proposal.receipt_number
    # The title is shown as text, never run as a script.
    assert "<script>alert(1)</script>水素の実証" in page.inner_text("main")
    assert proposal.attachments.get().content_type == "application/pdf"
    assert proposal.language == ("en" if prefix else "ja")
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert page.url.removeprefix(live_server.url) in mail.outbox[0].body

    page.get_by_role("button", name=withdraw).click()
    page.wait_for_load_state()
    # The withdrawal is asked once more before it is done.
    proposal.refresh_from_db()
    assert proposal.state == State.RECEIVED
    page.get_by_role("button", name=confirm, exact=True).click()
    page.wait_for_url(re.compile(r"/proposals/status/[^/]+/$"))
    page.wait_for_load_state()
    assert withdrawn in page.locator("#state").inner_text()
    proposal.refresh_from_db()
    assert proposal.state == State.WITHDRAWN
