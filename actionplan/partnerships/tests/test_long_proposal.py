"""A proposal with details as long as the form allows (20,000 characters) shows on the desk."""

from __future__ import annotations

from django.contrib.auth.models import User

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.plans.models import PlanVersion

from .conftest import proposal_input

PARAGRAPH = "大阪湾岸の港湾で水素燃料電池と蓄電池を使った荷役機械の実証を行い、"


def test_the_desk_page_of_a_20000_character_proposal_renders_with_suggestions(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    details = (PARAGRAPH * 1000)[:19_990] + "空飛ぶクルマ。"
    assert len(details) <= 20_000 and len(details.encode()) > 49_149
    proposal = actions.submit_proposal(proposal_input(details=details)).proposal
    response = client_for(bureau_staff).get(f"/desk/proposals/{proposal.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert proposal.receipt_number in page
    assert "水素" in page  # the suggestions name the shared words


def test_an_outsider_does_not_see_the_desk_page(plan_version: PlanVersion, outsider: User) -> None:
    proposal = actions.submit_proposal(proposal_input(details=PARAGRAPH * 600)).proposal
    response = client_for(outsider).get(f"/desk/proposals/{proposal.pk}/")
    assert response.status_code in (302, 403)
