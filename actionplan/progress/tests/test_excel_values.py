"""Numeric cells that are no numbers (NaN, infinity, TRUE/FALSE) are cell errors, never a 500."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import excel
from actionplan.progress.models import ProgressReport, ReportingCycle

from .test_excel import download, fill, to_bytes


def with_stored_number(content: bytes, cell: str, stored: str) -> bytes:
    """The workbook with ``cell`` holding ``stored`` as the number text of the file itself
    (what a spreadsheet program or a script may write; openpyxl writes no infinity)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                pattern = rf'(<c r="{cell}"[^>]*>)<v>[^<]*</v>'.encode()
                data, count = re.subn(pattern, rb"\1<v>" + stored.encode() + b"</v>", data)
                assert count <= 1
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("stored", ["1E+400", "-1E+400", "1.5"])
def test_a_percent_stored_as_an_infinite_number_is_a_cell_error(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, stored: str
) -> None:
    cell = f"F{excel.FIRST_ROW}"
    content = with_stored_number(to_bytes(fill(download(), percent=60)), cell, stored)
    result = excel.apply_workbook(osaka_editor, content)
    assert [(e.row, e.column[:1]) for e in result.errors if e.column] == [(excel.FIRST_ROW, "F")]
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("percent", ["nan", "NaN", "inf", "-inf", "1e400", True, False])
def test_a_percent_that_is_no_finite_number_is_a_cell_error(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, percent: Any
) -> None:
    result = excel.apply_workbook(osaka_editor, to_bytes(fill(download(), percent=percent)))
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        (excel.SHEET_NAME, excel.FIRST_ROW, "F（進捗率（%））")
    ]
    assert "進捗率は0から100の整数です" in result.errors[0].message
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("year", [True, 99999999999999999999, -1])
def test_a_year_cell_that_is_no_fiscal_year_is_a_cell_error(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, year: Any
) -> None:
    wb = fill(download())
    wb[excel.SHEET_NAME][excel.YEAR_CELL] = year
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column[:1]) for e in result.errors if e.column] == [(1, "B")]
    assert not ProgressReport.objects.exists()


def test_the_upload_page_lists_a_nan_percent_as_a_cell_error(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    content = to_bytes(fill(download(), percent="nan"))
    upload = SimpleUploadedFile("progress.xlsx", content)
    response = client_for(osaka_editor).post("/progress/upload/", {"workbook": upload})
    assert response.status_code == 400
    assert "進捗率は0から100の整数です" in response.content.decode()


def test_a_year_parameter_is_still_read(cycle: ReportingCycle, bureau_staff: User) -> None:
    response = client_for(bureau_staff).get(
        "/progress/dashboard/", {"year": str(cycle.fiscal_year)}
    )
    assert response.status_code == 200


def test_an_empty_year_parameter_falls_back_to_the_open_cycle(
    cycle: ReportingCycle, bureau_staff: User
) -> None:
    response: Any = client_for(bureau_staff).get("/progress/", {"year": ""})
    assert response.status_code == 200
    assert response.context["year"] == cycle.fiscal_year


def test_an_outsider_gets_no_progress_page_whatever_the_year(outsider: User) -> None:
    client: Client = client_for(outsider)
    assert client.get("/progress/", {"year": "2025"}).status_code in (302, 403)
