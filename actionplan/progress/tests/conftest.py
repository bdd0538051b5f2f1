"""Progress fixtures, built through the real actions on top of the shared people and plan."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation

from actionplan.plans.models import Action, Actor, MemberGovernment, PlanVersion
from actionplan.progress import actions
from actionplan.progress.models import ReportingCycle
from actionplan.progress.queries import actions_for_year

YEAR = 2025


@pytest.fixture(autouse=True)
def page_language_reset() -> Iterator[None]:
    """Each test starts in the default language: a request to an /en/ page leaves English
    active in the thread, which would otherwise carry over to the next test's messages."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def cycle(plan_version: PlanVersion, bureau_staff: User) -> ReportingCycle:
    return actions.open_cycle(bureau_staff, YEAR, datetime.date(2026, 5, 31))


@pytest.fixture
def members_action(plan_version: PlanVersion, bureau_staff: User) -> Action:
    """A top-level members action of FY2025, carried by 大阪府 only."""
    action = (
        actions_for_year(plan_version, YEAR)
        .filter(actor=Actor.MEMBERS, parent__isnull=True)
        .first()
    )
    assert action is not None
    actions.assign_action(bureau_staff, action, [MemberGovernment.objects.get(lg_code="270008")])
    return action


@pytest.fixture
def union_action(plan_version: PlanVersion) -> Action:
    action = actions_for_year(plan_version, YEAR).filter(actor=Actor.UNION).first()
    assert action is not None
    return action


def osaka() -> MemberGovernment:
    return MemberGovernment.objects.get(lg_code="270008")


def kyoto() -> MemberGovernment:
    return MemberGovernment.objects.get(lg_code="260002")


@pytest.fixture
def later_union_action(plan_version: PlanVersion) -> Action:
    """A Union action of the open-ended period from FY2026: outside FY2025."""
    action = Action.objects.filter(
        version=plan_version, actor=Actor.UNION, period__fiscal_year_start=YEAR + 1
    ).first()
    assert action is not None and action.period.fiscal_year_end is None
    return action
