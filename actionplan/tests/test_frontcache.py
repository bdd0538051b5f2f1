"""Repeated anonymous reads of public data are answered from the process's memory
(actionplan/frontcache.py), exactly as the whole stack answers them, and only while the data
stamp is the one they were built under."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client, override_settings

from actionplan.frontcache import AnswerMemory, _Answer, _Entry
from actionplan.plans.models import Action, PlanVersion, Theme

pytestmark = pytest.mark.django_db

THEME = "/themes/carbon_neutral/"


def from_memory(response: Any) -> bool:
    # The authentication middleware, like the rest of the stack, never saw the request.
    return not hasattr(response.wsgi_request, "user")


def action_url(version: PlanVersion) -> str:
    action = Action.objects.filter(version=version).order_by("pk").first()
    assert action is not None
    return f"/api/v1/actions/{action.pk}"


@pytest.fixture(
    params=[
        THEME,
        "/en/themes/carbon_neutral/",
        "/",
        "/api/v1/actions/{action}",
        "/api/v1/actions?theme=carbon_neutral&limit=5",
    ]
)
def public_url(request: pytest.FixtureRequest, plan_version: PlanVersion) -> str:
    return str(request.param).replace("/api/v1/actions/{action}", action_url(plan_version))


# The rate limit counts in the shared cache (more queries on the database cache): tested apart.
@override_settings(API_RATE_LIMIT=0)
def test_a_repeated_read_gets_the_same_status_headers_and_body_for_one_query(
    client: Client, public_url: str, django_assert_num_queries: Any
) -> None:
    first = client.get(public_url)
    assert first.status_code == 200 and not from_memory(first)
    with django_assert_num_queries(1):  # the shared data stamp
        again = client.get(public_url)
    assert from_memory(again)
    assert again.status_code == 200
    assert again.content == first.content
    assert list(again.items()) == list(first.items())


def test_the_shared_cache_answers_like_a_new_build_too(client: Client, public_url: str) -> None:
    built = client.get(public_url)
    client.cookies.load({"csrftoken": "a" * 32})  # the whole stack, from the shared cache
    shared = client.get(public_url)
    assert not from_memory(shared)
    assert shared.content == built.content
    assert list(shared.items()) == list(built.items())


def test_if_none_match_gets_the_same_not_modified_answer_as_from_the_whole_stack(
    client: Client, public_url: str
) -> None:
    etag = client.get(public_url)["ETag"]
    built = client.get(public_url, headers={"If-None-Match": etag})
    assert built.status_code == 304 and not from_memory(built)
    again = client.get(public_url, headers={"If-None-Match": etag})
    assert from_memory(again)
    assert again.status_code == 304 and again.content == b""
    assert list(again.items()) == list(built.items())
    other = client.get(public_url, headers={"If-None-Match": '"an-older-validator"'})
    assert other.status_code == 200 and other["ETag"] == etag and from_memory(other)


def test_signed_in_people_cookies_and_tokens_go_through_the_whole_stack(
    client: Client, plan_version: PlanVersion, bureau_staff: User
) -> None:
    api = action_url(plan_version)
    for url in (THEME, api):
        client.get(url)
        assert from_memory(client.get(url))

    token = client.get(api, headers={"Authorization": "Bearer ap_not-a-token"})
    assert token.status_code == 200 and not from_memory(token)

    client.cookies.load({"django_language": "en"})
    with_cookie = client.get(THEME)
    assert not from_memory(with_cookie)
    assert with_cookie["Content-Language"] == "ja"  # the path, not the cookie, gives the language

    client.force_login(bureau_staff)
    signed_in = client.get(THEME)
    assert not from_memory(signed_in)
    assert signed_in.wsgi_request.user == bureau_staff


def test_writes_and_other_methods_are_never_answered_from_memory(
    client: Client, plan_version: PlanVersion
) -> None:
    api = action_url(plan_version)
    for url in (THEME, api):
        client.get(url)
        assert from_memory(client.get(url))
    assert client.post(THEME).status_code == 405
    assert client.post(api, data="{}", content_type="application/json").status_code == 405
    head = client.head(THEME)  # the whole stack answers, as for any method but GET
    assert head.status_code == 405 and not from_memory(head)


def test_a_correction_in_the_admin_shows_on_the_next_request(
    client: Client, plan_version: PlanVersion
) -> None:
    theme = Theme.objects.get(version=plan_version, code="startups")
    api = "/api/v1/themes/startups"
    for url in ("/en/themes/startups/", api):
        client.get(url)
        assert from_memory(client.get(url))
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("bureau", "b@example.jp", "x"))
    form = staff.get(f"/admin/plans/theme/{theme.pk}/change/").context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["name_en"] = "Start-ups and venture companies"
    assert staff.post(f"/admin/plans/theme/{theme.pk}/change/", data).status_code == 302

    page = client.get("/en/themes/startups/")
    assert not from_memory(page)
    assert "<h1>Start-ups and venture companies</h1>" in page.content.decode()
    answer = client.get(api)
    assert not from_memory(answer) and answer.json()["name_en"] == "Start-ups and venture companies"
    again = client.get("/en/themes/startups/")
    assert from_memory(again) and again.content == page.content


def test_a_change_that_moves_the_stamp_makes_every_copy_stale(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, theme__code="carbon_neutral").first()
    assert action is not None
    url = f"/api/v1/actions/{action.pk}"
    first = client.get(url)
    client.get(url)
    action.text_en = "A corrected translation"
    action.save()
    after = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200 and not from_memory(after)
    assert after.json()["text_en"] == "A corrected translation"
    assert after["ETag"] != first["ETag"]


@override_settings(API_RATE_LIMIT=3, API_RATE_WINDOW_SECONDS=60)
def test_answers_from_memory_count_against_the_rate_limit_once_each(
    client: Client, plan_version: PlanVersion
) -> None:
    url = action_url(plan_version)
    answers = [client.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [from_memory(a) for a in answers] == [False, True, True]
    limited = client.get(url)
    assert limited.status_code == 429 and not from_memory(limited)
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert limited["Access-Control-Allow-Origin"] == "*"
    # The portal's pages are not rate-limited, from memory or not.
    assert [client.get(THEME).status_code for _ in range(4)] == [200] * 4


def test_the_language_comes_from_the_path_not_the_accept_language_header(
    client: Client, plan_version: PlanVersion
) -> None:
    japanese = client.get(THEME)
    asked_in_english = client.get(THEME, headers={"Accept-Language": "en"})
    assert from_memory(asked_in_english)
    assert asked_in_english.content == japanese.content
    uncached = Client().get(THEME, headers={"Accept-Language": "en"})
    assert uncached.content == japanese.content and not from_memory(uncached)


def test_forms_search_and_query_string_pages_are_never_kept(
    client: Client, plan_version: PlanVersion
) -> None:
    urls = (
        "/proposals/new/",  # a form: its CSRF token is the visitor's own
        "/api/v1/search?q=水素",
        "/themes/startups/?utm_source=mail",
        "/developments/",
    )
    for url in urls:
        assert client.get(url).status_code == 200
        client.cookies.clear()  # the form sets a CSRF cookie: come back without it
        again = client.get(url)
        assert again.status_code == 200 and not from_memory(again)


@override_settings(PUBLIC_MEMORY_CACHE_MB=0)
def test_no_memory_when_turned_off(client: Client, plan_version: PlanVersion) -> None:
    client.get(THEME)
    again = client.get(THEME)
    assert again.status_code == 200 and not from_memory(again)


def test_memory_drops_the_least_recently_used_copies_beyond_its_size() -> None:
    def entry(size: int) -> _Entry:
        return _Entry("stamp", '"e"', False, ok=_Answer(200, {}, b"x" * size))

    memory = AnswerMemory(12_000)
    for key in "abcd":
        memory.put(key, entry(2500))
    assert memory.get("a") is not None  # "a" is now the most recently used
    memory.put("e", entry(2500))
    assert memory.get("b") is None
    assert all(memory.get(key) is not None for key in "acde")
    memory.put("huge", entry(3000))  # more than a quarter of the memory: not kept
    assert memory.get("huge") is None and len(memory) == 4
    assert memory.size <= memory.limit
