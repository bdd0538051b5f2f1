"""What is attached to an action follows it into the next edition, by its stable key."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.plans import models as m
from actionplan.plans.actions import import_plan_document
from actionplan.progress import actions as progress
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import Status

from .test_editions import crafted_revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_person_bureau(settings: Any) -> None:
    # One bureau user writes and accepts here: these tests are about history across editions,
    # not about who may accept (progress/tests/test_review.py is).
    settings.PROGRESS_FOUR_EYES = False


def accepted_report(staff: User, action: m.Action, narrative: str) -> None:
    government = None
    if action.actor == m.Actor.MEMBERS:
        government = m.MemberGovernment.objects.get(lg_code="270008")
        progress.assign_action(staff, action, [government])
    report, _ = progress.save_report(
        staff, action, 2024, government, ReportInput(Status.DONE, 100, narrative), 0
    )
    progress.accept_report(staff, progress.submit_report(staff, report, 1), 2)


def test_reports_follow_moved_and_reworded_actions_and_removed_ones_keep_their_page(
    plan_version: m.PlanVersion, bureau_staff: User, tmp_path: Path
) -> None:
    progress.open_cycle(bureau_staff, 2024, datetime.date(2025, 5, 31))
    text, words = crafted_revision()
    moved = plan_version.actions.get(text_ja=words["moved"])
    reworded = plan_version.actions.get(text_ja=words["old"])
    removed = plan_version.actions.get(text_ja=words["removed"])
    accepted_report(bureau_staff, moved, "移動前の版への報告")
    accepted_report(bureau_staff, reworded, "言い換え前の版への報告")
    new = import_plan_document(text.encode(), source_name="revised.txt").version
    client = Client()
    for old, narrative in ((moved, "移動前の版への報告"), (reworded, "言い換え前の版への報告")):
        action = new.actions.get(key=old.key)
        page = client.get(f"/actions/{action.pk}/").content.decode()
        assert narrative in page
        assert "2025年11月改訂版の取組に対する報告" in page
    page = client.get(f"/actions/{removed.pk}/").content.decode()
    assert "この取組は第2版（2026年5月改訂版）で計画から削除されました。" in page
    english = client.get(f"/en/actions/{removed.pk}/").content.decode()
    assert "This action was removed from the plan in edition 2 (" in english


def test_the_api_gives_an_actions_reports_of_every_edition_with_their_edition(
    plan_version: m.PlanVersion, bureau_staff: User
) -> None:
    progress.open_cycle(bureau_staff, 2024, datetime.date(2025, 5, 31))
    text, words = crafted_revision()
    moved = plan_version.actions.get(text_ja=words["moved"])
    accepted_report(bureau_staff, moved, "移動前の版への報告")
    new = import_plan_document(text.encode(), source_name="revised.txt").version
    action = new.actions.get(key=moved.key)
    reports = Client().get(f"/api/v1/progress/reports?action_id={action.pk}").json()
    assert [(r["narrative_ja"], r["plan_version"], r["plan_edition"]) for r in reports] == [
        ("移動前の版への報告", 1, "2025年11月改訂版")
    ]
