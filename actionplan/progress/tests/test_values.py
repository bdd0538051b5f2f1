"""A report's values agree with each other and are numbers, on every path."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.progress import actions, excel
from actionplan.progress.actions import ProgressError, ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, Status

from .conftest import YEAR, osaka
from .test_api import bearer
from .test_excel import download, fill, to_bytes


@pytest.mark.parametrize(
    ("status", "percent", "words"),
    [
        (Status.DONE, 30, "100%"),
        (Status.NOT_STARTED, 20, "0%"),
        (Status.IN_PROGRESS, 100, "1〜99%"),
        (Status.IN_PROGRESS, 0, "1〜99%"),
    ],
)
def test_status_and_percent_that_contradict_each_other_are_refused(
    cycle: ReportingCycle,
    members_action: Action,
    osaka_editor: User,
    status: str,
    percent: int,
    words: str,
) -> None:
    with pytest.raises(ProgressError, match=words) as raised:
        actions.save_report(
            osaka_editor, members_action, YEAR, osaka(), ReportInput(status, percent), 0
        )
    assert raised.value.field == "percent"
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("status", "percent"),
    [(Status.ONGOING, 30), (Status.REVISED, 0), (Status.STOPPED, 60), (Status.DONE, 100)],
)
def test_statuses_without_a_fixed_percent_accept_any(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, status: str, percent: int
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(status, percent), 0
    )
    assert (report.status, report.percent) == (status, percent)


def test_form_says_why_done_at_30_percent_is_refused(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    page = client_for(osaka_editor).post(
        f"/progress/{YEAR}/270008/{members_action.pk}/edit/",
        {"status": "done", "percent": 30, "revision": 0},
    )
    assert page.status_code == 200
    assert "状況「完了」の進捗率は100%です" in page.content.decode()
    english = client_for(osaka_editor).post(
        f"/en/progress/{YEAR}/270008/{members_action.pk}/edit/",
        {"status": "done", "percent": 30, "revision": 0},
    )
    assert "100%" in english.content.decode() and "状況" not in english.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("percent", [True, "30", 30.5, None])
def test_api_refuses_a_percent_that_is_not_a_json_integer(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, percent: object
) -> None:
    response = Client().put(
        f"/api/v1/progress/reports/{members_action.pk}/{YEAR}/270008",
        json.dumps({"status": "in_progress", "percent": percent, "revision": 0}),
        content_type="application/json",
        headers=bearer(osaka_editor),
    )
    assert response.status_code == 422
    assert "percent" in json.dumps(response.json())
    assert not ProgressReport.objects.exists()


def test_workbook_year_cell_changed_to_another_open_year_is_one_error_at_b1(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    actions.open_cycle(bureau_staff, YEAR + 1, cycle.deadline.replace(year=2027))
    wb = fill(download())
    wb[excel.SHEET_NAME][excel.YEAR_CELL].value = YEAR + 1
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column) for e in result.errors] == [(1, "B")]
    assert "年度のセル" in result.errors[0].message
    assert not ProgressReport.objects.exists()


def test_workbook_year_cell_of_a_year_without_an_open_cycle_is_an_error_at_b1(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    wb = fill(download())
    wb[excel.SHEET_NAME][excel.YEAR_CELL].value = YEAR - 1
    result = excel.apply_workbook(osaka_editor, to_bytes(wb))
    assert [(e.row, e.column) for e in result.errors] == [(1, "B")]
    assert not ProgressReport.objects.exists()


def test_workbook_blank_percent_takes_the_one_its_status_implies(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    result = excel.apply_workbook(osaka_editor, to_bytes(fill(download(), "完了", "")))
    assert result.errors == []
    assert ProgressReport.objects.get().percent == 100
    wrong = excel.parse_workbook(osaka_editor, to_bytes(fill(download(), "未着手", 40)))
    assert [(e.row, e.column) for e in wrong.errors] == [(excel.FIRST_ROW, "F（進捗率（%））")]
