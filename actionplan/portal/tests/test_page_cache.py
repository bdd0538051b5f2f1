"""Cached public pages change as soon as the data does, and answer conditional requests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from actionplan.plans.models import Action, MemberGovernment, PlanVersion, Theme


def _top_level_action(version: PlanVersion, code: str = "carbon_neutral") -> Action:
    action = Action.objects.filter(
        version=version, theme__code=code, parent__isnull=True, group_ja=""
    ).first()
    assert action is not None
    return action


def test_theme_page_is_served_from_the_cache_in_two_queries(
    client: Client, plan_version: PlanVersion, django_assert_max_num_queries: Any
) -> None:
    first = client.get("/themes/carbon_neutral/").content.decode()
    english = client.get("/en/themes/carbon_neutral/").content.decode()
    with django_assert_max_num_queries(2):  # the data stamp (database), then the page (cache)
        again = client.get("/themes/carbon_neutral/")
    assert again.content.decode() == first
    assert again["Content-Language"] == "ja"
    assert first != english
    assert "Carbon" in english and "Carbon" not in first.split("<main")[1]


def test_corrected_action_text_shows_at_once_on_the_cached_pages(
    client: Client, plan_version: PlanVersion
) -> None:
    action = _top_level_action(plan_version)
    pages = ["/", "/themes/carbon_neutral/", f"/actions/{action.pk}/"]
    for path in pages + ["/en" + p for p in pages]:
        assert client.get(path).status_code == 200  # now cached
    old_ja, old_en = action.text_ja, action.text_en
    assert old_ja in client.get("/themes/carbon_neutral/").content.decode()

    action.text_ja = "訂正後の取組の文言"
    action.text_en = "Corrected wording of the action"
    action.save()

    theme_ja = client.get("/themes/carbon_neutral/").content.decode()
    assert "訂正後の取組の文言" in theme_ja and old_ja not in theme_ja
    theme_en = client.get("/en/themes/carbon_neutral/").content.decode()
    assert "Corrected wording of the action" in theme_en and old_en not in theme_en
    action_ja = client.get(f"/actions/{action.pk}/").content.decode()
    assert "<h1>訂正後の取組の文言</h1>" in action_ja
    action_en = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert "<h1>Corrected wording of the action</h1>" in action_en


def test_a_correction_made_in_the_admin_shows_on_the_next_request(
    client: Client, plan_version: PlanVersion
) -> None:
    theme = Theme.objects.get(version=plan_version, code="startups")
    before = client.get("/en/themes/startups/").content.decode()
    assert f"<h1>{theme.name_en}</h1>" in before
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("bureau", "b@example.jp", "x"))
    form = staff.get(f"/admin/plans/theme/{theme.pk}/change/").context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["name_en"] = "Start-ups and venture companies"
    response = staff.post(f"/admin/plans/theme/{theme.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:1000]

    after = client.get("/en/themes/startups/").content.decode()
    assert "<h1>Start-ups and venture companies</h1>" in after
    assert f"<h1>{theme.name_en}</h1>" not in after
    home = client.get("/en/").content.decode()
    assert "Start-ups and venture companies" in home


def test_a_new_assignment_shows_on_the_cached_action_page(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    link = 'href="/governments/260002/"'
    assert link not in client.get(f"/actions/{action.pk}/").content.decode()
    action.member_governments.add(MemberGovernment.objects.get(lg_code="260002"))
    assert link in client.get(f"/actions/{action.pk}/").content.decode()


def test_cached_page_answers_if_none_match_with_not_modified_until_the_data_changes(
    client: Client, plan_version: PlanVersion
) -> None:
    first = client.get("/themes/life_science/")
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    assert "must-revalidate" in first["Cache-Control"]
    again = client.get("/themes/life_science/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/en/themes/life_science/")["ETag"] != etag

    action = _top_level_action(plan_version, "life_science")
    action.text_ja += "（訂正）"
    action.save()
    changed = client.get("/themes/life_science/", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert action.text_ja in changed.content.decode()


def test_a_query_string_never_leaks_into_the_copy_other_visitors_get(
    client: Client, plan_version: PlanVersion
) -> None:
    odd = client.get("/themes/startups/?view=print").content.decode()
    assert "view=print" in odd  # the language switch keeps this visitor's query string
    plain = client.get("/themes/startups/").content.decode()
    assert "view=print" not in plain


def test_an_anonymous_visit_gets_no_cookie_and_touches_no_session(
    client: Client, plan_version: PlanVersion, django_assert_max_num_queries: Any
) -> None:
    client.get("/en/themes/startups/")
    with django_assert_max_num_queries(2):
        response = client.get("/en/themes/startups/")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert "csrfmiddlewaretoken" not in response.content.decode()
