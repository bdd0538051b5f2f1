from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.auth.models import User
from openpyxl import load_workbook

from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions, annual, queries
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ReportingCycle, Status

from .conftest import YEAR, kyoto, osaka


def accepted(user: User, staff: User, action: Action, gov: object, data: ReportInput) -> None:
    report, _ = actions.save_report(user, action, YEAR, gov, data, 0)  # type: ignore[arg-type]
    report = actions.submit_report(user, report, 1)
    actions.accept_report(staff, report, 2)


def test_theme_score_is_the_weighted_mean_of_accepted_reports(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    members_action: Action,
    osaka_editor: User,
    kyoto_editor: User,
    bureau_staff: User,
) -> None:
    theme = members_action.theme
    sub_item = (
        queries.actions_for_year(plan_version, YEAR)
        .filter(theme=theme, parent__isnull=False)
        .first()
    )
    assert sub_item is not None
    actions.assign_action(bureau_staff, members_action, [osaka(), kyoto()])
    actions.assign_action(bureau_staff, sub_item, [osaka()])
    # The action: mean of 大阪府 done (100) and 京都府 in progress at 40 → 70.
    accepted(osaka_editor, bureau_staff, members_action, osaka(), ReportInput(Status.DONE, 100))
    accepted(
        kyoto_editor, bureau_staff, members_action, kyoto(), ReportInput(Status.IN_PROGRESS, 40)
    )
    # The sub-item (weight 0.5): not started → 0.
    accepted(osaka_editor, bureau_staff, sub_item, osaka(), ReportInput(Status.NOT_STARTED, 0))
    rollup = next(r for r in queries.theme_rollups(plan_version, YEAR) if r.label == theme.name_ja)
    # (1 × 70 + 0.5 × 0) / 1.5 = 46.7
    assert rollup.score == Decimal("46.7")
    assert rollup.counted == 2 and rollup.total > 2


def test_stopped_reports_and_drafts_do_not_count(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    accepted(osaka_editor, bureau_staff, members_action, osaka(), ReportInput(Status.STOPPED, 50))
    union = queries.actions_for_year(plan_version, YEAR).filter(actor="union").first()
    assert union is not None
    actions.save_report(bureau_staff, union, YEAR, None, ReportInput(Status.DONE, 100), 0)
    plan = queries.plan_rollup(plan_version, YEAR)
    assert plan.score is None and plan.counted == 0


def test_annual_workbook_lists_accepted_reports_per_theme(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    accepted(
        osaka_editor,
        bureau_staff,
        members_action,
        osaka(),
        ReportInput(Status.ONGOING, 80, "-2件の実証を継続"),
    )
    wb = load_workbook(io.BytesIO(annual.build_annual_workbook(plan_version, YEAR)))
    assert wb.sheetnames == ["概要", "取組別"]
    rows = list(wb["取組別"].iter_rows(values_only=True))
    mine = [r for r in rows if r[4] == "大阪府"]
    assert len(mine) == 1
    assert mine[0][5:8] == ("継続実施", 80, "'-2件の実証を継続")
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert summary[members_action.theme.name_ja] == 80


def test_annual_workbook_has_an_indicator_sheet_with_public_values_up_to_the_year(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    members_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    theme = members_action.theme
    regional = actions.create_indicator(
        bureau_staff, "=SUM(A1:A9)", unit="件", source="+出典", theme=theme
    )
    actions.record_indicator_value(bureau_staff, regional, 2024, Decimal("12.5"))
    actions.record_indicator_value(bureau_staff, regional, YEAR, Decimal("1250"))
    # A later year than the report's is left out, as on the A4 page.
    actions.record_indicator_value(bureau_staff, regional, 2026, Decimal("99"))
    own = actions.create_indicator(
        bureau_staff, "実証件数", unit="件", source="大阪府調べ", action=members_action
    )
    report, _ = actions.save_report(
        osaka_editor, members_action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10), 0
    )
    # Given with a report that is not accepted: not public, so not in the workbook.
    actions.record_indicator_value(osaka_editor, own, YEAR, Decimal("3"), report=report)

    wb = load_workbook(io.BytesIO(annual.build_annual_workbook(plan_version, YEAR)))
    assert wb.sheetnames == ["概要", "取組別", "指標"]
    rows = list(wb["指標"].iter_rows(values_only=True))
    assert rows[0] == (
        "テーマ",
        "指標",
        "単位",
        "対象",
        "令和6年度（2024年度）",
        "令和7年度（2025年度）",
        "出典",
    )
    assert rows[1] == (theme.name_ja, "'=SUM(A1:A9)", "件", "テーマ全体", 12.5, 1250, "'+出典")
    assert rows[2] == (
        theme.name_ja,
        "実証件数",
        "件",
        f"取組 {members_action.pk}: {members_action.text_ja}",
        None,
        None,
        "大阪府調べ",
    )
    assert len(rows) == 3
