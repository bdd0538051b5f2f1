from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from actionplan.partnerships.actions import create_partnership
from actionplan.plans.models import Action, PlanVersion


def test_search_page_shows_hits_with_marked_snippets_and_facets(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/search/", {"q": "水素"}).content.decode()
    assert "<mark>水素</mark>" in page
    hydrogen = Action.objects.filter(version=plan_version, text_ja__contains="水素").first()
    assert hydrogen is not None
    assert f'href="/actions/{hydrogen.pk}/"' in page
    assert '<select id="f-theme" name="theme">' in page
    assert "カーボンニュートラル (" in page


def test_search_facet_narrows_the_hits(client: Client, plan_version: PlanVersion) -> None:
    everything = client.get("/search/", {"q": "万博"}).content.decode()
    startups = client.get("/search/", {"q": "万博", "theme": "startups"}).content.decode()
    assert startups.count("<li>") < everything.count("<li>")
    assert 'value="startups" selected' in startups


def test_english_search_links_to_english_pages(client: Client, plan_version: PlanVersion) -> None:
    page = client.get("/en/search/", {"q": "hydrogen"}).content.decode()
    assert 'href="/en/actions/' in page
    # The snippets are English where the English text holds the word, not marked Japanese
    # (an action's snippet is its link text: its title is only the start of the same text).
    assert re.search(
        r'<a href="/en/actions/\d+/" >Initiatives to build supply chains for <mark>hydrogen</mark>',
        page,
    )
    japanese = client.get("/search/", {"q": "hydrogen"}).content.decode()
    assert "<mark>水素</mark>・アンモニア" in japanese
    assert "<mark>hydrogen</mark>" not in japanese.split('<ol class="results"')[1].split("</ol>")[0]


def test_english_search_shows_a_match_found_only_in_japanese_in_japanese(
    client: Client, plan_version: PlanVersion, django_capture_on_commit_callbacks: Any
) -> None:
    action = Action.objects.filter(version=plan_version, text_ja__contains="水素").first()
    assert action is not None
    action.text_ja += "。クオッカの生態調査"
    with django_capture_on_commit_callbacks(execute=True):
        action.save()
    page = client.get("/en/search/", {"q": "クオッカ"}).content.decode()
    assert re.search(rf'<a href="/en/actions/{action.pk}/" lang="ja">[^<]*<mark>', page)
    assert "<mark>クオッカ</mark>" in page


def test_search_page_escapes_what_people_typed_into_records(
    client: Client,
    plan_version: PlanVersion,
    bureau_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Indexed when its transaction commits, as in production (the plan's index already exists).
    with django_capture_on_commit_callbacks(execute=True):
        create_partnership(
            bureau_staff,
            title_ja="水素<script>alert(1)</script>連携",
            outline_ja="<script>alert(2)</script>水素の協定",
            theme_code="carbon_neutral",
            signed_on=datetime.date(2025, 10, 1),
        )
    page = client.get("/search/", {"q": "水素 協定"}).content.decode()
    assert "alert(" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_search_with_a_bad_filter_says_what_is_wrong(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/search/", {"q": "水素", "actor": "nobody"})
    assert response.status_code == 400
    assert "actor" in response.content.decode()
