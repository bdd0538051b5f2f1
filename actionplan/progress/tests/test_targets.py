"""Indicators with a baseline and a target: the status rule, where it shows, and the plan's
own figure seeded as an indicator."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions, targets
from actionplan.progress.actions import ProgressError, TargetInput
from actionplan.progress.models import Direction, Indicator, IndicatorValue

from .test_api import bearer


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


def test_indicators_from_plan_run_twice_creates_nothing_new(plan_version: PlanVersion) -> None:
    first = io.StringIO()
    call_command("indicators_from_plan", stdout=first)
    stored = (
        Indicator.objects.count(),
        IndicatorValue.objects.count(),
        Indicator.history.count(),
        IndicatorValue.history.count(),
    )
    assert stored[:2] == (1, 1)
    again = io.StringIO()
    call_command("indicators_from_plan", stdout=again)
    assert (
        Indicator.objects.count(),
        IndicatorValue.objects.count(),
        Indicator.history.count(),
        IndicatorValue.history.count(),
    ) == stored
    assert first.getvalue() == again.getvalue() == "1 indicator(s) from the plan's own figures\n"


def test_make_run_seeds_the_plans_figures_after_the_import() -> None:
    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:")[1].split("\n\n")[0]
    steps = [line.split()[1] for line in run.splitlines() if "$(BIN)/actionplan " in line]
    assert steps.index("indicators-from-plan") == steps.index("import") + 1


def put_target(
    indicator: Indicator, body: object, headers: dict[str, str] | None = None, raw: str = ""
) -> Any:
    return Client().put(
        f"/api/v1/progress/indicators/{indicator.pk}/target",
        raw or json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


TARGET = {
    "baseline_value": 981,
    "baseline_year": 2024,
    "target_value": "1200.5",
    "target_year": 2029,
    "direction": "up",
}


def test_bureau_sets_a_target_through_the_api_with_history_and_revisions(
    members_action: Action, bureau_staff: User
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    response = put_target(indicator, {**TARGET, "revision": 0}, bearer(bureau_staff))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 1 and body["target_year"] == 2029
    assert Decimal(body["baseline_value"]) == 981 and Decimal(body["target_value"]) == Decimal(
        "1200.5"
    )
    assert [e["fiscal_year"] for e in body["expected"]] == list(range(2024, 2030))
    assert Decimal(body["expected"][-1]["value"]) == Decimal("1200.5")
    indicator.refresh_from_db()
    assert (indicator.baseline_value, indicator.target_value) == (Decimal(981), Decimal("1200.5"))
    latest = indicator.history.latest("history_date")
    assert latest.history_user == bureau_staff and latest.target_year == 2029
    # Based on the old revision: refused, nothing changed. If-Match carries it too.
    stale = put_target(
        indicator, {**TARGET, "target_value": 5, "revision": 0}, bearer(bureau_staff)
    )
    assert stale.status_code == 409 and stale.json()["field"] == "revision"
    missing = put_target(indicator, TARGET, bearer(bureau_staff))
    assert missing.status_code == 409
    ok = put_target(
        indicator,
        {**TARGET, "direction": "down", "target_value": 900},
        {**bearer(bureau_staff), "If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    indicator.refresh_from_db()
    assert (indicator.target_value, indicator.direction) == (Decimal(900), "down")
    assert indicator.history.count() == 3  # created, and two changes


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"baseline_value": NaN, "baseline_year": 2024, "revision": 0}', "baseline_value"),
        ('{"target_value": Infinity, "target_year": 2029, "revision": 0}', "target_value"),
        ('{"target_value": "-inf", "target_year": 2029, "revision": 0}', "target_value"),
        ('{"target_value": "nan", "target_year": 2029, "revision": 0}', "target_value"),
        ('{"baseline_value": true, "baseline_year": 2024, "revision": 0}', "baseline_value"),
        ('{"target_value": "1,200", "target_year": 2029, "revision": 0}', "target_value"),
        ('{"target_value": 1e30, "target_year": 2029, "revision": 0}', "target_value"),
        ('{"target_value": 0.00001, "target_year": 2029, "revision": 0}', "target_value"),
        ('{"target_value": 5, "target_year": true, "revision": 0}', "target_year"),
        ('{"target_value": 5, "target_year": "2029", "revision": 0}', "target_year"),
        ('{"baseline_value": 5, "revision": 0}', "baseline_year"),
        (
            '{"baseline_value": 5, "baseline_year": 2026, "target_value": 9, '
            '"target_year": 2025, "revision": 0}',
            "target_year",
        ),
        ('{"direction": "sideways", "revision": 0}', "direction"),
    ],
)
def test_bad_numbers_are_refused_naming_the_field(
    members_action: Action, bureau_staff: User, raw: str, field: str
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    response = put_target(indicator, None, bearer(bureau_staff), raw=raw)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    indicator.refresh_from_db()
    assert indicator.revision == 0 and indicator.target_value is None
    assert indicator.baseline_value is None


def test_only_the_bureau_sets_targets_through_the_api(
    members_action: Action,
    bureau_staff: User,
    bureau_admin: User,
    osaka_editor: User,
    reviewer: User,
    outsider: User,
) -> None:
    indicator = actions.create_indicator(bureau_staff, "件数", action=members_action)
    for user in (osaka_editor, reviewer, outsider):
        response = put_target(indicator, {**TARGET, "revision": 0}, bearer(user))
        assert response.status_code == 403, user
    assert put_target(indicator, {**TARGET, "revision": 0}).status_code == 401
    indicator.refresh_from_db()
    assert indicator.target_value is None and indicator.history.count() == 1
    assert put_target(indicator, {**TARGET, "revision": 0}, bearer(bureau_admin)).status_code == 200


def test_the_target_write_is_in_the_openapi_document() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/progress/indicators/{indicator_id}/target"]["put"]
    assert operation["security"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    props = schema["components"]["schemas"][ref]["properties"]
    assert {"baseline_value", "baseline_year", "target_value", "target_year", "direction"} <= set(
        props
    )
    assert "revision" in props


def test_the_indicator_page_refuses_a_target_based_on_an_old_revision(
    members_action: Action, bureau_staff: User
) -> None:
    indicator = with_target(bureau_staff, members_action)  # revision 1
    page = client_for(bureau_staff).get(f"/progress/indicators/{indicator.pk}/").content.decode()
    assert 'name="revision" value="1"' in page
    data = {"target_value": "5", "target_year": "2026", "baseline_value": "1"}
    response = client_for(bureau_staff).post(
        f"/en/progress/indicators/{indicator.pk}/target/",
        {**data, "baseline_year": "2024", "direction": "up", "revision": "0"},
        follow=True,
    )
    assert "Someone else changed this indicator" in response.content.decode()
    indicator.refresh_from_db()
    assert (indicator.target_value, indicator.revision) == (Decimal(200), 1)


def test_the_indicator_page_lists_who_changed_the_target_and_when(
    members_action: Action, bureau_staff: User, bureau_admin: User
) -> None:
    indicator = with_target(bureau_staff, members_action)
    put_target(indicator, {**TARGET, "revision": 1}, bearer(bureau_admin))
    page = client_for(bureau_staff).get(f"/en/progress/indicators/{indicator.pk}/")
    html = page.content.decode()
    part = html[html.index("Changes of the baseline and target") :]
    rows = part[: part.index("</table>")].split("<tr>")[2:]
    assert len(rows) == 3  # created, target set on the page, changed through the API
    assert bureau_admin.get_username() in rows[0] and "1,200.5" in rows[0]
    assert bureau_staff.get_username() in rows[1] and "200 (FY2026)" in rows[1]


def startups_indicator_at_risk(plan_version: PlanVersion, staff: User) -> Indicator:
    """Baseline 981 (FY2024), target 1200 (FY2030): expected 1017.5 in FY2025, 1090.5 in FY2027."""
    theme = plan_version.themes.get(code="startups")
    indicator = actions.create_indicator(staff, "大学発ベンチャー数", theme=theme)
    actions.set_indicator_target(
        staff, indicator, TargetInput(Decimal(981), 2024, Decimal(1200), 2030)
    )
    actions.record_indicator_value(staff, indicator, 2025, Decimal(1000))
    return indicator


def test_expected_values_have_the_decimal_places_of_the_baseline_and_target(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    indicator = startups_indicator_at_risk(plan_version, bureau_staff)
    places = Indicator._meta.get_field("baseline_value").decimal_places
    assert places == 4
    body = Client().get("/api/v1/progress/indicators").json()
    line = next(i for i in body if i["id"] == indicator.pk)
    assert (line["baseline_value"], line["target_value"]) == ("981.0000", "1200.0000")
    assert [(e["fiscal_year"], e["value"]) for e in line["expected"]] == [
        (2024, "981.0000"),
        (2025, "1017.5000"),
        (2026, "1054.0000"),
        (2027, "1090.5000"),
        (2028, "1127.0000"),
        (2029, "1163.5000"),
        (2030, "1200.0000"),
    ]
    # At the source, so the pages and the status get the same value.
    indicator.refresh_from_db()
    assert [str(value) for _, value in targets.expected_line(indicator)][1] == "1017.5000"
    assessment = targets.assess(indicator, {v.fiscal_year: v for v in indicator.values.all()})
    assert assessment is not None and str(assessment.expected) == "1017.5000"
    # A share that does not end: rounded to the field's places, not 28 digits.
    third = actions.create_indicator(bureau_staff, "件数", theme=indicator.theme)
    actions.set_indicator_target(
        bureau_staff, third, TargetInput(Decimal(0), 2024, Decimal(1), 2027)
    )
    third.refresh_from_db()
    assert [str(v) for _, v in targets.expected_line(third)] == [
        "0.0000",
        "0.3333",
        "0.6667",
        "1.0000",
    ]


def test_the_status_line_writes_the_expected_value_like_the_table(
    cycle: object, plan_version: PlanVersion, bureau_staff: User
) -> None:
    startups_indicator_at_risk(plan_version, bureau_staff)
    staff = client_for(bureau_staff)
    for path in ["/progress/dashboard/?year=2025", "/themes/startups/", "/progress/annual/2025/"]:
        japanese = staff.get(path).content.decode()
        assert "要注意" in japanese and "見込み 1,017.5<" in japanese, path
        assert "見込み 1017.5" not in japanese, path
        english = staff.get(f"/en{path}").content.decode()
        assert "At risk" in english and "expected 1,017.5<" in english, path
        assert "expected 1017.5" not in english, path
