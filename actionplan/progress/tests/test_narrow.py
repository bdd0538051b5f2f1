"""The progress staff pages on a phone: at 360 px wide the page never scrolls sideways; wide
tables scroll inside their own box. Measured in Chromium against the live server."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ReportingCycle, Status

from .conftest import YEAR, osaka
from .test_browser import sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _bad_workbook() -> bytes:
    """The Union's workbook with a percent out of range: the upload page lists the error."""
    workbook = load_workbook(io.BytesIO(excel.build_workbook(YEAR, None)))
    sheet = workbook[excel.SHEET_NAME]
    sheet.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = "実施中"
    sheet.cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = 150
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_admin_pages_with_wide_tables_do_not_scroll_sideways_at_360_px(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_admin: User,
    prefix: str,
) -> None:
    # A lock-out from a long (IPv6) address, for the list of lock-outs.
    locked = Client(REMOTE_ADDR="2001:db8:85a3:8d3:1319:8a2e:370:7348")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post("/accounts/login/", {"username": "osaka", "password": "wrong"})
    admin = client_for(bureau_admin)
    workbook = excel.build_workbook(YEAR, None)
    name = "進捗報告_関西広域連合_令和7年度_記入済み_最終版_広域産業振興局確認済み.xlsx"
    preview = admin.post("/progress/upload/", {"workbook": SimpleUploadedFile(name, workbook)})
    assert preview.status_code == 302
    # Someone else's upload: the page an admin gets for it (not found) must fit too.
    others = client_for(osaka_editor).post(
        "/progress/upload/",
        {"workbook": SimpleUploadedFile("w.xlsx", excel.build_workbook(YEAR, osaka()))},
    )
    session = admin.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 360, "height": 800})
    paths = [
        preview["Location"],
        others["Location"],
        "/accounts/lockouts/",
        "/progress/cycles/",
        f"/progress/cycles/{YEAR}/",
        "/progress/assignments/",
        f"/progress/actions/{members_action.pk}/assign/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(f"{live_server.url}{prefix}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[path] = width
    # The upload page listing a workbook's errors.
    page.goto(f"{live_server.url}{prefix}/progress/upload/")
    page.set_input_files(
        "#id_workbook",
        {"name": "w.xlsx", "mimeType": XLSX, "buffer": _bad_workbook()},
    )
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[role=alert] td").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        too_wide["/progress/upload/ (errors)"] = width
    assert too_wide == {}
    # Each wide table scrolls in a box that a keyboard can reach and a screen reader names.
    page.goto(f"{live_server.url}{prefix}/progress/assignments/")
    box = page.locator(".table-scroll").first
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label")
