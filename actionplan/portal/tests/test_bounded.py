"""A theme page stays the same size however long the plan's cells grow: each cell shows its
first items and links to a page of the cell with all of them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actionplan.plans.models import Action, PlanVersion
from actionplan.portal import queries


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_long_cell_shows_its_first_items_and_links_to_all_of_them(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setattr(queries, "CELL_LIMIT", 2)
    monkeypatch.setattr(queries, "CELL_PAGE_SIZE", 3)
    theme = plan_version.themes.get(code="sme_growth")
    page = client.get(f"{prefix}/themes/{theme.code}/").content.decode()
    links = re.findall(rf'href="({prefix}/themes/{theme.code}/(\d+)/(\w+)/)"', page)
    assert links
    for url, year, actor in links:
        top = list(
            Action.objects.filter(
                theme=theme, period__fiscal_year_start=int(year), actor=actor, parent=None
            ).order_by("position")
        )
        assert len(top) > 2
        # The theme page shows the first two, not the third.
        assert f'href="{prefix}/actions/{top[1].pk}/"' in page
        assert f'href="{prefix}/actions/{top[2].pk}/"' not in page
        seen = set()
        for number in range(1, len(top) // 3 + 2):
            cell = client.get(url, {"page": number}).content.decode()
            seen |= {int(pk) for pk in re.findall(rf'href="{prefix}/actions/(\d+)/"', cell)}
        assert {a.pk for a in top} <= seen
        children = Action.objects.filter(parent__in=top)
        assert {c.pk for c in children} <= seen


def test_the_theme_page_is_built_with_the_same_queries_whatever_the_cells_hold(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(queries, "CELL_LIMIT", 2)
    with CaptureQueriesContext(connection) as few:
        queries.theme_table(plan_version.themes.get(code="sme_growth"))
    monkeypatch.setattr(queries, "CELL_LIMIT", 200)
    with CaptureQueriesContext(connection) as many:
        table = queries.theme_table(plan_version.themes.get(code="sme_growth"))
    assert len(few) == len(many)
    shown = sum(len(g.items) for row in table.rows for c in row.cells for g in c.groups)
    assert shown == Action.objects.filter(theme__code="sme_growth", parent=None).count()
