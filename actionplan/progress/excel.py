"""The Excel round trip: a workbook per reporting body and fiscal year, filled in by the body and
uploaded back. Every row is checked before anything is written; the application is all or
nothing (``apply_workbook``).
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from actionplan.accounts.permissions import PermissionDenied, can_act_for
from actionplan.api.params import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from actionplan.plans.fiscal import fiscal_year_label, wareki_year
from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.plans.queries import current_version
from actionplan.spreadsheets import neutralise, restore

from . import actions, queries
from .actions import ProgressError, ReportInput
from .models import UNION_CODE, ProgressReport, ReportingCycle, Status, body_name

AnyUser = AbstractBaseUser | AnonymousUser

SHEET_NAME = "進捗報告"
YEAR_CELL = "B1"
BODY_CODE_CELL = "B2"
BODY_NAME_CELL = "B3"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1

# (header, width, editable)
COLUMNS: list[tuple[str, int, bool]] = [
    ("ID", 14, False),
    ("テーマ", 16, False),
    ("年度区分", 14, False),
    ("取組（計画本文）", 50, False),
    ("状況", 12, True),
    ("進捗率（%）", 10, True),
    ("取組内容（日本語）", 50, True),
    ("取組内容（英語・任意）", 40, True),
    ("根拠資料URL（改行区切り）", 36, True),
    ("版", 6, False),
    ("審査状態", 10, False),
]
COL_ID, COL_THEME, COL_PERIOD, COL_TEXT, COL_STATUS, COL_PERCENT = 1, 2, 3, 4, 5, 6
COL_NARRATIVE_JA, COL_NARRATIVE_EN, COL_LINKS, COL_REVISION, COL_STATE = 7, 8, 9, 10, 11

FIELD_LABELS = {
    "status": gettext_lazy("状況"),
    "percent": gettext_lazy("進捗率"),
    "narrative_ja": gettext_lazy("取組内容（日本語）"),
    "narrative_en": gettext_lazy("取組内容（英語）"),
    "evidence_links": gettext_lazy("根拠資料URL"),
}
ZIP_SIGNATURE = b"PK\x03\x04"


def write_cell(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """A cell whose text a spreadsheet will not run as a formula; ``restore`` takes the marker
    off again when the workbook is uploaded."""
    cell = ws.cell(row=row, column=column)
    cell.value = neutralise(value)
    if isinstance(value, str):
        # Stored as text even if it still looked like a formula to openpyxl.
        cell.data_type = "s"


def body_label(government: MemberGovernment | None) -> str:
    """The body's name written in the workbook, a Japanese document (messages use body_name)."""
    return government.name_ja if government else "関西広域連合"


def status_labels() -> dict[str, str]:
    """Status by its label in the workbook. The workbook is a Japanese document whatever the
    language of the page it was downloaded from, so the labels are always the Japanese ones."""
    with translation.override("ja"):
        return {str(label): value for value, label in Status.choices}


def build_workbook(fiscal_year: int, government: MemberGovernment | None) -> bytes:
    with translation.override("ja"):
        return _build_workbook(fiscal_year, government)


def _build_workbook(fiscal_year: int, government: MemberGovernment | None) -> bytes:
    version = current_version()
    carried = queries.carried_actions(version, fiscal_year, government) if version else []
    reports = queries.reports_by_action(fiscal_year, government)
    wb = Workbook()
    ws = wb.create_sheet(SHEET_NAME)
    wb.remove(wb.worksheets[0])
    write_cell(ws, 1, 1, "年度")
    ws[YEAR_CELL] = fiscal_year
    # Shown as 令和7年度（2025年度） while the cell keeps the number that the upload reads back.
    ws[YEAR_CELL].number_format = f'"{wareki_year(fiscal_year)}（"0"年度）"'
    write_cell(ws, 2, 1, "報告主体コード")
    write_cell(ws, 2, 2, government.lg_code if government else UNION_CODE)
    write_cell(ws, 3, 1, "報告主体")
    write_cell(ws, 3, 2, body_label(government))
    write_cell(
        ws,
        4,
        1,
        "色の付いた列だけを記入してください。ID・計画本文・版の列は変更できません。",
    )
    header_font = Font(bold=True)
    editable_fill = PatternFill("solid", fgColor="FFF8DC")
    for index, (header, width, _editable) in enumerate(COLUMNS, start=1):
        write_cell(ws, HEADER_ROW, index, header)
        ws.cell(row=HEADER_ROW, column=index).font = header_font
        ws.column_dimensions[get_column_letter(index)].width = width
    status_list = DataValidation(
        type="list",
        formula1='"' + ",".join(status_labels()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="状況",
        error="一覧から選んでください",
    )
    percent_range = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="進捗率",
        error="0から100の整数を入力してください",
    )
    ws.add_data_validation(status_list)
    ws.add_data_validation(percent_range)
    wrap = Alignment(wrap_text=True, vertical="top")
    row = FIRST_ROW
    for action in carried:
        report = reports.get(action.pk)
        values: list[Any] = [
            action.pk,
            action.theme.name_ja,
            action.period.label_ja or str(action.period.fiscal_year_start),
            ("▶ " if action.parent_id else "") + action.text_ja,
            report.get_status_display() if report else "",
            report.percent if report else None,
            report.narrative_ja if report else "",
            report.narrative_en if report else "",
            "\n".join(report.evidence_links) if report else "",
            report.revision if report else 0,
            report.get_state_display() if report else "未作成",
        ]
        for column, value in enumerate(values, start=1):
            write_cell(ws, row, column, value)
            cell = ws.cell(row=row, column=column)
            cell.alignment = wrap
            if COLUMNS[column - 1][2]:
                cell.protection = Protection(locked=False)
                cell.fill = editable_fill
        row += 1
    last = max(row - 1, FIRST_ROW)
    status_list.add(f"E{FIRST_ROW}:E{last}")
    percent_range.add(f"F{FIRST_ROW}:F{last}")
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=COL_STATUS)
    # Printed (or saved as PDF) on A4 landscape, all columns on one page width.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    # No password: the protection keeps honest mistakes out of the locked columns; the upload
    # checks them anyway.
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class CellError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(_("%(row)s行") % {"row": self.row})
        if self.column:
            where.append(_("%(column)s列") % {"column": self.column})
        return f"{' '.join(where)}: {self.message}"


@dataclass
class RowChange:
    row: int
    action: Action
    report: ProgressReport | None
    data: ReportInput
    revision: int
    changed_fields: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status(self.data.status).label)

    @property
    def changed_labels(self) -> str:
        return _("、").join(str(FIELD_LABELS[name]) for name in self.changed_fields)

    @property
    def kind(self) -> str:
        if self.report is None:
            return "new"
        return "changed" if self.changed_fields else "unchanged"


@dataclass
class ParsedWorkbook:
    fiscal_year: int | None = None
    government: MemberGovernment | None = None
    rows: list[RowChange] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def changes(self) -> list[RowChange]:
        return [r for r in self.rows if r.kind != "unchanged"]


def _column_name(column: int) -> str:
    return f"{get_column_letter(column)}（{COLUMNS[column - 1][0]}）"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return restore(str(value)).strip()


def _whole_percent(value: Any) -> int | None:
    """A percent cell as a whole number from 0 to 100, or None. TRUE/FALSE, NaN and infinity
    (which a cell or a text can hold) are no percent: only a finite number is compared."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(number) or not number.is_integer() or not 0 <= number <= 100:
        return None
    return int(number)


def _year_cell_changed(
    ws: Worksheet,
    version: PlanVersion | None,
    year: int,
    government: MemberGovernment | None,
    carried: dict[int, Action],
) -> bool:
    """Whether the rows are the body's actions of another year than the year cell says: no
    row's ID is carried in the sheet's year, but some are in another year of the plan. Then
    one error at the year cell says so, instead of one per row."""
    ids = set()
    for row in range(FIRST_ROW, ws.max_row + 1):
        raw = _text(ws.cell(row=row, column=COL_ID).value)
        if raw.isdigit():
            ids.add(int(raw))
    if version is None or not ids or ids & set(carried):
        return False
    return any(
        ids & {a.pk for a in queries.carried_actions(version, other, government)}
        for other in queries.plan_years(version)
        if other != year
    )


def parse_workbook(user: AnyUser, content: bytes) -> ParsedWorkbook:
    """Read and check every row; nothing is written. Errors name sheet, row and column."""
    result = ParsedWorkbook()
    if not content.startswith(ZIP_SIGNATURE):
        result.errors.append(
            CellError("-", None, None, _("Excelのワークブック（.xlsx）ではありません"))
        )
        return result
    try:
        wb = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        result.errors.append(
            CellError(
                "-",
                None,
                None,
                _("ワークブックとして読めません（壊れているか.xlsxではありません）"),
            )
        )
        return result
    if SHEET_NAME not in wb.sheetnames:
        result.errors.append(
            CellError(
                ", ".join(wb.sheetnames),
                None,
                None,
                _("シート「%(sheet)s」がありません。ダウンロードしたワークブックを使ってください")
                % {"sheet": SHEET_NAME},
            )
        )
        return result
    ws = wb[SHEET_NAME]
    errors = result.errors

    year_value = ws[YEAR_CELL].value
    # A TRUE cell is an int to Python; a year beyond the plan's range cannot be stored either.
    if (
        not isinstance(year_value, int)
        or isinstance(year_value, bool)
        or not FIRST_FISCAL_YEAR <= year_value <= LAST_FISCAL_YEAR
    ):
        errors.append(CellError(SHEET_NAME, 1, "B", _("年度が読めません")))
        return result
    if not ReportingCycle.objects.filter(fiscal_year=year_value, is_open=True).exists():
        errors.append(
            CellError(
                SHEET_NAME,
                1,
                "B",
                _("%(year)sの報告受付は開いていません（年度のセルは変更できません）")
                % {"year": fiscal_year_label(year_value, translation.get_language() or "ja")},
            )
        )
        return result
    result.fiscal_year = year_value
    code = _text(ws[BODY_CODE_CELL].value)
    try:
        government = actions.government_for_code(code)
    except ProgressError as exc:
        errors.append(CellError(SHEET_NAME, 2, "B", exc.message))
        return result
    result.government = government
    if not can_act_for(user, government):
        errors.append(
            CellError(
                SHEET_NAME,
                2,
                "B",
                _("%(body)sの報告を提出する権限がありません") % {"body": body_name(government)},
            )
        )
        return result
    for index, (header, _width, _editable) in enumerate(COLUMNS, start=1):
        if _text(ws.cell(row=HEADER_ROW, column=index).value) != header:
            errors.append(
                CellError(
                    SHEET_NAME,
                    HEADER_ROW,
                    get_column_letter(index),
                    _("見出しは「%(header)s」です") % {"header": header},
                )
            )
    if errors:
        return result

    version = current_version()
    carried = {
        a.pk: a
        for a in (queries.carried_actions(version, year_value, government) if version else [])
    }
    if _year_cell_changed(ws, version, year_value, government, carried):
        errors.append(
            CellError(
                SHEET_NAME,
                1,
                "B",
                _(
                    "どの行の取組も%(body)sの%(year)sの担当取組ではありません。年度のセルが"
                    "ダウンロード時から変更されていないか確かめてください"
                )
                % {
                    "body": body_name(government),
                    "year": fiscal_year_label(year_value, translation.get_language() or "ja"),
                },
            )
        )
        return result
    reports = queries.reports_by_action(year_value, government)
    by_label = status_labels()
    seen: set[int] = set()
    for row in range(FIRST_ROW, ws.max_row + 1):
        cells = [ws.cell(row=row, column=c).value for c in range(1, len(COLUMNS) + 1)]
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        row_errors = len(errors)

        def error(column: int, message: str, row: int = row) -> None:
            errors.append(CellError(SHEET_NAME, row, _column_name(column), message))

        raw_id = cells[COL_ID - 1]
        try:
            action_id = int(str(raw_id).strip())
        except ValueError:
            error(COL_ID, _("IDが数字ではありません: %(value)r") % {"value": raw_id})
            continue
        action = carried.get(action_id)
        if action is None and version is not None:
            other = Action.objects.filter(pk=action_id, version=version).first()
            if other is not None and queries.body_carries(other, government):
                # Carried by the body, in another year: say which years the action runs in.
                try:
                    actions.check_in_period(other, year_value)
                except ProgressError as exc:
                    error(COL_ID, exc.message)
                    continue
        if action is None:
            error(
                COL_ID,
                _("ID %(id)s は%(body)sの%(year)sの担当取組ではありません（IDは変更できません）")
                % {
                    "id": action_id,
                    "body": body_name(government),
                    "year": fiscal_year_label(year_value, translation.get_language() or "ja"),
                },
            )
            continue
        if action_id in seen:
            error(COL_ID, _("ID %(id)s が2回あります") % {"id": action_id})
            continue
        seen.add(action_id)
        expected_text = ("▶ " if action.parent_id else "") + action.text_ja
        if _text(cells[COL_TEXT - 1]) != expected_text.strip():
            error(COL_TEXT, _("計画本文がダウンロード時と違います（IDか本文が変更されています）"))

        status_text = _text(cells[COL_STATUS - 1])
        existing = reports.get(action_id)
        if not status_text and existing is None:
            # A row the body has not filled in yet: nothing to record.
            continue
        status = by_label.get(status_text, status_text)
        if status not in Status.values:
            error(
                COL_STATUS,
                _("状況「%(value)s」は選べません（%(choices)s）")
                % {"value": status_text, "choices": "、".join(by_label)},
            )

        raw_percent = cells[COL_PERCENT - 1]
        # A blank percent takes the one a status implies (完了 100, 未着手 0).
        low, high = actions.STATUS_PERCENT_RANGE.get(status, (0, 100))
        percent = low if low == high else 0
        if raw_percent is not None and str(raw_percent).strip() != "":
            whole = _whole_percent(raw_percent)
            if whole is None:
                error(
                    COL_PERCENT,
                    _("進捗率は0から100の整数です: %(value)r") % {"value": raw_percent},
                )
            else:
                percent = whole

        raw_revision = cells[COL_REVISION - 1]
        try:
            revision = int(str(raw_revision).strip())
        except ValueError:
            error(COL_REVISION, _("版が読めません（変更しないでください）"))
            revision = -1

        links = [line.strip() for line in _text(cells[COL_LINKS - 1]).split() if line.strip()]
        data = ReportInput(
            status=status,
            percent=percent,
            narrative_ja=_text(cells[COL_NARRATIVE_JA - 1]),
            narrative_en=_text(cells[COL_NARRATIVE_EN - 1]),
            evidence_links=links,
        )
        if len(errors) > row_errors:
            continue
        try:
            data = data.clean()
        except ProgressError as exc:
            column = {"status": COL_STATUS, "percent": COL_PERCENT}.get(exc.field or "", COL_LINKS)
            error(column, exc.message)
            continue
        change = RowChange(row, action, existing, data, revision)
        if existing is not None:
            change.changed_fields = [
                name
                for name in ("status", "percent", "narrative_ja", "narrative_en", "evidence_links")
                if getattr(data, name) != getattr(existing, name)
            ]
            if change.changed_fields and existing.state not in actions.EDITABLE_STATES:
                error(
                    COL_STATUS,
                    _("%(state)sの報告は変更できません（変更: %(fields)s）")
                    % {"state": existing.get_state_display(), "fields": change.changed_labels},
                )
                continue
            if change.changed_fields and revision != existing.revision:
                error(
                    COL_REVISION,
                    _(
                        "この取組の報告はダウンロード後に更新されています（版 %(yours)s → "
                        "%(current)s）。新しいワークブックをダウンロードしてください"
                    )
                    % {"yours": revision, "current": existing.revision},
                )
                continue
        result.rows.append(change)
    return result


def apply_workbook(user: AnyUser, content: bytes) -> ParsedWorkbook:
    """Check everything, then write every change or none. Returns the parse with its errors;
    ``errors`` empty means the changes were written."""
    parsed = parse_workbook(user, content)
    if parsed.errors or parsed.fiscal_year is None:
        return parsed
    try:
        with transaction.atomic():
            for change in parsed.changes:
                actions.save_report(
                    user,
                    change.action,
                    parsed.fiscal_year,
                    parsed.government,
                    change.data,
                    change.report.revision if change.report else 0,
                )
    except (ProgressError, PermissionDenied) as exc:
        # Someone changed a report between the check and the write: nothing was written.
        message = exc.message if isinstance(exc, ProgressError) else str(exc)
        parsed.errors.append(CellError(SHEET_NAME, None, None, message))
    return parsed
