from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from actionplan.plans.models import Action
from actionplan.progress import actions, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, Status

from .conftest import YEAR, kyoto, osaka


def download(government: object = "osaka") -> Workbook:
    content = excel.build_workbook(YEAR, osaka() if government == "osaka" else kyoto())
    return load_workbook(io.BytesIO(content))


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill(wb: Workbook, status: str = "実施中", percent: int | str = 60) -> Workbook:
    ws = wb[excel.SHEET_NAME]
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = status
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = percent
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_NARRATIVE_JA).value = '=HYPERLINK("x")を説明'
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_LINKS).value = "https://example.jp/report"
    return wb


def test_downloaded_workbook_locks_ids_and_offers_statuses(
    cycle: ReportingCycle, members_action: Action
) -> None:
    wb = download()
    assert wb.sheetnames == [excel.SHEET_NAME]
    ws = wb[excel.SHEET_NAME]
    assert ws.protection.sheet is True
    id_cell = ws.cell(row=excel.FIRST_ROW, column=excel.COL_ID)
    assert id_cell.value == members_action.pk and id_cell.protection.locked
    assert ws.cell(row=excel.FIRST_ROW, column=excel.COL_TEXT).protection.locked
    assert not ws.cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).protection.locked
    validations = ws.data_validations.dataValidation
    status_rule = next(v for v in validations if v.type == "list")
    assert "完了" in (status_rule.formula1 or "") and f"E{excel.FIRST_ROW}" in str(
        status_rule.sqref
    )
    percent_rule = next(v for v in validations if v.type == "whole")
    assert (percent_rule.formula1, percent_rule.formula2) == ("0", "100")
    # One row per action the body carries, nothing more.
    assert ws.cell(row=excel.FIRST_ROW + 1, column=excel.COL_ID).value is None


def test_valid_workbook_is_applied_and_twice_changes_nothing(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    content = to_bytes(fill(download()))
    preview = excel.parse_workbook(osaka_editor, content)
    assert preview.errors == [] and [c.kind for c in preview.changes] == ["new"]
    assert not ProgressReport.objects.exists()
    assert excel.apply_workbook(osaka_editor, content).errors == []
    report = ProgressReport.objects.get()
    assert (report.status, report.percent, report.member_government) == (
        Status.IN_PROGRESS,
        60,
        osaka(),
    )
    assert report.narrative_ja.startswith("=HYPERLINK")
    assert report.evidence_links == ["https://example.jp/report"]
    again = excel.apply_workbook(osaka_editor, content)
    assert again.errors == [] and again.changes == []
    report.refresh_from_db()
    assert report.revision == 1 and report.history.count() == 1


def test_formula_like_text_is_neutralised_in_the_export(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.DONE, 100, "@SUM(A1)"), 0
    )
    ws = download()[excel.SHEET_NAME]
    cell = ws.cell(row=excel.FIRST_ROW, column=excel.COL_NARRATIVE_JA)
    assert cell.value == "'@SUM(A1)" and cell.data_type == "s"
    # And the round trip gives back what was stored: nothing changes.
    assert excel.parse_workbook(osaka_editor, to_bytes(download())).changes == []


def test_changed_id_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    wb = fill(download())
    wb[excel.SHEET_NAME].cell(row=excel.FIRST_ROW, column=excel.COL_ID).value = 999999
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column) for e in result.errors] == [(excel.FIRST_ROW, "A（ID）")]
    assert "IDは変更できません" in str(result.errors[0])
    assert not ProgressReport.objects.exists()


def test_id_swapped_to_another_carried_action_is_caught_by_the_text(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    other = (
        Action.objects.filter(version=members_action.version, period=members_action.period)
        .filter(actor="members")
        .exclude(pk=members_action.pk)
        .first()
    )
    assert other is not None
    actions.assign_action(bureau_staff, other, [osaka()])
    wb = fill(download())
    ws = wb[excel.SHEET_NAME]
    first_id = ws.cell(row=excel.FIRST_ROW, column=excel.COL_ID).value
    second_id = ws.cell(row=excel.FIRST_ROW + 1, column=excel.COL_ID).value
    ws.cell(row=excel.FIRST_ROW, column=excel.COL_ID).value = second_id
    ws.cell(row=excel.FIRST_ROW + 1, column=excel.COL_ID).value = first_id
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert any("計画本文" in e.message for e in result.errors)
    assert not ProgressReport.objects.exists()


def test_rows_of_another_government_are_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, kyoto_editor: User
) -> None:
    result = excel.apply_workbook(kyoto_editor, to_bytes(fill(download())))
    assert [(e.row, e.column) for e in result.errors] == [(2, "B")]
    assert "権限がありません" in result.errors[0].message
    assert not ProgressReport.objects.exists()


def test_body_code_edited_to_another_government_is_refused(
    cycle: ReportingCycle, members_action: Action, bureau_staff: User
) -> None:
    wb = fill(download())
    wb[excel.SHEET_NAME][excel.BODY_CODE_CELL].value = "260002"
    result = excel.apply_workbook(bureau_staff, to_bytes(wb))
    assert "担当取組ではありません" in str(result.errors[0])
    assert not ProgressReport.objects.exists()


def test_wrong_sheet_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    wb = fill(download())
    wb[excel.SHEET_NAME].title = "Sheet1"
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert result.errors[0].sheet == "Sheet1"
    assert "シート「進捗報告」がありません" in result.errors[0].message
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("status", "percent", "column", "words"),
    [
        ("終わった", 50, "E（状況）", "選べません"),
        ("完了", 150, "F（進捗率（%））", "0から100"),
        ("完了", "たくさん", "F（進捗率（%））", "0から100"),
    ],
)
def test_invalid_cells_are_listed_with_row_and_column(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    status: str,
    percent: int | str,
    column: str,
    words: str,
) -> None:
    result = excel.apply_workbook(osaka_editor, to_bytes(fill(download(), status, percent)))
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        (excel.SHEET_NAME, excel.FIRST_ROW, column)
    ]
    assert words in result.errors[0].message
    assert not ProgressReport.objects.exists()


def test_one_bad_row_means_nothing_is_applied(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    other = (
        Action.objects.filter(version=members_action.version, period=members_action.period)
        .filter(actor="members")
        .exclude(pk=members_action.pk)
        .first()
    )
    assert other is not None
    actions.assign_action(bureau_staff, other, [osaka()])
    wb = fill(download())
    wb[excel.SHEET_NAME].cell(row=excel.FIRST_ROW + 1, column=excel.COL_STATUS).value = "??"
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [e.row for e in result.errors] == [excel.FIRST_ROW + 1]
    assert not ProgressReport.objects.exists()


def test_not_a_workbook_is_refused(cycle: ReportingCycle, osaka_editor: User) -> None:
    for content in (b"ID,status\n1,done\n", b"PK\x03\x04 not really a zip"):
        result = excel.apply_workbook(osaka_editor, content)
        assert len(result.errors) == 1 and ".xlsx" in result.errors[0].message


def test_stale_workbook_is_refused_as_a_conflict(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    stale = download()
    actions.save_report(
        bureau_staff, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 20), 1
    )
    result = excel.apply_workbook(osaka_editor, to_bytes(fill(stale, "完了", 100)))
    assert result.errors and result.errors[0].column == "J（版）"
    assert ProgressReport.objects.get().percent == 20


def test_changing_a_submitted_report_is_refused_before_anything_is_applied(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    actions.submit_report(osaka_editor, report, 1)
    wb = download()
    wb[excel.SHEET_NAME].cell(row=excel.FIRST_ROW, column=excel.COL_PERCENT).value = 90
    preview = excel.parse_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column) for e in preview.errors] == [(excel.FIRST_ROW, "E（状況）")]
    assert "提出済みの報告は変更できません（変更: 進捗率）" in preview.errors[0].message
    # Unchanged, the same submitted report is fine: nothing to do.
    assert excel.parse_workbook(osaka_editor, to_bytes(download())).errors == []


def test_the_year_cell_shows_wareki_and_keeps_the_number(
    cycle: ReportingCycle, members_action: Action
) -> None:
    ws = download()[excel.SHEET_NAME]
    assert ws[excel.YEAR_CELL].value == 2025
    assert ws[excel.YEAR_CELL].number_format == '"令和7年度（"0"年度）"'


def test_a_row_of_an_action_outside_the_year_is_refused_naming_the_row(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    later = Action.objects.filter(
        version=members_action.version, actor="members", period__fiscal_year_start=YEAR + 1
    ).first()
    assert later is not None
    actions.assign_action(bureau_staff, later, [osaka()])
    wb = fill(download())
    ws = wb[excel.SHEET_NAME]
    row = excel.FIRST_ROW + 1
    for column in range(1, len(excel.COLUMNS) + 1):
        ws.cell(row=row, column=column).value = ws.cell(row=excel.FIRST_ROW, column=column).value
    ws.cell(row=row, column=excel.COL_ID).value = later.pk
    ws.cell(row=row, column=excel.COL_TEXT).value = later.text_ja
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column) for e in result.errors] == [(row, "A（ID）")]
    assert "令和8年度（2026年度）～" in result.errors[0].message
    assert not ProgressReport.objects.exists()
