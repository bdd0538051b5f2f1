from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.progress import actions as progress
from actionplan.progress.actions import assign_action
from actionplan.progress.models import Status
from actionplan.web import caching, ratelimit, stamp

pytestmark = pytest.mark.django_db


def first_action(plan_version: PlanVersion) -> Action:
    action = Action.objects.filter(version=plan_version).order_by("pk").first()
    assert action is not None
    return action


# The rate limit counts in the database too: measured apart.
@override_settings(API_RATE_LIMIT=0)
def test_a_repeated_read_is_answered_from_the_cache_in_two_queries(
    client: Client, plan_version: PlanVersion, django_assert_num_queries: Any
) -> None:
    action = first_action(plan_version)
    url = f"/api/v1/actions/{action.pk}"
    first = client.get(url)
    assert first.status_code == 200
    # A change that bypasses the models' signals does not move the data stamp: the cached
    # answer is what the API gives, which shows that it was not built again.
    Action.objects.filter(pk=action.pk).update(text_en="changed behind the API's back")
    with django_assert_num_queries(2):  # the data stamp, then the stored answer
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"


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
    monkeypatch.setattr(caching, "release_digest", lambda: "next-release")
    upgraded = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert upgraded.status_code == 200
    assert upgraded.json()["text_en"] == "shape of the next release"
    assert upgraded["ETag"] != first["ETag"]


def test_the_release_digest_follows_the_code_but_not_the_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "endpoints.py").write_text("SHAPE = 1\n")
    (tmp_path / "tests" / "test_endpoints.py").write_text("CASE = 1\n")
    monkeypatch.setattr(stamp, "PACKAGE", tmp_path)

    def digest() -> str:
        stamp.release_digest.cache_clear()
        return stamp.release_digest()

    try:
        first = digest()
        (tmp_path / "tests" / "test_endpoints.py").write_text("CASE = 2\n")
        assert digest() == first
        (tmp_path / "endpoints.py").write_text("SHAPE = 2\n")
        assert digest() != first
    finally:
        stamp.release_digest.cache_clear()


@override_settings(API_RATE_LIMIT=2, API_RATE_WINDOW_SECONDS=60)
def test_search_is_rate_limited_and_open_to_other_sites_but_not_cached(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One window for all three requests: a slow machine must not carry them across its end.
    now = ratelimit._clock()
    monkeypatch.setattr(ratelimit, "_clock", lambda: now)
    first = client.get("/api/v1/search?q=水素")
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "*"
    assert "ETag" not in first  # it follows the search index, not the data stamp
    assert client.get("/api/v1/search?q=水素").status_code == 200
    limited = client.get("/api/v1/search?q=水素")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_progress_reads_are_validated_and_follow_the_data(
    client: Client, plan_version: PlanVersion, bureau_staff: Any, bureau_admin: Any
) -> None:
    url = "/api/v1/progress/reports?fiscal_year=2025"
    empty = client.get(url)
    assert empty.json() == [] and empty["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": empty["ETag"]}).status_code == 304
    action = (
        Action.objects.filter(version=plan_version, actor="union", period__fiscal_year_start=2025)
        .order_by("pk")
        .first()
    )
    assert action is not None
    progress.open_cycle(bureau_staff, 2025, datetime.date(2026, 5, 31))
    report, _ = progress.save_report(
        bureau_staff, action, 2025, None, progress.ReportInput(Status.DONE, 100, "完了"), 0
    )
    report = progress.submit_report(bureau_staff, report, report.revision)
    progress.accept_report(bureau_admin, report, report.revision)  # four eyes
    changed = client.get(url, headers={"If-None-Match": empty["ETag"]})
    assert changed.status_code == 200
    assert [(r["action_id"], r["status"]) for r in changed.json()] == [(action.pk, "done")]
