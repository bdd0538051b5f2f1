"""HEAD, tracking parameters, PUBLIC_CACHES and a crawl that must not evict what invalidation
and rate limits depend on."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from actionplan.plans.models import Action, PlanVersion
from actionplan.web.models import DataStamp, RateCounter
from actionplan.web.stamp import data_stamp

pytestmark = pytest.mark.django_db


def first_action(plan_version: PlanVersion) -> Action:
    action = Action.objects.filter(version=plan_version).order_by("pk").first()
    assert action is not None
    return action


def test_head_works_wherever_get_does(client: Client, plan_version: PlanVersion) -> None:
    action = first_action(plan_version)
    paths = [
        "/",
        "/en/",
        "/healthz",
        "/themes/carbon_neutral/",
        f"/actions/{action.pk}/",
        "/search/?q=水素",
        "/proposals/new/",
        "/api/v1/",
        "/api/v1/themes",
        f"/api/v1/actions/{action.pk}",
        "/api/v1/search?q=水素",
    ]
    for path in paths:
        got = client.get(path)
        head = client.head(path)
        assert (path, got.status_code, head.status_code) == (path, 200, 200)
        assert head.content == b""
        assert head["Content-Type"] == got["Content-Type"]
        if got.has_header("ETag"):
            assert head["ETag"] == got["ETag"]
    # Writes are still refused for HEAD's sake: a POST to a read-only page stays 405.
    assert client.post("/themes/carbon_neutral/").status_code == 405


def test_head_keeps_the_length_of_the_get(client: Client, plan_version: PlanVersion) -> None:
    from django.test import RequestFactory

    from actionplan.web.middleware import PublicRequestMiddleware

    built = client.get("/themes/carbon_neutral/")

    def view(request: Any) -> Any:
        assert request.method == "GET"  # the view sees the GET it stands for
        return built

    head = PublicRequestMiddleware(view)(RequestFactory().head("/themes/carbon_neutral/"))
    assert isinstance(head, HttpResponse) and head.content == b""
    assert int(head["Content-Length"]) == len(client.get("/themes/carbon_neutral/").content)


def test_tracking_parameters_do_not_cause_a_render(
    client: Client, plan_version: PlanVersion, django_assert_max_num_queries: Any
) -> None:
    plain = client.get("/themes/carbon_neutral/")
    # A change that bypasses the models' signals does not move the data stamp: an answer
    # that shows it was built again.
    action = first_action(plan_version)
    Action.objects.filter(theme__code="carbon_neutral").update(text_ja="描き直された")
    with django_assert_max_num_queries(2):  # the stamp and the stored page: no render
        tracked = client.get("/themes/carbon_neutral/?utm_source=mail&utm_medium=x&fbclid=abc")
    assert tracked.content == plain.content and tracked["ETag"] == plain["ETag"]
    assert "utm_source" not in tracked.content.decode() and "fbclid" not in tracked.content.decode()
    api = client.get(f"/api/v1/actions/{action.pk}")
    again = client.get(f"/api/v1/actions/{action.pk}?gclid=1&utm_campaign=spring")
    assert again["ETag"] == api["ETag"] and again.content == api.content


def test_other_query_parameters_are_kept(client: Client, plan_version: PlanVersion) -> None:
    response = client.get("/api/v1/actions?limit=1&utm_source=x&offset=2")
    assert response.status_code == 200
    assert response.json()["count"] > 3 and len(response.json()["results"]) == 1


@override_settings(PUBLIC_CACHES=False)
def test_public_caches_off_builds_every_answer(client: Client, plan_version: PlanVersion) -> None:
    action = first_action(plan_version)
    page, api = f"/actions/{action.pk}/", f"/api/v1/actions/{action.pk}"
    first_page, first_api = client.get(page), client.get(api)
    assert first_page.status_code == first_api.status_code == 200
    Action.objects.filter(pk=action.pk).update(text_ja="毎回組み立てる", text_en="built anew")
    assert "毎回組み立てる" in client.get(page).content.decode()
    assert client.get(api).json()["text_en"] == "built anew"
    # The validators stay: a proxy in front can still revalidate.
    again = client.get(api, headers={"If-None-Match": first_api["ETag"]})
    assert again.status_code == 304


def test_the_data_stamp_is_a_database_row_moved_by_writes(plan_version: PlanVersion) -> None:
    before = data_stamp()
    action = first_action(plan_version)
    action.text_en = "moved"
    action.save()
    after = data_stamp()
    assert after != before
    assert str(DataStamp.objects.get()) == after


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "actionplan_cache",
            # Django's default, which the crawl of the issue exceeded.
            "OPTIONS": {"MAX_ENTRIES": 300},
        }
    },
    API_RATE_LIMIT=400,
    API_RATE_WINDOW_SECONDS=3600,
)
def test_a_crawl_of_three_hundred_urls_loses_neither_the_stamp_nor_the_counters(
    client: Client, plan_version: PlanVersion, django_assert_max_num_queries: Any
) -> None:
    client.get("/themes/startups/")
    stamp = data_stamp()
    for offset in range(330):  # 330 distinct answers, each kept in the cache
        assert client.get(f"/api/v1/actions?limit=1&offset={offset}").status_code == 200
    assert data_stamp() == stamp
    # The counter counted every request: 330 of 400 used.
    assert RateCounter.objects.get().hits == 330
    codes = [client.get("/api/v1/themes").status_code for _ in range(72)]
    assert codes == [200] * 70 + [429] * 2
    # Pages kept before the crawl may have been culled (they are rebuilt), but what is kept
    # after it is served as before: the stamp and the page, no render.
    client.get("/themes/carbon_neutral/")
    with django_assert_max_num_queries(2):
        assert client.get("/themes/carbon_neutral/").status_code == 200


def test_public_answers_tell_nginx_how_long_to_keep_them_and_personal_pages_do_not(
    client: Client, plan_version: PlanVersion, settings: Any
) -> None:
    action = first_action(plan_version)
    assert "X-Accel-Expires" not in client.get("/themes/startups/")  # 0: not sent
    settings.PUBLIC_PROXY_SECONDS = 5
    for path in ("/themes/startups/", f"/actions/{action.pk}/", f"/api/v1/actions/{action.pk}"):
        response = client.get(path)
        assert response["X-Accel-Expires"] == "5"
        # nginx before 1.23 obeys whichever of the two comes first (max-age=0: not stored).
        names = [name.lower() for name in response.headers]
        assert names.index("x-accel-expires") < names.index("cache-control")
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    for path in ("/proposals/new/", "/accounts/login/", "/api/v1/search?q=水素"):
        assert "X-Accel-Expires" not in client.get(path)
