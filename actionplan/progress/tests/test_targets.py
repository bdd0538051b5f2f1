"""Indicators with a baseline and a target: the status rule, where it shows, and the plan's
own figure seeded as an indicator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions, targets
from actionplan.progress.actions import ProgressError, TargetInput
from actionplan.progress.models import Direction, Indicator


def with_target(staff: User, theme_action: Action, direction: str = Direction.UP) -> Indicator:
    indicator = actions.create_indicator(staff, "実証件数", unit="件", theme=theme_action.theme)
    return actions.set_indicator_target(
        staff,
        indicator,
        TargetInput(Decimal(100), 2024, Decimal(200), 2026, direction),
    )


@pytest.mark.parametrize(
    ("direction", "value", "status"),
    [
        # Expected in 2025: half way, 150. A quarter of the way is 25.
        (Direction.UP, "150", targets.TargetStatus.ON_TRACK),
        (Direction.UP, "126", targets.TargetStatus.AT_RISK),
        (Direction.UP, "124", targets.TargetStatus.OFF_TRACK),
        # Down is good: from 200 to 100, expected 150 in 2025.
        (Direction.DOWN, "149", targets.TargetStatus.ON_TRACK),
        (Direction.DOWN, "170", targets.TargetStatus.AT_RISK),
        (Direction.DOWN, "190", targets.TargetStatus.OFF_TRACK),
    ],
)
def test_status_follows_the_line_from_baseline_to_target(
    members_action: Action, bureau_staff: User, direction: str, value: str, status: str
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    start, goal = (100, 200) if direction == Direction.UP else (200, 100)
    actions.set_indicator_target(
        bureau_staff,
        indicator,
        TargetInput(Decimal(start), 2024, Decimal(goal), 2026, direction),
    )
    actions.record_indicator_value(bureau_staff, indicator, 2025, Decimal(value))
    indicator.refresh_from_db()
    assessment = targets.assess(indicator, {v.fiscal_year: v for v in indicator.values.all()})
    assert assessment is not None
    assert (assessment.status, assessment.expected) == (status, Decimal(150))


def test_no_status_without_a_target_or_a_later_value(
    members_action: Action, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    actions.record_indicator_value(bureau_staff, indicator, 2025, Decimal(5))
    assert targets.assess(indicator, {v.fiscal_year: v for v in indicator.values.all()}) is None
    with_target_indicator = with_target(bureau_staff, members_action)
    assert targets.assess(with_target_indicator, {}) is None


def test_target_must_come_after_the_baseline_and_in_pairs(
    members_action: Action, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    for data, field in [
        (TargetInput(Decimal(1), 2025, Decimal(2), 2024), "target_year"),
        (TargetInput(Decimal(1), None, None, None), "baseline_year"),
        (TargetInput(None, None, Decimal(2), None), "target_year"),
    ]:
        with pytest.raises(ProgressError) as raised:
            actions.set_indicator_target(bureau_staff, indicator, data)
        assert raised.value.field == field
    indicator.refresh_from_db()
    assert indicator.target_value is None


def test_status_shows_on_the_dashboard_the_action_page_and_in_the_api(
    members_action: Action, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(bureau_staff, "参加企業数", action=members_action)
    actions.set_indicator_target(
        bureau_staff, indicator, TargetInput(Decimal(10), 2024, Decimal(30), 2026)
    )
    actions.record_indicator_value(bureau_staff, indicator, 2025, Decimal(12))
    dashboard = client_for(bureau_staff).get("/progress/dashboard/?year=2025").content.decode()
    assert "参加企業数" in dashboard and "遅れ" in dashboard and "見込み 20" in dashboard
    public = Client().get(f"/progress/public/actions/{members_action.pk}/").content.decode()
    assert "遅れ" in public and "増えるほど良い" in public
    english = Client().get(f"/en/progress/public/actions/{members_action.pk}/").content.decode()
    assert "Off track" in english
    body = Client().get("/api/v1/progress/indicators").json()
    line = next(i for i in body if i["id"] == indicator.pk)
    assert line["status"] == "off_track"
    assert (line["baseline_year"], line["target_year"], line["direction"]) == (2024, 2026, "up")
    assert Decimal(line["target_value"]) == 30


def test_bureau_sets_a_target_on_the_indicator_page_and_an_editor_cannot(
    members_action: Action, bureau_staff: User, osaka_editor: User
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    data = {
        "baseline_value": "5",
        "baseline_year": "2024",
        "target_value": "1",
        "target_year": "2026",
        "direction": "down",
    }
    url = f"/progress/indicators/{indicator.pk}/target/"
    assert client_for(osaka_editor).post(url, data).status_code == 403
    client_for(bureau_staff).post(url, data)
    indicator.refresh_from_db()
    assert (indicator.target_value, indicator.direction) == (Decimal(1), Direction.DOWN)
    assert indicator.history.latest("history_date").history_user == bureau_staff


def test_the_plans_own_figure_becomes_an_indicator_of_the_startups_theme(
    plan_version: PlanVersion,
) -> None:
    call_command("indicators_from_plan")
    call_command("indicators_from_plan")  # again: nothing new
    indicator = Indicator.objects.get(name_ja="域内大学発ベンチャー数")
    assert indicator.theme is not None and indicator.theme.code == "startups"
    assert "経済産業省" in indicator.source
    assert [(v.fiscal_year, v.value) for v in indicator.values.all()] == [(2024, Decimal(981))]
    assert (indicator.baseline_value, indicator.baseline_year) == (Decimal(981), 2024)
    assert Indicator.objects.filter(name_ja="域内大学発ベンチャー数").count() == 1
