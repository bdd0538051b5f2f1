from __future__ import annotations

import json

from django.contrib.auth.models import User
from django.test import Client

from actionplan.api.actions import create_api_token
from actionplan.plans.models import Action
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


def test_indicators_are_listed(plan_version: object) -> None:
    assert Client().get("/api/v1/progress/indicators").json() == []
