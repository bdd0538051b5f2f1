"""The list of actions reads only the page it answers: its order is the plan's reading order
(theme, actor, period, position, id) on every page, and a page costs the same queries whatever
its place and however large the plan grows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actionplan.plans.models import Action, Period, PlanVersion, Theme
from actionplan.plans.queries import actions_in_reading_order, renumber_reading_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def many_requests(settings: Any) -> None:
    """These tests read every page many times over: no rate limit, no stored answers."""
    settings.API_RATE_LIMIT = 0
    settings.PUBLIC_CACHES = False


FILTERS: dict[str, Q] = {
    "": Q(),
    "theme=startups": Q(theme__code="startups"),
    "actor=members": Q(actor="members"),
    "fiscal_year=2027": Q(period__fiscal_year_start__lte=2027)
    & (Q(period__fiscal_year_end__isnull=True) | Q(period__fiscal_year_end__gte=2027)),
    "q=%E4%BC%81%E6%A5%AD": Q(text_ja__icontains="企業") | Q(group_ja__icontains="企業"),
}


def expected_ids(version: PlanVersion, where: Q) -> list[int]:
    """The order the list had when it was sorted in one query: the reference."""
    ordered = actions_in_reading_order(version)
    ordered = ordered.order_by(*ordered.query.order_by, "id")
    return list(ordered.filter(where).values_list("id", flat=True))


def listed(client: Client, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/actions?{query}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def assert_pages_follow_the_reading_order(
    client: Client, version: PlanVersion, limits: tuple[int, ...] = (1, 7, 50)
) -> None:
    for query, where in FILTERS.items():
        expected = expected_ids(version, where)
        assert expected, query
        for limit in limits:
            seen: list[int] = []
            for offset in range(0, len(expected) + limit, limit):
                body = listed(client, f"limit={limit}&offset={offset}&{query}")
                assert body["count"] == len(expected), query
                seen += [a["id"] for a in body["results"]]
            assert seen == expected, (query, limit)


def test_every_page_follows_the_reading_order_with_every_filter(
    client: Client, plan_version: PlanVersion
) -> None:
    assert_pages_follow_the_reading_order(client, plan_version)
    beyond = listed(client, "limit=50&offset=1000")
    assert (beyond["count"], beyond["results"], beyond["next"]) == (165, [], None)


def test_the_import_numbers_each_version_in_reading_order(plan_version: PlanVersion) -> None:
    numbered = Action.objects.filter(version=plan_version).order_by("reading_position")
    positions = list(numbered.values_list("reading_position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    assert list(numbered.values_list("id", flat=True)) == list(
        actions_in_reading_order(plan_version).values_list("id", flat=True)
    )


def test_themes_or_periods_sharing_a_position_keep_the_order(
    client: Client, plan_version: PlanVersion
) -> None:
    # Positions are not unique: an edited plan may give two themes or two periods the same one.
    Theme.objects.filter(version=plan_version, code="startups").update(position=2)
    Period.objects.filter(version=plan_version, fiscal_year_start=2026).update(position=2)
    # As an import of such a plan numbers its actions.
    renumber_reading_order(plan_version)
    assert_pages_follow_the_reading_order(client, plan_version)


def multiply(version: PlanVersion, times: int) -> None:
    """Each top-level action copied `times` times into its own cell, after the originals."""
    originals = list(Action.objects.filter(version=version, parent=None))
    Action.objects.bulk_create(
        Action(
            version=version,
            theme_id=a.theme_id,
            period_id=a.period_id,
            actor=a.actor,
            group_ja=a.group_ja,
            position=a.position + n * 1000,
            key=f"{a.key}~{n}",
            text_ja=a.text_ja,
            source_line=a.source_line,
        )
        for a in originals
        for n in range(1, times + 1)
    )
    renumber_reading_order(version)


def page_queries(client: Client, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        listed(client, query)
    # The API's rate limit counts the request too; it is not part of the answer.
    return [q["sql"] for q in captured.captured_queries if "web_ratecounter" not in q["sql"]]


def test_a_page_costs_the_same_queries_whatever_its_place_and_the_plans_size(
    client: Client, plan_version: PlanVersion
) -> None:
    pages = ["limit=50", "limit=1&offset=17", "limit=50&offset=100", "limit=500"]
    small = {page: len(page_queries(client, page)) for page in pages}
    # The data stamp, the plan version, the number of its actions, the page's values, their
    # member governments.
    assert set(small.values()) == {5}, small
    before = Action.objects.filter(version=plan_version).count()
    top = Action.objects.filter(version=plan_version, parent=None).count()
    multiply(plan_version, 20)
    assert {page: len(page_queries(client, page)) for page in pages} == small
    assert listed(client, "limit=1")["count"] == before + top * 20
    assert_pages_follow_the_reading_order(client, plan_version, limits=(500,))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_no_query_of_a_page_sorts_the_plans_actions(
    client: Client, plan_version: PlanVersion
) -> None:
    multiply(plan_version, 20)
    for page in ("limit=50", "limit=50&offset=1200"):
        for sql in page_queries(client, page):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " / ".join(str(row[3]) for row in cursor.fetchall())
            # A temporary B-tree is a sort (or grouping) of every row the query reads.
            assert "TEMP B-TREE" not in plan, (sql[:300], plan)
            assert "SCAN plans_action" not in plan, (sql[:300], plan)
