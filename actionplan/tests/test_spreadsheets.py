"""One rule for text a spreadsheet would run, in every file written for spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from actionplan.opendata import package
from actionplan.opendata.schema import TABLES
from actionplan.progress import excel
from actionplan.spreadsheets import FORMULA_STARTS, neutralise, restore

RUNNABLE = ["=1+1", "+1", "-x", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", RUNNABLE)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe_and_comes_back(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


def test_other_values_are_left_alone() -> None:
    assert [neutralise(v) for v in ("a=b", "水素", "", "'quoted")] == ["a=b", "水素", "", "'quoted"]
    assert neutralise(-3) == -3 and neutralise(None) is None
    assert restore("'plain") == "'plain"


@pytest.mark.parametrize("text", RUNNABLE)
def test_the_progress_workbook_writes_the_same_as_the_open_data_copy(text: str) -> None:
    ws = Workbook().create_sheet()
    excel.write_cell(ws, 1, 1, text)
    table = next(t for t in TABLES if any(c.type == "string" for c in t.columns))
    header = [c.name for c in table.columns]
    row = [text if c.type == "string" else "1" for c in table.columns]
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\r\n").writerows([header, row])
    copied = list(csv.reader(io.StringIO(package.excel_copy(table, plain.getvalue()))))[1]
    string_cells = [v for v, c in zip(copied, table.columns, strict=True) if c.type == "string"]
    assert ws.cell(row=1, column=1).value == "'" + text
    assert string_cells and all(v == "'" + text for v in string_cells)


def test_no_writer_keeps_a_list_of_its_own() -> None:
    assert not hasattr(package, "FORMULA_STARTS") and not hasattr(excel, "FORMULA_STARTS")
    assert len(FORMULA_STARTS) == len(set(FORMULA_STARTS)) == 6
