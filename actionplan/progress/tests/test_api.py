from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.accounts.permissions import PermissionDenied
from actionplan.api.actions import create_api_token
from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, Status

from .conftest import YEAR, osaka


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(None, user, 't').plaintext}"}


def test_public_list_has_accepted_reports_only(
    cycle: ReportingCycle,
    members_action: Action,
    union_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.DONE, 100, "公開"), 0
    )
    actions.accept_report(bureau_staff, actions.submit_report(osaka_editor, report, 1), 2)
    draft, _ = actions.save_report(
        bureau_staff, union_action, YEAR, None, ReportInput(Status.DONE, 100, "非公開"), 0
    )
    body = Client().get(f"/api/v1/progress/reports?fiscal_year={YEAR}").json()
    assert [(r["action_id"], r["body"], r["narrative_ja"]) for r in body] == [
        (members_action.pk, "270008", "公開")
    ]
    missing = Client().get(f"/api/v1/progress/reports/{draft.pk}")
    assert missing.status_code == 404 and set(missing.json()) == {
        "status",
        "code",
        "message",
        "field",
    }


def test_put_creates_then_if_match_guards_against_a_stale_write(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    url = f"/api/v1/progress/reports/{members_action.pk}/{YEAR}/270008"
    client = Client()
    created = client.put(
        url,
        json.dumps({"status": "in_progress", "percent": 20, "revision": 0}),
        content_type="application/json",
        headers=bearer(osaka_editor),
    )
    assert created.status_code == 201 and created.json()["revision"] == 1
    updated = client.put(
        url,
        json.dumps({"status": "in_progress", "percent": 40}),
        content_type="application/json",
        headers={**bearer(bureau_staff), "If-Match": '"1"'},
    )
    assert updated.status_code == 200 and updated.json()["revision"] == 2
    stale = client.put(
        url,
        json.dumps({"status": "done", "percent": 100}),
        content_type="application/json",
        headers={**bearer(osaka_editor), "If-Match": "1"},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["field"] == "revision"
    assert ProgressReport.objects.get().percent == 40


def test_invalid_input_names_the_field(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    response = Client().put(
        f"/api/v1/progress/reports/{members_action.pk}/{YEAR}/270008",
        json.dumps({"status": "finished", "percent": 20, "revision": 0}),
        content_type="application/json",
        headers=bearer(osaka_editor),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert not ProgressReport.objects.exists()


def test_indicator_values_are_listed_and_only_the_bureau_records_them(
    plan_version: PlanVersion, bureau_staff: User, osaka_editor: User
) -> None:
    theme = plan_version.themes.get(code="carbon_neutral")
    indicator = actions.create_indicator(
        bureau_staff, "水素関連の実証件数", name_en="Hydrogen pilots", unit="件", theme=theme
    )
    actions.record_indicator_value(bureau_staff, indicator, 2024, Decimal("3"))
    actions.record_indicator_value(bureau_staff, indicator, 2024, Decimal("4"), "訂正")
    with pytest.raises(PermissionDenied):
        actions.record_indicator_value(osaka_editor, indicator, 2025, Decimal("9"))
    with pytest.raises(PermissionDenied):
        actions.create_indicator(osaka_editor, "独自の指標")
    body = Client().get("/api/v1/progress/indicators").json()
    assert [(i["name_ja"], i["unit"]) for i in body] == [("水素関連の実証件数", "件")]
    assert [(v["fiscal_year"], v["value"], v["note"]) for v in body[0]["values"]] == [
        (2024, "4.0000", "訂正")
    ]


def test_an_indicator_value_given_with_a_report_is_listed_once_the_report_is_accepted(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(
        bureau_staff, "説明会の参加者数", unit="人", action=members_action
    )
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 50), 0
    )
    actions.record_indicator_value(osaka_editor, indicator, YEAR, Decimal("120"), report=report)

    def listed() -> list[tuple[int, str]]:
        body = Client().get("/api/v1/progress/indicators").json()
        return [(v["fiscal_year"], v["value"]) for v in body[0]["values"]]

    assert listed() == []
    report = actions.submit_report(osaka_editor, report, report.revision)
    assert listed() == []
    actions.accept_report(bureau_staff, report, report.revision)
    assert listed() == [(YEAR, "120.0000")]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/progress/reports?action_id={10**30}", "action_id"),
        (f"/api/v1/progress/reports?fiscal_year={10**30}", "fiscal_year"),
        (f"/api/v1/progress/reports/{2**63}", "report_id"),
    ],
)
def test_a_huge_number_is_refused_in_the_error_shape_not_a_server_error(
    plan_version: PlanVersion, url: str, field: str
) -> None:
    response = Client(raise_request_exception=False).get(url)
    limit = "2200" if field == "fiscal_year" else str(2**63 - 1)
    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "code": "invalid",
        "message": f"{field}: {limit}以下で指定してください",
        "field": field,
    }


def test_a_report_outside_the_action_period_is_refused_naming_the_year(
    cycle: ReportingCycle, later_union_action: Action, bureau_admin: User
) -> None:
    response = Client().put(
        f"/api/v1/progress/reports/{later_union_action.pk}/{YEAR}/union",
        json.dumps({"status": "done", "percent": 100, "revision": 0}),
        content_type="application/json",
        headers=bearer(bureau_admin),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "fiscal_year"
    assert "報告は作成できません" in body["message"]
    assert not ProgressReport.objects.exists()


def put_report(url: str, body: object, user: User, language: str = "") -> Any:
    headers = bearer(user) | ({"Accept-Language": language} if language else {})
    return Client().put(url, json.dumps(body), content_type="application/json", headers=headers)


def test_every_error_of_the_progress_api_is_in_japanese_naming_the_field(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    url = f"/api/v1/progress/reports/{members_action.pk}/{YEAR}/270008"
    # A validation error (pydantic), a domain error (the actions), an unknown id and a missing
    # token, in the one error shape and one language, whatever Accept-Language says.
    invalid = {"status": "in_progress", "percent": "30", "revision": 0}
    contradicting = {"status": "done", "percent": 30, "revision": 0}
    unknown = "/api/v1/progress/reports/99999999999/2025/270008"
    cases = [
        (url, invalid, 422, "percent", "percent: 整数で指定してください"),
        (url, contradicting, 422, "percent", "状況「完了」の進捗率は100%です"),
        (unknown, contradicting, 404, None, "取組 99999999999 はありません"),
    ]
    for language in ("", "en"):
        for target, body, status, field, message in cases:
            response = put_report(target, body, osaka_editor, language)
            assert response.json() == {
                "status": status,
                "code": "invalid" if status == 422 else "not_found",
                "message": message,
                "field": field,
            }
    bad_revision = {"status": "done", "percent": 100, "revision": -1}
    assert put_report(url, bad_revision, osaka_editor).json()["message"] == (
        "revision: 0以上で指定してください"
    )
    assert not ProgressReport.objects.exists()
    unauthenticated = Client().put(url, json.dumps(contradicting), content_type="application/json")
    assert unauthenticated.json()["message"] == "有効なAPIトークンが必要です"
    missing = Client().get("/api/v1/progress/reports/99999999999")
    assert missing.json()["message"] == "公開されている報告 99999999999 はありません"
