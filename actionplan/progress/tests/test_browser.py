"""The progress follow-up as its users go through it, in Chromium against the live server: an
editor reports, the bureau returns and then accepts, the public sees the accepted report; and
the Excel round trip through the browser's download and upload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import PASSWORD
from actionplan.plans.models import Action
from actionplan.progress import excel
from actionplan.progress.models import ProgressReport, ReportingCycle, ReviewState, Status

from .conftest import YEAR

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shots(page: Page, name: str) -> None:
    """With SCREENSHOT_DIR set, the page as it looks on a desktop (1280 px) and a phone (360 px)."""
    if not SCREENSHOTS:
        return
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(
            path=str(Path(SCREENSHOTS) / f"progress-{name}-{width}.png"), full_page=True
        )
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page: Page, server: LiveServer, user: User) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="サインイン").click()
    page.wait_for_url(f"{server.url}/progress/**")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="サインアウト").click()
    page.wait_for_load_state()


@pytest.mark.e2e
def test_an_editor_reports_the_bureau_returns_then_accepts_and_the_public_sees_it(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    # The editor opens the open cycle, then their government's reports in it.
    sign_in(page, live_server, osaka_editor)
    page.get_by_role("link", name="報告受付").click()
    page.get_by_role("link", name="令和7年度（2025年度）", exact=True).click()
    page.get_by_role("link", name="大阪府").click()
    expect(page.locator("h1")).to_contain_text("大阪府の令和7年度（2025年度）進捗報告")
    shots(page, "body")
    page.get_by_role("link", name="記入", exact=True).click()
    page.select_option("#id_status", label="実施中")
    page.fill("#id_percent", "40")
    page.fill("#id_narrative_ja", "府内企業向けの説明会を開催")
    page.fill("#id_evidence_links", "https://example.jp/seminar")
    shots(page, "edit")
    page.get_by_role("button", name="保存（下書き）").click()
    expect(page.locator(".messages")).to_contain_text("保存しました")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator("dd.state-submitted")).to_contain_text("提出済み")
    sign_out(page)

    # The bureau finds it waiting for review and returns it with a comment.
    sign_in(page, live_server, bureau_staff)
    page.get_by_role("link", name=members_action.text_ja[:20], exact=False).click()
    page.fill("#id_comment", "参加企業数を書き添えてください")
    shots(page, "review")
    page.get_by_role("button", name="差し戻す").click()
    expect(page.locator("dd.state-returned")).to_contain_text("差し戻し")
    sign_out(page)

    # The editor sees the comment, corrects the report and submits it again.
    sign_in(page, live_server, osaka_editor)
    page.get_by_role("link", name="差し戻し").click()
    expect(page.locator("main")).to_contain_text("参加企業数を書き添えてください")
    shots(page, "returned")
    page.get_by_role("link", name="編集").click()
    page.fill("#id_percent", "60")
    page.fill("#id_narrative_ja", "府内企業向けの説明会を開催（参加企業 42社）")
    page.get_by_role("button", name="保存（下書き）").click()
    page.get_by_role("button", name="提出する").click()
    expect(page.locator("dd.state-submitted")).to_contain_text("提出済み")
    sign_out(page)

    # The bureau accepts it.
    sign_in(page, live_server, bureau_staff)
    page.get_by_role("link", name=members_action.text_ja[:20], exact=False).click()
    page.get_by_role("button", name="承認する").click()
    expect(page.locator("dd.state-accepted")).to_contain_text("承認済み")
    sign_out(page)

    report = ProgressReport.objects.get()
    assert (report.state, report.status, report.percent) == (
        ReviewState.ACCEPTED,
        Status.IN_PROGRESS,
        60,
    )
    # Anyone sees the accepted report on the action's public page.
    page.goto(f"{live_server.url}/progress/public/actions/{members_action.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("府内企業向けの説明会を開催（参加企業 42社）")
    expect(main).to_contain_text("実施中 · 60%")
    expect(main).to_contain_text("令和7年度（2025年度） · 大阪府")
    shots(page, "public")


@pytest.mark.e2e
def test_an_editor_fills_the_workbook_uploads_it_and_applies_it(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    tmp_path: Path,
) -> None:
    sign_in(page, live_server, osaka_editor)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excelワークブックをダウンロード").click()
    download = download_info.value
    assert download.suggested_filename == f"progress-{YEAR}-270008.xlsx"
    workbook_path = tmp_path / download.suggested_filename
    download.save_as(workbook_path)

    wb = load_workbook(workbook_path)
    ws = wb[excel.SHEET_NAME]
    assert ws.cell(row=excel.FIRST_ROW, column=excel.COL_ID).value == members_action.pk
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = "完了"
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = 100
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_NARRATIVE_JA).value = "ワークブックで報告"
    wb.save(workbook_path)

    page.get_by_role("link", name="記入したワークブックをアップロード").click()
    page.set_input_files("#id_workbook", str(workbook_path))
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url("**/progress/upload/*/")
    preview = page.locator("main table")
    expect(preview).to_contain_text("新規")
    expect(preview).to_contain_text("完了")
    shots(page, "preview")
    assert not ProgressReport.objects.exists()

    page.get_by_role("button", name="すべて反映する").click()
    expect(page.locator(".messages")).to_contain_text("1 件の報告を反映しました")
    row = page.locator("tbody tr", has_text=members_action.text_ja[:20])
    expect(row).to_contain_text("完了")
    expect(row).to_contain_text("100%")
    shots(page, "applied")
    report = ProgressReport.objects.get()
    assert (report.status, report.narrative_ja) == (Status.DONE, "ワークブックで報告")


@pytest.mark.e2e
def test_the_bureau_records_an_indicator_in_english_and_the_public_sees_its_table(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    bureau_staff: User,
) -> None:
    sign_in(page, live_server, bureau_staff)
    page.goto(f"{live_server.url}/en/progress/indicators/")
    page.fill("#id_name_ja", "説明会の参加企業数")
    page.fill("#id_name_en", "Companies at the seminars")
    page.fill("#id_unit", "社")
    page.fill("#id_action_id", str(members_action.pk))
    shots(page, "indicators")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The indicator was added")
    page.fill("#id_fiscal_year", "2024")
    page.fill("#id_value", "1250")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator("main table").first).to_contain_text("1,250 社")
    shots(page, "indicator")

    page.goto(f"{live_server.url}/en/progress/public/actions/{members_action.pk}/")
    table = page.get_by_role("table", name="Indicators of this action (values by fiscal year)")
    expect(table.get_by_role("row", name="Companies at the seminars")).to_contain_text("1,250")
    expect(table).to_contain_text("FY2024")
    shots(page, "public-indicators")
