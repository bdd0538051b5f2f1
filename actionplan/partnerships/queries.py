"""Reads of the desk: which proposals a person sees, which are overdue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from actionplan.accounts.models import Role
from actionplan.accounts.permissions import AnyUser, government_of, is_bureau, role_of
from actionplan.plans.localized import localized
from actionplan.plans.models import Action, Partnership, PlanVersion
from actionplan.plans.queries import ACTOR_ORDER, current_version

from .models import CLOSED_STATES, Proposal


def visible_proposals(user: AnyUser) -> QuerySet[Proposal]:
    proposals = Proposal.objects.select_related("assignee").order_by("-submitted_at")
    if is_bureau(user) or role_of(user) == Role.REVIEWER:
        return proposals
    government = government_of(user)
    if role_of(user) == Role.MEMBER_EDITOR and government is not None:
        return proposals.filter(referred_governments=government).distinct()
    return proposals.none()


def overdue(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Still waiting for a first response after its deadline."""
    return proposals.filter(
        first_responded_at__isnull=True, first_response_due__lt=timezone.localdate()
    ).exclude(state__in=CLOSED_STATES)


def recorded_actions(proposal: Proposal) -> list[dict[str, Any]]:
    """The actions staff recorded for the proposal, in the order recorded: the key, the current
    edition's action of that key (None when the edition has none), its name in the page's
    language, who recorded it and when."""
    rows = list(proposal.recorded_actions.select_related("recorded_by"))
    version = current_version()
    current = {
        action.key: action
        for action in Action.objects.filter(version=version, key__in=[r.action_key for r in rows])
    }
    return [
        {
            "key": row.action_key,
            "action": current.get(row.action_key),
            "label": localized(current[row.action_key], "text")
            if row.action_key in current
            else row.action_key,
            "by": row.recorded_by,
            "at": row.recorded_at,
        }
        for row in rows
    ]


def actions_in_plan_order(version: PlanVersion | None) -> QuerySet[Action]:
    """An edition's actions as the plan lists them: by theme, fiscal year, actor, position."""
    return (
        Action.objects.filter(version=version)
        .select_related("theme", "period")
        .order_by("theme__position", "period__position", ACTOR_ORDER, "position", "id")
    )


def actions_by_theme() -> list[dict[str, Any]]:
    """The current edition's actions grouped by theme, each named by its text in the page's
    language: the choice of an action to record that the suggestions did not name."""
    groups: list[dict[str, Any]] = []
    for action in actions_in_plan_order(current_version()):
        if not groups or groups[-1]["theme"] != action.theme:
            groups.append(
                {"theme": action.theme, "label": localized(action.theme, "name"), "actions": []}
            )
        groups[-1]["actions"].append({"key": action.key, "label": localized(action, "text")})
    return groups


def history_rows(proposal: Proposal) -> list[dict[str, object]]:
    """The proposal's history as the desk page shows it: when, state, the step in the page's
    language, who."""
    from .actions import step_description

    rows = proposal.history.select_related("history_user").order_by("history_date", "history_id")
    return [
        {
            "date": row.history_date,
            "state": row.get_state_display(),
            "step": step_description(_with_agreement_title(row.history_change_reason)),
            "user": row.history_user,
        }
        for row in rows
    ]


def _with_agreement_title(reason: str | None) -> str | None:
    """A publication's row stores the partnership's key (``publish: desk.kp-2026-0001``), which
    stays true when the title is edited; people read the title, in the page's language."""
    name, _sep, key = (reason or "").partition(": ")
    if name != "publish" or not key:
        return reason
    partnership = Partnership.objects.filter(key=key).first()
    if partnership is None:
        return reason
    english = get_language() == "en" and partnership.title_en
    return f"{name}: {partnership.title_en if english else partnership.title_ja}"
