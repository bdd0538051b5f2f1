"""Indicators against their targets, visible: a server-drawn SVG chart of the yearly values with
the baseline, the target and the expected line, and a table with the same numbers, wherever
indicators show (dashboard, theme page, action pages, annual report ja/en)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import client_for
from actionplan.plans.models import Action
from actionplan.portal.tests.browser import axe_violations, describe_violations
from actionplan.progress import actions, charts
from actionplan.progress.actions import TargetInput
from actionplan.progress.models import Indicator, ReportingCycle

from .conftest import YEAR
from .test_browser import sign_in


def tracked(staff: User, action: Action, *, on_action: bool = False) -> Indicator:
    """実証件数: 100 in 2024, 200 wanted in 2026 (expected 150 in 2025), 124 in 2025: off
    track (short by 26, more than a quarter of the way, 25)."""
    if on_action:
        indicator = actions.create_indicator(staff, "参加企業数", unit="社", action=action)
    else:
        indicator = actions.create_indicator(staff, "実証件数", unit="件", theme=action.theme)
    Indicator.objects.filter(pk=indicator.pk).update(name_en="Demonstrations")
    actions.set_indicator_target(
        staff, indicator, TargetInput(Decimal(100), 2024, Decimal(200), 2026)
    )
    actions.record_indicator_value(staff, indicator, 2024, Decimal(100))
    actions.record_indicator_value(staff, indicator, 2025, Decimal(124))
    indicator.refresh_from_db()
    return indicator


def chart_of(html: str, indicator: Indicator) -> str:
    """The chart and its table of one indicator in a page."""
    start = html.index(f'aria-labelledby="indicator-chart-{indicator.pk}-title')
    start = html.rindex("<figure", 0, start)
    end = html.index("</table>", start)
    return html[start:end]


def assert_chart(html: str, indicator: Indicator, *, english: bool = False) -> None:
    part = chart_of(html, indicator)
    assert '<svg role="img"' in part
    assert len(re.findall(r"<circle ", part)) == 2  # the two values
    assert 'stroke-dasharray="6 4"' in part  # the expected line
    # The table has the same numbers: each year, its value and its expected value.
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", part)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r[1]) for r in rows]
    assert [c[:2] for c in cells] == [["100", "100"], ["124", "150"], ["—", "200"]]
    if english:
        assert "FY2025" in part and "Off track" in part and "Target 200" in part
        assert "Expected (straight line from baseline to target)" in part
    else:
        assert "令和7年度（2025年度）" in part and "遅れ" in part and "目標 200" in part
    # CSP: no inline script or style in the fragment.
    assert "<script" not in part and "style=" not in part


def test_chart_geometry_follows_the_numbers(members_action: Action, bureau_staff: User) -> None:
    indicator = tracked(bureau_staff, members_action)
    chart = charts.chart_for(indicator, {v.fiscal_year: v for v in indicator.values.all()})
    assert chart is not None
    assert [p.year for p in chart.expected] == [2024, 2025, 2026]
    assert [p.value for p in chart.expected] == [100, 150, 200]
    # Inside the plot area; higher values are drawn higher (smaller y).
    for p in chart.points + chart.expected:
        assert chart.left <= p.x <= chart.right_edge and chart.top <= p.y <= chart.bottom_edge
    assert chart.target.y < chart.points[1].y < chart.points[0].y + 0.01
    assert chart.points[1].y > chart.expected[1].y  # 124 is below the expected 150
    assert chart.assessment is not None and chart.assessment.status == "off_track"
    # No target, no chart.
    plain = actions.create_indicator(bureau_staff, "件数", theme=members_action.theme)
    assert charts.chart_for(plain, {}) is None


def test_the_chart_and_its_table_show_on_every_page_with_indicators(
    cycle: ReportingCycle, members_action: Action, bureau_staff: User
) -> None:
    on_theme = tracked(bureau_staff, members_action)
    on_action = tracked(bureau_staff, members_action, on_action=True)
    theme = members_action.theme
    dashboard = client_for(bureau_staff).get(f"/progress/dashboard/?year={YEAR}")
    for indicator in (on_theme, on_action):
        assert_chart(dashboard.content.decode(), indicator)
    theme_page = Client().get(f"/themes/{theme.code}/").content.decode()
    assert_chart(theme_page, on_theme)
    assert_chart(theme_page, on_action)
    english_theme = Client().get(f"/en/themes/{theme.code}/").content.decode()
    assert_chart(english_theme, on_theme, english=True)
    pk = members_action.pk
    for path in (f"/actions/{pk}/", f"/progress/public/actions/{pk}/"):
        assert_chart(Client().get(path).content.decode(), on_action)
        assert_chart(Client().get("/en" + path).content.decode(), on_action, english=True)
    annual = Client().get(f"/progress/annual/{YEAR}/").content.decode()
    assert_chart(annual, on_theme)
    english_annual = Client().get(f"/en/progress/annual/{YEAR}/").content.decode()
    assert_chart(english_annual, on_theme, english=True)
    indicators_page = client_for(bureau_staff).get("/progress/indicators/").content.decode()
    assert_chart(indicators_page, on_theme)


def test_the_api_gives_the_same_numbers(members_action: Action, bureau_staff: User) -> None:
    indicator = tracked(bureau_staff, members_action)
    line = next(
        i for i in Client().get("/api/v1/progress/indicators").json() if i["id"] == indicator.pk
    )
    assert [(e["fiscal_year"], int(Decimal(e["value"]))) for e in line["expected"]] == [
        (2024, 100),
        (2025, 150),
        (2026, 200),
    ]
    assert [(v["fiscal_year"], int(Decimal(v["value"]))) for v in line["values"]] == [
        (2024, 100),
        (2025, 124),
    ]
    assert line["status"] == "off_track"


@pytest.mark.e2e
def test_pages_with_charts_pass_axe_and_fit_a_phone(
    page: Page,
    live_server: LiveServer,
    cycle: ReportingCycle,
    members_action: Action,
    bureau_staff: User,
) -> None:
    tracked(bureau_staff, members_action)
    tracked(bureau_staff, members_action, on_action=True)
    theme = members_action.theme
    sign_in(page, live_server, bureau_staff)
    problems = []
    for prefix in ("", "/en"):
        for path in (
            f"/progress/dashboard/?year={YEAR}",
            f"/themes/{theme.code}/",
            f"/actions/{members_action.pk}/",
            f"/progress/annual/{YEAR}/",
        ):
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 800})
                page.goto(f"{live_server.url}{prefix}{path}")
                assert page.locator("svg[role=img] polyline").count() >= 2
                violations = axe_violations(page)
                if violations:
                    problems.append(describe_violations(f"{prefix}{path} {width}", violations))
                overflow = page.evaluate("document.documentElement.scrollWidth")
                assert overflow <= width, (prefix, path, width, overflow)
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
def test_charts_keep_the_content_security_policy_and_get_their_size(
    browser: Browser, live_server: LiveServer, members_action: Action, bureau_staff: User
) -> None:
    tracked(bureau_staff, members_action)
    # A context that enforces the policy (the shared `page` fixture bypasses it for axe-core).
    context = browser.new_context(viewport={"width": 360, "height": 800})
    tab = context.new_page()
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{tab.url}: {message.text}")

    tab.on("console", on_console)
    try:
        for path in (f"/themes/{members_action.theme.code}/", f"/en/progress/annual/{YEAR}/"):
            response = tab.goto(live_server.url + path)
            assert response is not None and response.status == 200
            tab.wait_for_load_state("networkidle")
            # The static stylesheet applies: the chart shrinks to the phone's width.
            width = tab.eval_on_selector(
                ".indicator-chart svg", "node => node.getBoundingClientRect().width"
            )
            assert 200 < width <= 360
    finally:
        context.close()
    assert refused == []
