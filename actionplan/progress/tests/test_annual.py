"""The annual report page: the site frame, the page's language, the plan-wide total and the
per-body table, "not reported" where nothing counts, and no report for years outside the plan."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.test import Client

from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions, annual
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ReportingCycle, Status

from .conftest import YEAR, osaka


def accepted_osaka_report(action: Action, editor: User, staff: User) -> None:
    report, _ = actions.save_report(
        editor, action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40, "説明会を開催"), 0
    )
    actions.accept_report(staff, actions.submit_report(editor, report, 1), 2)


def test_english_annual_report_is_english_in_the_site_frame(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    accepted_osaka_report(members_action, osaka_editor, bureau_staff)
    html = Client().get(f"/en/progress/annual/{YEAR}/").content.decode()
    assert '<html lang="en">' in html
    assert "<main" in html and "<header" in html and "<nav" in html
    assert "FY2025 progress follow-up report" in html
    assert "Whole plan" in html and "Osaka Prefecture" in html
    assert "Not reported" in html
    assert "進捗" not in html and "未報告" not in html and "報告主体" not in html
    japanese = Client().get(f"/progress/annual/{YEAR}/").content.decode()
    assert '<html lang="ja">' in japanese and "<main" in japanese
    assert "令和7年度（2025年度） 進捗フォローアップ報告" in japanese


def test_annual_report_has_a_plan_total_and_a_line_per_body(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    accepted_osaka_report(members_action, osaka_editor, bureau_staff)
    html = Client().get(f"/progress/annual/{YEAR}/").content.decode()
    summary = html[html.index('id="summary"') : html.index('class="theme"')]
    # 大阪府 carries one action and reported it: 40 %, 1 / 1; the Union reported nothing.
    assert re.search(
        r"大阪府</th>\s*<td class=\"num\">40.0%</td><td class=\"num\">1 / 1</td>", summary
    )
    assert re.search(r"関西広域連合</th>\s*<td class=\"num\">未報告</td>", summary)
    assert "進捗 40.0%" in summary
    # A theme with no accepted report says so instead of "—%".
    assert "進捗 未報告" in html and "—%" not in html
    assert len(annual.body_rollups(plan_version, YEAR)) == 13


def test_years_outside_the_plan_have_no_annual_report(plan_version: PlanVersion) -> None:
    client = Client()
    for year in (0, plan_version.plan_start_fy - 1, plan_version.plan_end_fy + 1):
        assert client.get(f"/progress/annual/{year}/").status_code == 404
        assert client.get(f"/progress/annual/{year}.xlsx").status_code == 404
    assert client.get(f"/progress/annual/{plan_version.plan_start_fy}/").status_code == 200
