"""Reads of the desk: which proposals a person sees, which are overdue."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from actionplan.accounts.models import Role
from actionplan.accounts.permissions import AnyUser, government_of, is_bureau, role_of
from actionplan.plans.models import Partnership

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
