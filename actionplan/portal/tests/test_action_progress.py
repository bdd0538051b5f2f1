from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.portal.tests.browser import axe_violations, describe_violations
from actionplan.progress.actions import (
    ReportInput,
    accept_report,
    assign_action,
    create_indicator,
    open_cycle,
    record_indicator_value,
    save_report,
    submit_report,
)
from actionplan.progress.models import ProgressReport

OSAKA_AND_KYOTO = ("270008", "260002")


@pytest.fixture
def action(plan_version: PlanVersion, bureau_admin: User) -> Action:
    """A members action carried by 大阪府 and 京都府, with the FY2025 cycle open."""
    action = Action.objects.filter(
        version=plan_version, actor="members", period__fiscal_year_start=2025
    ).first()
    assert action is not None
    open_cycle(bureau_admin, 2025, datetime.date(2026, 5, 31))
    assign_action(
        bureau_admin, action, list(MemberGovernment.objects.filter(lg_code__in=OSAKA_AND_KYOTO))
    )
    return action


def osaka_draft(editor: User, action: Action, data: ReportInput) -> ProgressReport:
    """大阪府's FY2025 report on the action, saved as a draft by its editor."""
    osaka = MemberGovernment.objects.get(lg_code="270008")
    return save_report(editor, action, 2025, osaka, data, 0)[0]


def test_action_page_shows_accepted_progress_reports_only(
    client: Client, action: Action, bureau_admin: User, osaka_editor: User, kyoto_editor: User
) -> None:
    kyoto = MemberGovernment.objects.get(lg_code="260002")
    accepted = osaka_draft(
        osaka_editor,
        action,
        ReportInput("in_progress", 40, "実証を三件実施した", "Three pilots were run"),
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


def test_action_page_shows_public_indicator_values_and_evidence_but_nothing_personal(
    client: Client, action: Action, bureau_admin: User, osaka_editor: User
) -> None:
    indicator = create_indicator(
        bureau_admin,
        "実証件数",
        name_en="Pilot projects",
        unit="件",
        source="大阪府調べ",
        action=action,
    )
    record_indicator_value(bureau_admin, indicator, 2024, Decimal("1250"))
    report = osaka_draft(
        osaka_editor,
        action,
        ReportInput("in_progress", 40, "実証を三件実施した", "", ["https://www.pref.osaka.lg.jp/"]),
    )
    # A value given with a report stays internal until the report is accepted.
    record_indicator_value(osaka_editor, indicator, 2025, Decimal("3"), report=report)
    before = client.get(f"/actions/{action.pk}/").content.decode()
    assert '<td class="num">1,250</td>' in before and '<td class="num">3</td>' not in before
    assert "公開されている進捗報告はまだありません。" in before

    report = submit_report(osaka_editor, report, report.revision)
    accept_report(bureau_admin, report, report.revision)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "<caption>この取組の指標（年度別の値）</caption>" in page
    assert '<th scope="row">実証件数</th><td>件</td>' in page and "大阪府調べ" in page
    assert '<td class="num">1,250</td>' in page and '<td class="num">3</td>' in page
    assert "<h3>令和7年度（2025年度） · 大阪府</h3>" in page
    assert '<a href="https://www.pref.osaka.lg.jp/" rel="noopener nofollow">' in page
    for personal in ("osaka@example.jp", osaka_editor.username + "<", "admin@example.jp"):
        assert personal not in page
    english = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert "Pilot projects" in english and "<h3>FY2025 · Osaka Prefecture</h3>" in english
    assert "<caption>Indicators of this action (values by fiscal year)</caption>" in english
    # The progress app's public page shows the very same fragment.
    public = client.get(f"/progress/public/actions/{action.pk}/").content.decode()
    assert "<h2>令和7年度（2025年度） · 大阪府</h2>" in public
    assert '<td class="num">3</td>' in public


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_action_page_with_progress_has_no_axe_violations_and_fits_a_phone(
    page: Page,
    live_server: LiveServer,
    action: Action,
    bureau_admin: User,
    osaka_editor: User,
    prefix: str,
) -> None:
    indicator = create_indicator(bureau_admin, "実証件数", name_en="Pilot projects", action=action)
    for year in (2024, 2025, 2026):
        record_indicator_value(bureau_admin, indicator, year, Decimal(year - 2000))
    report = osaka_draft(
        osaka_editor,
        action,
        ReportInput("done", 100, "完了した", "Done", ["https://www.pref.osaka.lg.jp/"]),
    )
    report = submit_report(osaka_editor, report, report.revision)
    accept_report(bureau_admin, report, report.revision)
    url = f"{live_server.url}{prefix}/actions/{action.pk}/"
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        violations = axe_violations(page)
        assert not violations, describe_violations(url, violations)
        # Nothing but the indicator table's own scroll region is wider than the screen.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, (width, overflow)
