"""Every role × every write, on the web and through the API: allowed or refused as specified
in the README ("Who may do what"), and a refused write leaves nothing behind."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from openpyxl import load_workbook

from actionplan.api.actions import create_api_token
from actionplan.conftest import client_for
from actionplan.mail.models import OutgoingMail
from actionplan.plans.models import Action, ActionAssignment
from actionplan.progress import actions, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import (
    EvidenceFile,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportComment,
    ReportingCycle,
    ReviewState,
    Status,
)

from .conftest import YEAR, kyoto, osaka

ROLES = [
    "bureau_admin",
    "bureau_staff",
    "osaka_editor",
    "kyoto_editor",
    "reviewer",
    "outsider",
    None,
]
BUREAU = {"bureau_admin", "bureau_staff"}
OSAKA = BUREAU | {"osaka_editor"}


class World:
    def __init__(self, people: dict[str, User], members_action: Action, union_action: Action):
        self.people = people
        self.members_action = members_action
        self.union_action = union_action

    def draft(self) -> ProgressReport:
        report, _ = actions.save_report(
            self.people["osaka_editor"],
            self.members_action,
            YEAR,
            osaka(),
            ReportInput(Status.IN_PROGRESS, 10),
            0,
        )
        return report

    def submitted(self) -> ProgressReport:
        return actions.submit_report(self.people["osaka_editor"], self.draft(), 1)

    def accepted(self) -> ProgressReport:
        return actions.accept_report(self.people["bureau_admin"], self.submitted(), 2)


def report_state() -> str | None:
    report = ProgressReport.objects.filter(member_government=osaka()).first()
    return report.state if report else None


def web_save_osaka(w: World, c: Client) -> bool:
    c.post(
        f"/progress/{YEAR}/270008/{w.members_action.pk}/edit/",
        {"status": "done", "percent": 100, "revision": 0},
    )
    return ProgressReport.objects.exists()


def web_save_union(w: World, c: Client) -> bool:
    c.post(
        f"/progress/{YEAR}/union/{w.union_action.pk}/edit/",
        {"status": "done", "percent": 100, "revision": 0},
    )
    return ProgressReport.objects.exists()


def web_submit(w: World, c: Client) -> bool:
    report = w.draft()
    c.post(f"/progress/reports/{report.pk}/submit/", {"revision": 1})
    return report_state() == ReviewState.SUBMITTED


def web_accept(w: World, c: Client) -> bool:
    report = w.submitted()
    c.post(f"/progress/reports/{report.pk}/accept/", {"revision": 2})
    return report_state() == ReviewState.ACCEPTED


def web_return(w: World, c: Client) -> bool:
    report = w.submitted()
    c.post(f"/progress/reports/{report.pk}/return/", {"revision": 2, "comment": "再確認"})
    return report_state() == ReviewState.RETURNED


def web_reopen(w: World, c: Client) -> bool:
    report = w.accepted()
    c.post(f"/progress/reports/{report.pk}/reopen/", {"revision": 3, "comment": "訂正"})
    return report_state() == ReviewState.RETURNED


def web_reopen_cycle(w: World, c: Client) -> bool:
    actions.close_cycle(w.people["bureau_admin"], ReportingCycle.objects.get(fiscal_year=YEAR))
    c.post(f"/progress/cycles/{YEAR}/reopen/")
    return ReportingCycle.objects.get(fiscal_year=YEAR).is_open


def web_submit_all(w: World, c: Client) -> bool:
    report, _ = actions.save_report(
        w.people["osaka_editor"],
        w.members_action,
        YEAR,
        osaka(),
        ReportInput(Status.IN_PROGRESS, 10, "実施した"),
        0,
    )
    c.post(f"/progress/{YEAR}/270008/submit/", {"report": [f"{report.pk}:1"]})
    return report_state() == ReviewState.SUBMITTED


def web_accept_many(w: World, c: Client) -> bool:
    report = w.submitted()
    c.post(f"/progress/review/?year={YEAR}", {"report": [f"{report.pk}:2"]})
    return report_state() == ReviewState.ACCEPTED


def web_assign_matrix(w: World, c: Client) -> bool:
    action = w.members_action.pk
    c.post("/progress/assignments/matrix/", {"row": [action], f"a{action}": [kyoto().pk]})
    return ActionAssignment.objects.filter(member_government=kyoto()).exists()


def web_comment(w: World, c: Client) -> bool:
    report = w.draft()
    c.post(f"/progress/reports/{report.pk}/comment/", {"text": "確認しました"})
    return ReportComment.objects.exists()


def web_assign(w: World, c: Client) -> bool:
    c.post(f"/progress/actions/{w.members_action.pk}/assign/", {"governments": [kyoto().pk]})
    return ActionAssignment.objects.filter(member_government=kyoto()).exists()


def web_open_cycle(w: World, c: Client) -> bool:
    c.post("/progress/cycles/", {"fiscal_year": YEAR + 1, "deadline": "2027-05-31"})
    return ReportingCycle.objects.filter(fiscal_year=YEAR + 1).exists()


def web_remind(w: World, c: Client) -> bool:
    c.post(f"/progress/cycles/{YEAR}/remind/")
    # Reminders are queued in the outbox with the change; the sender mails them after commit.
    return OutgoingMail.objects.exists()


def web_close_cycle(w: World, c: Client) -> bool:
    c.post(f"/progress/cycles/{YEAR}/close/")
    return not ReportingCycle.objects.get(fiscal_year=YEAR).is_open


def web_workbook(w: World, c: Client) -> bool:
    wb = load_workbook(io.BytesIO(excel.build_workbook(YEAR, osaka())))
    wb[excel.SHEET_NAME].cell(row=excel.FIRST_ROW, column=excel.COL_STATUS).value = "完了"
    out = io.BytesIO()
    wb.save(out)
    response = c.post(
        "/progress/upload/", {"workbook": SimpleUploadedFile("w.xlsx", out.getvalue())}
    )
    if response.status_code == 302 and "/upload/" in response["Location"]:
        c.post(response["Location"] + "apply/")
    return ProgressReport.objects.exists()


def web_create_indicator(w: World, c: Client) -> bool:
    c.post("/progress/indicators/", {"name_ja": "実証件数", "theme": w.members_action.theme_id})
    return Indicator.objects.exists()


def web_record_indicator_value(w: World, c: Client) -> bool:
    indicator = actions.create_indicator(
        w.people["bureau_staff"], "実証件数", theme=w.members_action.theme
    )
    c.post(f"/progress/indicators/{indicator.pk}/", {"fiscal_year": YEAR, "value": "3"})
    return IndicatorValue.objects.exists()


def web_report_indicator_value(w: World, c: Client) -> bool:
    indicator = actions.create_indicator(
        w.people["bureau_staff"], "参加者数", action=w.members_action
    )
    report = w.draft()
    c.post(f"/progress/reports/{report.pk}/indicator/", {"indicator": indicator.pk, "value": "3"})
    return IndicatorValue.objects.exists()


def web_set_indicator_target(w: World, c: Client) -> bool:
    indicator = actions.create_indicator(
        w.people["bureau_staff"], "実証件数", theme=w.members_action.theme
    )
    c.post(
        f"/progress/indicators/{indicator.pk}/target/",
        {"target_value": "10", "target_year": "2026", "direction": "up"},
    )
    indicator.refresh_from_db()
    return indicator.target_value is not None


def web_add_evidence(w: World, c: Client) -> bool:
    report = w.draft()
    c.post(
        f"/progress/reports/{report.pk}/evidence/",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    return EvidenceFile.objects.exists()


WEB_WRITES: dict[str, tuple[Callable[[World, Client], bool], set[str]]] = {
    "save_osaka": (web_save_osaka, OSAKA),
    "save_union": (web_save_union, BUREAU),
    "submit": (web_submit, OSAKA),
    "accept": (web_accept, BUREAU),
    "return": (web_return, BUREAU),
    "reopen": (web_reopen, BUREAU),
    "reopen_cycle": (web_reopen_cycle, BUREAU),
    "submit_all": (web_submit_all, OSAKA),
    "accept_many": (web_accept_many, BUREAU),
    "assign_matrix": (web_assign_matrix, BUREAU),
    "comment": (web_comment, OSAKA | {"reviewer"}),
    "assign": (web_assign, BUREAU),
    "open_cycle": (web_open_cycle, BUREAU),
    "remind": (web_remind, BUREAU),
    "close_cycle": (web_close_cycle, BUREAU),
    "workbook": (web_workbook, OSAKA),
    "create_indicator": (web_create_indicator, BUREAU),
    "record_indicator_value": (web_record_indicator_value, BUREAU),
    "report_indicator_value": (web_report_indicator_value, OSAKA),
    "set_indicator_target": (web_set_indicator_target, BUREAU),
    "add_evidence": (web_add_evidence, OSAKA),
}


@pytest.fixture(autouse=True)
def evidence_root(tmp_path: Path, settings: object) -> None:
    settings.PROGRESS_EVIDENCE_ROOT = tmp_path  # type: ignore[attr-defined]


@pytest.fixture
def world(
    cycle: ReportingCycle,
    members_action: Action,
    union_action: Action,
    bureau_admin: User,
    bureau_staff: User,
    osaka_editor: User,
    kyoto_editor: User,
    reviewer: User,
    outsider: User,
) -> World:
    people = {
        "bureau_admin": bureau_admin,
        "bureau_staff": bureau_staff,
        "osaka_editor": osaka_editor,
        "kyoto_editor": kyoto_editor,
        "reviewer": reviewer,
        "outsider": outsider,
    }
    return World(people, members_action, union_action)


class Rollback(Exception):
    pass


def outcomes(attempt: Callable[[str | None], bool]) -> dict[str | None, bool]:
    """Try the write once per role, each from the same starting point (a rolled-back
    savepoint), so that one plan import serves the whole row of the matrix."""
    result: dict[str | None, bool] = {}
    for role in ROLES:
        mail.outbox.clear()
        try:
            with transaction.atomic():
                result[role] = attempt(role)
                raise Rollback
        except Rollback:
            pass
    return result


@pytest.mark.parametrize("write", sorted(WEB_WRITES))
def test_web_write_matrix(world: World, write: str) -> None:
    do, allowed = WEB_WRITES[write]
    got = outcomes(lambda role: do(world, client_for(world.people[role] if role else None)))
    assert got == {role: role in allowed for role in ROLES}


def api_put(w: World, c: Client, headers: dict[str, str], body: str, action: Action) -> None:
    c.put(
        f"/api/v1/progress/reports/{action.pk}/{YEAR}/{body}",
        json.dumps({"status": "done", "percent": 100, "revision": 0}),
        content_type="application/json",
        headers=headers,
    )


def api_save_osaka(w: World, c: Client, h: dict[str, str]) -> bool:
    api_put(w, c, h, "270008", w.members_action)
    return ProgressReport.objects.exists()


def api_save_union(w: World, c: Client, h: dict[str, str]) -> bool:
    api_put(w, c, h, "union", w.union_action)
    return ProgressReport.objects.exists()


def _api_step(c: Client, h: dict[str, str], report: ProgressReport, step: str, rev: int) -> None:
    c.post(
        f"/api/v1/progress/reports/{report.pk}/{step}",
        json.dumps({"revision": rev, "comment": "再確認"}),
        content_type="application/json",
        headers=h,
    )


def api_submit(w: World, c: Client, h: dict[str, str]) -> bool:
    _api_step(c, h, w.draft(), "submit", 1)
    return report_state() == ReviewState.SUBMITTED


def api_accept(w: World, c: Client, h: dict[str, str]) -> bool:
    _api_step(c, h, w.submitted(), "accept", 2)
    return report_state() == ReviewState.ACCEPTED


def api_return(w: World, c: Client, h: dict[str, str]) -> bool:
    _api_step(c, h, w.submitted(), "return", 2)
    return report_state() == ReviewState.RETURNED


def api_reopen(w: World, c: Client, h: dict[str, str]) -> bool:
    _api_step(c, h, w.accepted(), "reopen", 3)
    return report_state() == ReviewState.RETURNED


def api_set_indicator_target(w: World, c: Client, h: dict[str, str]) -> bool:
    indicator = actions.create_indicator(
        w.people["bureau_staff"], "実証件数", theme=w.members_action.theme
    )
    c.put(
        f"/api/v1/progress/indicators/{indicator.pk}/target",
        json.dumps({"target_value": 10, "target_year": 2026, "revision": 0}),
        content_type="application/json",
        headers=h,
    )
    indicator.refresh_from_db()
    return indicator.target_value is not None


API_WRITES: dict[str, tuple[Callable[[World, Client, dict[str, str]], bool], set[str]]] = {
    "save_osaka": (api_save_osaka, OSAKA),
    "save_union": (api_save_union, BUREAU),
    "submit": (api_submit, OSAKA),
    "accept": (api_accept, BUREAU),
    "return": (api_return, BUREAU),
    "reopen": (api_reopen, BUREAU),
    "set_indicator_target": (api_set_indicator_target, BUREAU),
}


@pytest.mark.parametrize("write", sorted(API_WRITES))
def test_api_write_matrix(world: World, write: str) -> None:
    do, allowed = API_WRITES[write]

    def attempt(role: str | None) -> bool:
        headers = {}
        if role:
            token = create_api_token(None, world.people[role], "matrix").plaintext
            headers = {"Authorization": f"Bearer {token}"}
        return do(world, Client(), headers)

    assert outcomes(attempt) == {role: role in allowed for role in ROLES}
