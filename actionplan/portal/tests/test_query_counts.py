"""Every public page and API answer is built with a bounded number of queries, whatever the
size of the plan: a change that queries once per item fails here.

Each counted request has a query string of its own, which no stored page or answer matches,
so what is counted is the work of building each answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actionplan.plans.models import Action, Hub, Milestone, Organization, Partnership, PlanVersion

# Fixed bounds, counting the shared cache's round trips (the database cache in the tests): the
# bundled plan has 165 actions, 23 developments and 12 partnerships, so one query per item
# would exceed them many times over.
PAGE_LIMIT = 20
API_LIMIT = 20


def _uncached(path: str, n: int) -> str:
    # A query string of its own: no stored page or answer can match, so the answer is built.
    return f"{path}{'&' if '?' in path else '?'}uncached={n}"


def _paths(version: PlanVersion) -> list[str]:
    action = Action.objects.filter(version=version, parent__isnull=False).first()
    assert action is not None
    partnership = Partnership.objects.filter(version=version).first()
    assert partnership is not None
    return [
        "/",
        "/themes/",
        "/themes/carbon_neutral/",
        f"/actions/{action.pk}/",
        f"/actions/{action.parent_id}/",
        "/developments/",
        "/partnerships/",
        f"/partnerships/{partnership.pk}/",
        "/governments/",
        "/governments/270008/",
        "/hubs/",
        "/search/?q=%E6%B0%B4%E7%B4%A0",
        "/search/?q=%E7%A9%BA%E9%A3%9B%E3%81%B6%E8%BB%8A%E3%82%91",
        "/opendata/",
        "/organizations/",
        "/about/",
        "/accessibility/",
    ]


def _count(client: Client, path: str) -> int:
    _count.calls = getattr(_count, "calls", 0) + 1  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_uncached(path, _count.calls))  # type: ignore[attr-defined]
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_page_is_built_with_a_bounded_number_of_queries(
    client: Client, plan_version: PlanVersion, prefix: str, settings: Any, tmp_path: Any
) -> None:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    paths = _paths(plan_version)
    for path in paths:  # first visits build what is built once (search index, open data)
        client.get(prefix + path)
    counts = {path: _count(client, prefix + path) for path in paths}
    over = {path: n for path, n in counts.items() if n > PAGE_LIMIT}
    assert not over, over


def _api_paths(version: PlanVersion) -> list[str]:
    action = Action.objects.filter(version=version).first()
    milestone = Milestone.objects.filter(version=version).first()
    partnership = Partnership.objects.filter(version=version).first()
    hub = Hub.objects.first()
    organization = Organization.objects.first()
    assert action and milestone and partnership and hub and organization
    return [
        "/api/v1/",
        "/api/v1/actions?limit=100",
        f"/api/v1/actions/{action.pk}",
        "/api/v1/themes",
        "/api/v1/themes/carbon_neutral",
        "/api/v1/periods",
        "/api/v1/year-themes",
        "/api/v1/milestones",
        f"/api/v1/milestones/{milestone.pk}",
        "/api/v1/partnerships",
        f"/api/v1/partnerships/{partnership.pk}",
        "/api/v1/hubs",
        f"/api/v1/hubs/{hub.pk}",
        "/api/v1/organizations",
        f"/api/v1/organizations/{organization.pk}",
        "/api/v1/member-governments",
        "/api/v1/member-governments/270008",
        "/api/v1/plan-versions",
        f"/api/v1/plan-versions/{version.number}",
        "/api/v1/search?q=%E6%B0%B4%E7%B4%A0",
    ]


def test_every_api_answer_is_built_with_a_bounded_number_of_queries(
    client: Client, plan_version: PlanVersion
) -> None:
    paths = _api_paths(plan_version)
    for path in paths:
        client.get(path)
    counts = {path: _count(client, path) for path in paths}
    over = {path: n for path, n in counts.items() if n > API_LIMIT}
    assert not over, over


def test_the_action_page_costs_the_same_queries_for_an_action_with_more_relations(
    client: Client, plan_version: PlanVersion
) -> None:
    """Per-item queries show as a difference between a bare action and a well-connected one."""
    from actionplan.plans.models import MemberGovernment

    bare, busy = Action.objects.filter(version=plan_version, parent__isnull=True)[:2]
    for government in MemberGovernment.objects.all()[:6]:
        busy.member_governments.add(government)
    client.get(f"/actions/{bare.pk}/")
    assert _count(client, f"/actions/{busy.pk}/") <= _count(client, f"/actions/{bare.pk}/") + 1
