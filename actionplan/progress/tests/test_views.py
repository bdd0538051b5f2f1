from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from openpyxl import load_workbook

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions, annual, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import (
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportingCycle,
    ReviewState,
    Status,
)

from .conftest import YEAR, osaka


def edit_url(action: Action, code: str = "270008") -> str:
    return f"/progress/{YEAR}/{code}/{action.pk}/edit/"


def form(status: str = "in_progress", percent: int = 30, revision: int = 0) -> dict[str, object]:
    return {
        "status": status,
        "percent": percent,
        "narrative_ja": "説明会を2回開催",
        "narrative_en": "",
        "evidence_links": "https://example.jp/a\nhttps://example.jp/b",
        "revision": revision,
    }


def test_editor_fills_in_the_form_and_sees_the_report(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    client = client_for(osaka_editor)
    page = client.get(edit_url(members_action))
    assert page.status_code == 200 and members_action.text_ja in page.content.decode()
    response = client.post(edit_url(members_action), form(), follow=True)
    report = ProgressReport.objects.get()
    assert report.evidence_links == ["https://example.jp/a", "https://example.jp/b"]
    html = response.content.decode()
    assert "説明会を2回開催" in html and "下書き" in html and "提出する" in html


def test_two_editors_on_one_report_the_later_save_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    # Both opened the form at revision 1; staff saves first.
    client_for(bureau_staff).post(edit_url(members_action), form(percent=50, revision=1))
    response = client_for(osaka_editor).post(edit_url(members_action), form(percent=70, revision=1))
    assert response.status_code == 200
    assert "他の人が先に更新しました" in response.content.decode()
    assert ProgressReport.objects.get().percent == 50


def test_form_errors_name_the_field(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    data = form()
    data["evidence_links"] = "not a url"
    response = client_for(osaka_editor).post(edit_url(members_action), data)
    assert "根拠資料のURLが正しくありません" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_bureau_returns_with_comment_and_history_is_shown(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    report = actions.submit_report(osaka_editor, report, 1)
    staff = client_for(bureau_staff)
    staff.post(f"/progress/reports/{report.pk}/return/", {"revision": 2, "comment": ""})
    report.refresh_from_db()
    assert report.state == ReviewState.SUBMITTED
    staff.post(f"/progress/reports/{report.pk}/return/", {"revision": 2, "comment": "数値の根拠を"})
    report.refresh_from_db()
    assert report.state == ReviewState.RETURNED
    page = client_for(osaka_editor).get(f"/progress/reports/{report.pk}/").content.decode()
    assert "数値の根拠を" in page and "staff" in page and "osaka" in page
    # The history names fields and states as the user knows them.
    assert "審査状態: 提出済み → 差し戻し" in page and "updated_by" not in page
    english = client_for(osaka_editor).get(f"/en/progress/reports/{report.pk}/").content.decode()
    assert "Review state: Submitted → Returned" in english


def test_editor_sees_only_their_own_government(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, kyoto_editor: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    kyoto = client_for(kyoto_editor)
    assert kyoto.get(f"/progress/reports/{report.pk}/").status_code == 403
    assert kyoto.get(f"/progress/{YEAR}/270008/").status_code == 403
    assert kyoto.get(f"/progress/workbook/{YEAR}/270008/").status_code == 403
    home = kyoto.get("/progress/")
    assert home.status_code == 302 and home["Location"] == f"/progress/{YEAR}/260002/"


def test_public_page_shows_accepted_reports_only(
    cycle: ReportingCycle,
    members_action: Action,
    union_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor,
        members_action,
        YEAR,
        osaka(),
        ReportInput(Status.DONE, 100, "公開される内容"),
        0,
    )
    actions.accept_report(bureau_staff, actions.submit_report(osaka_editor, report, 1), 2)
    actions.save_report(
        bureau_staff, union_action, YEAR, None, ReportInput(Status.DONE, 100, "下書きの内容"), 0
    )
    anonymous = Client()
    accepted = anonymous.get(f"/progress/public/actions/{members_action.pk}/").content.decode()
    assert "公開される内容" in accepted and "大阪府" in accepted
    draft = anonymous.get(f"/progress/public/actions/{union_action.pk}/").content.decode()
    assert "下書きの内容" not in draft and "公開されている進捗報告はまだありません" in draft
    annual = anonymous.get(f"/progress/annual/{YEAR}/").content.decode()
    assert "公開される内容" in annual and "下書きの内容" not in annual
    assert "size: A4" in annual


def test_upload_preview_then_apply(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    client = client_for(osaka_editor)
    content = client.get(f"/progress/workbook/{YEAR}/270008/").content
    wb = load_workbook(io.BytesIO(content))
    ws = wb[excel.SHEET_NAME]
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = "完了"
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = 100
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("filled.xlsx", out.getvalue())
    preview = client.post("/progress/upload/", {"workbook": upload}, follow=True)
    html = preview.content.decode()
    assert "新規" in html and "すべて反映する" in html
    assert not ProgressReport.objects.exists()
    apply_url = preview.redirect_chain[-1][0] + "apply/"
    client.post(apply_url)
    assert ProgressReport.objects.get().status == Status.DONE


@override_settings(PROGRESS_UPLOAD_MAX_BYTES=1000)
def test_oversized_upload_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    upload = SimpleUploadedFile("big.xlsx", excel.build_workbook(YEAR, osaka()))
    response = client_for(osaka_editor).post("/progress/upload/", {"workbook": upload})
    assert response.status_code == 400
    assert "ファイルが大きすぎます" in response.content.decode()


@override_settings(PROGRESS_UPLOAD_MAX_BYTES=2 * 1024 * 1024)
def test_an_oversized_workbook_is_refused_with_human_sizes_in_the_page_language(
    cycle: ReportingCycle, osaka_editor: User
) -> None:
    client = client_for(osaka_editor)
    big = b"PK\x03\x04" + b"0" * (3_000_000 - 4)
    page = client.post("/progress/upload/", {"workbook": SimpleUploadedFile("big.xlsx", big)})
    assert page.status_code == 400
    assert "ファイルが大きすぎます（2.9\u00a0MB、上限 2.0\u00a0MB）" in page.content.decode()
    assert "バイト" not in page.content.decode()
    english = client.post("/en/progress/upload/", {"workbook": SimpleUploadedFile("big.xlsx", big)})
    assert "The file is too large (2.9\u00a0MB; the limit is 2.0\u00a0MB)" in (
        english.content.decode()
    )


def test_non_workbook_upload_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    upload = SimpleUploadedFile("report.xlsx", b"%PDF-1.4 not a workbook")
    response = client_for(osaka_editor).post("/progress/upload/", {"workbook": upload})
    assert response.status_code == 400
    assert "Excelのワークブック（.xlsx）ではありません" in response.content.decode()


def test_reminder_button_sends_mail(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bureau_staff).post(f"/progress/cycles/{YEAR}/remind/", follow=True)
    assert "督促メールを 2 通送信しました" in response.content.decode()
    assert any(m.to == ["osaka@example.jp"] for m in mail.outbox)


def test_dashboard_shows_rule_chart_and_table(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40), 0
    )
    actions.accept_report(bureau_staff, actions.submit_report(osaka_editor, report, 1), 2)
    html = client_for(bureau_staff).get(f"/progress/dashboard/?year={YEAR}").content.decode()
    assert "<svg" in html and "小項目の重み 0.5" in html
    assert f'<td>{members_action.theme.name_ja}</td><td class="num">40.0</td>' in html


@pytest.mark.parametrize("path", ["/progress/", "/progress/dashboard/", "/progress/cycles/"])
def test_internal_pages_need_a_role(path: str, outsider: User, plan_version: object) -> None:
    assert Client().get(path).status_code == 302
    assert client_for(outsider).get(path).status_code == 403


def test_dashboard_in_english(cycle: ReportingCycle, bureau_staff: User) -> None:
    html = client_for(bureau_staff).get(f"/en/progress/dashboard/?year={YEAR}").content.decode()
    assert "Progress dashboard FY2025" in html and "Progress by theme" in html
    assert "テーマ別の進捗" not in html


def test_user_management_link_is_shown_to_the_bureau_only(
    cycle: ReportingCycle, osaka_editor: User, bureau_staff: User
) -> None:
    editor_page = client_for(osaka_editor).get(f"/progress/{YEAR}/270008/").content.decode()
    staff_page = client_for(bureau_staff).get("/progress/").content.decode()
    assert 'href="/accounts/users/"' not in editor_page
    assert 'href="/accounts/users/"' in staff_page


def test_closed_cycle_takes_no_more_reports(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    client_for(bureau_staff).post(f"/progress/cycles/{YEAR}/close/")
    response = client_for(osaka_editor).post(edit_url(members_action), form())
    assert "令和7年度（2025年度）の報告受付は開いていません" in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "根拠資料のURLが正しくありません: not a url"),
        ("/en", "Not a valid evidence URL: not a url"),
    ],
)
def test_report_errors_are_in_the_language_of_the_page(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, prefix: str, message: str
) -> None:
    data = form()
    data["evidence_links"] = "not a url"
    response = client_for(osaka_editor).post(prefix + edit_url(members_action), data)
    assert message in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "進捗率は0から100の整数です: 150"),
        ("/en", "The percent must be a whole number from 0 to 100: 150"),
    ],
)
def test_workbook_errors_are_in_the_language_of_the_page_with_their_cell(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, prefix: str, message: str
) -> None:
    client = client_for(osaka_editor)
    wb = load_workbook(io.BytesIO(client.get(f"{prefix}/progress/workbook/{YEAR}/270008/").content))
    ws = wb[excel.SHEET_NAME]
    # The workbook stays Japanese whatever the page language: the status list is the same.
    assert ws.cell(row=excel.HEADER_ROW, column=excel.COL_STATUS).value == "状況"
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = "実施中"
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = 150
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("filled.xlsx", out.getvalue())
    response = client.post(f"{prefix}/progress/upload/", {"workbook": upload})
    assert response.status_code == 400
    html = response.content.decode()
    row = f"<td>{excel.SHEET_NAME}</td><td>{excel.FIRST_ROW}</td><td>F（進捗率（%））</td>"
    assert row + f"<td>{message}</td>" in html
    assert not ProgressReport.objects.exists()


def test_bureau_adds_an_indicator_and_records_its_values_on_the_page(
    cycle: ReportingCycle, members_action: Action, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    theme = members_action.theme
    created = staff.post(
        "/progress/indicators/",
        {"name_ja": "実証件数", "name_en": "Pilot projects", "unit": "件", "theme": theme.pk},
    )
    indicator = Indicator.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/progress/indicators/{indicator.pk}/"
    assert (indicator.theme, indicator.action) == (theme, None)
    page = f"/progress/indicators/{indicator.pk}/"
    staff.post(page, {"fiscal_year": 2024, "value": "1234.5", "note": "速報値"})
    staff.post(page, {"fiscal_year": 2024, "value": "1300", "note": "確定値"})
    value = IndicatorValue.objects.get()
    assert (value.fiscal_year, value.value, value.note) == (2024, Decimal("1300"), "確定値")
    html = staff.get(page).content.decode()
    assert "1,300 件" in html and "確定値" in html
    assert "1,234.5" in html  # the replaced value stays in the history
    listing = staff.get("/progress/indicators/").content.decode()
    assert "令和6年度（2024年度）" in listing and ">1,300<" in listing


def test_indicator_form_errors_are_shown_and_nothing_is_stored(
    plan_version: object, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    response = staff.post("/progress/indicators/", {"name_ja": "どこにも属さない指標"})
    assert response.status_code == 400
    assert "指標はテーマか取組のどちらか一つに結び付けます" in response.content.decode()
    response = staff.post("/en/progress/indicators/", {"name_ja": "x", "action_id": 999999})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The current plan has no action with this ID" in html
    # Short words mean something else in other apps' catalogues; here they are the progress ones.
    assert '<label for="id_theme">Theme:</label>' in html and ">Add</button>" in html
    assert not Indicator.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "reviewer", "kyoto_editor"])
def test_indicator_writes_are_refused_to_others(
    request: pytest.FixtureRequest,
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    who: str,
) -> None:
    indicator = actions.create_indicator(bureau_staff, "参加者数", unit="人", action=members_action)
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    client = client_for(request.getfixturevalue(who))
    attempts = [
        ("/progress/indicators/", {"name_ja": "独自の指標", "theme": members_action.theme_id}),
        (f"/progress/indicators/{indicator.pk}/", {"fiscal_year": YEAR, "value": "5"}),
        (f"/progress/reports/{report.pk}/indicator/", {"indicator": indicator.pk, "value": "5"}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 403, url
    assert Indicator.objects.count() == 1 and not IndicatorValue.objects.exists()


def test_editor_gives_a_value_with_the_report_and_it_is_public_once_accepted(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(
        bureau_staff,
        "説明会の参加者数",
        name_en="Seminar participants",
        unit="人",
        action=members_action,
    )
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    editor = client_for(osaka_editor)
    page = editor.get(f"/progress/reports/{report.pk}/").content.decode()
    assert "値を記録する" in page
    editor.post(
        f"/progress/reports/{report.pk}/indicator/", {"indicator": indicator.pk, "value": "2500"}
    )
    assert IndicatorValue.objects.get().report == report
    public_url = f"/progress/public/actions/{members_action.pk}/"
    assert "2,500" not in Client().get(public_url).content.decode()
    internal = client_for(bureau_staff).get("/progress/indicators/").content.decode()
    assert "2,500" in internal and "未公開" in internal

    report = actions.submit_report(osaka_editor, report, report.revision)
    actions.accept_report(bureau_staff, report, report.revision)
    public = Client().get(public_url).content.decode()
    assert "<caption>この取組の指標（年度別の値）</caption>" in public
    assert '<th scope="row">説明会の参加者数</th><td>人</td>' in public
    assert '<td class="num">2,500</td>' in public
    english = Client().get("/en" + public_url).content.decode()
    assert "Seminar participants" in english and "FY2025" in english
    annual = Client().get(f"/progress/annual/{YEAR}/").content.decode()
    assert "説明会の参加者数" in annual and '<td class="num">2,500</td>' in annual
    # An accepted report takes no more values.
    editor.post(
        f"/progress/reports/{report.pk}/indicator/", {"indicator": indicator.pk, "value": "1"}
    )
    assert IndicatorValue.objects.get().value == Decimal("2500")


def test_bureau_values_show_on_the_public_pages_and_the_dashboard(
    cycle: ReportingCycle, members_action: Action, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(
        bureau_staff, "域内の実証件数", unit="件", theme=members_action.theme
    )
    actions.record_indicator_value(bureau_staff, indicator, 2024, Decimal("12"))
    actions.record_indicator_value(bureau_staff, indicator, 2026, Decimal("30"))
    dashboard = client_for(bureau_staff).get(f"/progress/dashboard/?year={YEAR}")
    assert "域内の実証件数" in dashboard.content.decode()
    annual = Client().get(f"/progress/annual/{YEAR}/{members_action.theme.code}/")
    html = annual.content.decode()
    assert '<td class="num">12</td>' in html
    # The report of FY2025 does not show the later year's value.
    assert "令和8年度" not in html and '<td class="num">30</td>' not in html


# A western year followed by 年度 that is not the bracketed half of 令和7年度（2025年度）.
PLAIN_FISCAL_YEAR = re.compile(r"(?<!（)\d{4}年度")


def test_every_progress_page_writes_fiscal_years_as_wareki_and_western_or_fy(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40), 0
    )
    actions.submit_report(osaka_editor, report, report.revision)
    indicator = actions.create_indicator(bureau_staff, "実証件数", unit="件", action=members_action)
    actions.record_indicator_value(bureau_staff, indicator, YEAR, Decimal("3"))
    editor = client_for(osaka_editor)
    upload = editor.post(
        "/progress/upload/",
        {"workbook": SimpleUploadedFile("w.xlsx", excel.build_workbook(YEAR, osaka()))},
    )
    preview = editor.get(upload["Location"]).content.decode()
    assert "w.xlsx · 令和7年度（2025年度）" in preview
    assert "FY2025" in editor.get("/en" + upload["Location"]).content.decode()
    pages = [
        "/progress/",
        "/progress/cycles/",
        f"/progress/cycles/{YEAR}/",
        f"/progress/dashboard/?year={YEAR}",
        f"/progress/{YEAR}/270008/",
        edit_url(members_action),
        f"/progress/reports/{report.pk}/",
        f"/progress/indicators/{indicator.pk}/",
        "/progress/annual/",
        f"/progress/annual/{YEAR}/",
    ]
    staff = client_for(bureau_staff)
    for path in pages:
        page = staff.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert "令和7年度（2025年度）" in html, path
        assert not PLAIN_FISCAL_YEAR.findall(html), (path, PLAIN_FISCAL_YEAR.findall(html))
        if path.startswith("/progress/annual/"):
            continue  # the annual report is Japanese in every language
        english = staff.get("/en" + path).content.decode()
        assert "FY2025" in english and "年度" not in english, path
    dashboard = staff.get(f"/progress/dashboard/?year={YEAR}").content.decode()
    assert "<h1>令和7年度（2025年度）の進捗ダッシュボード</h1>" in dashboard
    assert '<option value="2025" selected>令和7年度（2025年度）</option>' in dashboard
    assert ">令和7年度</tspan>" in dashboard and ">（2025年度）</tspan>" in dashboard
    english = staff.get(f"/en/progress/dashboard/?year={YEAR}").content.decode()
    assert "<h1>Progress dashboard FY2025</h1>" in english and ">FY2025</tspan>" in english


def test_reminder_mail_names_the_fiscal_year_in_wareki_and_western(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bureau_staff).post(f"/en/progress/cycles/{YEAR}/remind/")
    osaka_mail = next(m for m in mail.outbox if m.to == ["osaka@example.jp"])
    assert "【進捗報告のお願い】令和7年度（2025年度） 未提出 1件" == osaka_mail.subject
    assert "令和7年度（2025年度）の進捗報告の提出期限は 2026-05-31 です。" in osaka_mail.body


def test_annual_index_offers_the_pdf_to_signed_in_staff_where_chromium_is_installed(
    plan_version: object, bureau_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annual, "find_chromium", lambda: "/usr/bin/chromium")
    staff = client_for(bureau_staff).get("/progress/annual/").content.decode()
    assert f'<a href="/progress/annual/{YEAR}.xlsx">.xlsx</a>' in staff
    assert f'<a href="/progress/annual/{YEAR}.pdf">.pdf</a>' in staff
    anonymous = Client().get("/progress/annual/").content.decode()
    assert ".pdf</a>" not in anonymous
    assert "PDF版は、進捗管理の利用者がサインインするとダウンロードできます。" in anonymous
    assert Client().get(f"/progress/annual/{YEAR}.pdf")["Location"].startswith("/accounts/login/")


def test_without_chromium_the_pdf_link_is_absent_and_the_page_says_why(
    plan_version: object, bureau_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annual, "find_chromium", lambda: None)
    staff = client_for(bureau_staff)
    page = staff.get("/progress/annual/").content.decode()
    assert ".pdf</a>" not in page and f"{YEAR}.xlsx" in page
    assert "PDFの作成にはヘッドレスChromiumが必要ですが、インストールされていません。" in page
    english = staff.get("/en/progress/annual/").content.decode()
    assert "it needs headless Chromium, which is not installed" in english
    response = staff.get(f"/progress/annual/{YEAR}.pdf")
    assert response.status_code == 404


def test_one_report_and_one_indicator_are_named_in_the_singular_in_english(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40), 0
    )
    indicator = actions.create_indicator(
        bureau_staff, "実証件数", name_en="Pilot projects", action=members_action
    )
    actions.record_indicator_value(osaka_editor, indicator, YEAR, Decimal("3"), report=report)
    staff = client_for(bureau_staff)
    page = staff.get(f"/en/progress/reports/{report.pk}/").content.decode()
    assert "<h1>Progress report: " in page
    page = staff.get(f"/en/progress/indicators/{indicator.pk}/").content.decode()
    assert "<h1>Indicator: Pilot projects</h1>" in page
    assert f">Progress report {report.pk}</a>" in page
    # The list pages keep the plural.
    assert ">Progress reports</a>" in page and ">Indicators</a>" in page


def test_the_edit_page_of_an_action_outside_the_year_is_not_found(
    cycle: ReportingCycle, later_union_action: Action, bureau_staff: User
) -> None:
    client = client_for(bureau_staff)
    url = edit_url(later_union_action, "union")
    assert client.get(url).status_code == 404
    assert client.post(url, form()).status_code == 404
    assert not ProgressReport.objects.exists()


def test_a_report_stored_outside_its_action_period_is_not_public(
    cycle: ReportingCycle, later_union_action: Action, bureau_staff: User, bureau_admin: User
) -> None:
    # A report accepted before writes checked the period: made in FY2026, moved to FY2025.
    actions.open_cycle(bureau_staff, YEAR + 1, datetime.date(2027, 5, 31))
    report, _ = actions.save_report(
        bureau_staff, later_union_action, YEAR + 1, None, ReportInput(Status.DONE, 100, "期間外"), 0
    )
    report = actions.submit_report(bureau_staff, report, report.revision)
    actions.accept_report(bureau_admin, report, report.revision)
    ProgressReport.objects.filter(pk=report.pk).update(fiscal_year=YEAR)
    client = Client()
    assert "期間外" not in client.get(f"/actions/{later_union_action.pk}/").content.decode()
    assert client.get("/api/v1/progress/reports").json() == []
    assert client.get(f"/api/v1/progress/reports/{report.pk}").status_code == 404
    assert "期間外" not in client.get("/opendata/feed.atom").content.decode()


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2099, "令和81年度（2099年度）はまだ始まっていません（記録できるのは"),
        (
            2013,
            "平成25年度（2013年度）は古すぎます（記録できるのは平成26年度（2014年度）以降です）",
        ),
    ],
)
def test_an_indicator_value_of_an_implausible_year_is_refused_at_the_field(
    plan_version: object, bureau_staff: User, year: int, message: str
) -> None:
    theme = plan_version.themes.get(code="startups")  # type: ignore[attr-defined]
    indicator = actions.create_indicator(bureau_staff, "大学発ベンチャー数", theme=theme)
    actions.set_indicator_target(
        bureau_staff, indicator, actions.TargetInput(Decimal(981), 2024, None, None)
    )
    page = client_for(bureau_staff).post(
        f"/progress/indicators/{indicator.pk}/", {"fiscal_year": year, "value": "5000"}
    )
    assert page.status_code == 400
    [error] = page.context["form"].errors["fiscal_year"]
    assert error.startswith(message)
    assert not IndicatorValue.objects.exists()
    english = client_for(bureau_staff).post(
        f"/en/progress/indicators/{indicator.pk}/", {"fiscal_year": 2099, "value": "5000"}
    )
    assert english.context["form"].errors["fiscal_year"][0].startswith("FY2099 has not begun")
