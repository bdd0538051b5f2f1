from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from actionplan.api import freshness
from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.progress.actions import assign_action

pytestmark = pytest.mark.django_db


def first_action(plan_version: PlanVersion) -> Action:
    action = Action.objects.filter(version=plan_version).order_by("pk").first()
    assert action is not None
    return action


# The rate limit counts in the cache too (several queries on the database cache): measured apart.
@override_settings(API_RATE_LIMIT=0)
def test_a_repeated_read_is_answered_from_the_cache_in_one_query(
    client: Client, plan_version: PlanVersion, django_assert_num_queries: Any
) -> None:
    action = first_action(plan_version)
    url = f"/api/v1/actions/{action.pk}"
    first = client.get(url)
    assert first.status_code == 200
    # A change that bypasses the models' signals does not move the data stamp: the cached
    # answer is what the API gives, which shows that it was not built again.
    Action.objects.filter(pk=action.pk).update(text_en="changed behind the API's back")
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"


def test_the_cached_answer_changes_when_the_data_changes(
    client: Client, plan_version: PlanVersion
) -> None:
    action = first_action(plan_version)
    url = f"/api/v1/actions/{action.pk}"
    listing = f"/api/v1/actions?theme={action.theme.code}&limit=500"
    before, before_list = client.get(url), client.get(listing)
    action.text_en = "A corrected translation"
    action.save()
    after, after_list = client.get(url), client.get(listing)
    assert after.json()["text_en"] == "A corrected translation"
    assert after["ETag"] != before["ETag"]
    assert "A corrected translation" in after_list.content.decode()
    assert "A corrected translation" not in before_list.content.decode()
    # The old validator no longer matches: a client holding it gets the new answer.
    revalidated = client.get(url, headers={"If-None-Match": before["ETag"]})
    assert revalidated.status_code == 200
    assert revalidated.json()["text_en"] == "A corrected translation"


def test_an_assignment_by_staff_changes_the_cached_answer(
    client: Client, plan_version: PlanVersion, bureau_staff: Any
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    url = f"/api/v1/actions/{action.pk}"
    listing = "/api/v1/actions?member=270008"
    assert client.get(url).json()["member_lg_codes"] == []
    assert client.get(listing).json()["count"] == 0
    osaka = MemberGovernment.objects.get(lg_code="270008")
    assign_action(bureau_staff, action, [osaka])
    assert client.get(url).json()["member_lg_codes"] == ["270008"]
    assert [a["id"] for a in client.get(listing).json()["results"]] == [action.pk]


def test_answers_of_an_earlier_release_are_not_served(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = first_action(plan_version)
    url = f"/api/v1/actions/{action.pk}"
    first = client.get(url)
    Action.objects.filter(pk=action.pk).update(text_en="shape of the next release")
    monkeypatch.setattr(freshness, "release_digest", lambda: "next-release")
    upgraded = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert upgraded.status_code == 200
    assert upgraded.json()["text_en"] == "shape of the next release"
    assert upgraded["ETag"] != first["ETag"]


def test_the_release_digest_follows_the_code() -> None:
    digest = freshness.release_digest()
    assert len(digest) == 12 and digest == freshness.release_digest()
    freshness.release_digest.cache_clear()
    assert freshness.release_digest() == digest  # the same code, the same digest
