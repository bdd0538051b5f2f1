from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.test import Client

from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.progress.actions import (
    ReportInput,
    accept_report,
    assign_action,
    open_cycle,
    save_report,
    submit_report,
)


def test_action_page_shows_accepted_progress_reports_only(
    client: Client,
    plan_version: PlanVersion,
    bureau_admin: User,
    osaka_editor: User,
    kyoto_editor: User,
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    osaka = MemberGovernment.objects.get(lg_code="270008")
    kyoto = MemberGovernment.objects.get(lg_code="260002")
    open_cycle(bureau_admin, 2025, datetime.date(2026, 5, 31))
    assign_action(bureau_admin, action, [osaka, kyoto])
    accepted, _ = save_report(
        osaka_editor,
        action,
        2025,
        osaka,
        ReportInput("in_progress", 40, "実証を三件実施した", "Three pilots were run"),
        0,
    )
    accepted = submit_report(osaka_editor, accepted, accepted.revision)
    accept_report(bureau_admin, accepted, accepted.revision)
    save_report(kyoto_editor, action, 2025, kyoto, ReportInput("done", 100, "まだ下書きの報告"), 0)

    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "実証を三件実施した" in page
    assert "40%" in page and "令和7年度（2025年度）" in page
    assert "まだ下書きの報告" not in page
    english = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert "Three pilots were run" in english and "FY2025" in english
