from __future__ import annotations

import re
from typing import Any

from django.test import Client

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


def test_english_search_shows_the_english_text_of_a_match_found_only_in_japanese(
    client: Client, plan_version: PlanVersion, django_capture_on_commit_callbacks: Any
) -> None:
    action = Action.objects.filter(version=plan_version, text_ja__contains="水素").first()
    assert action is not None and action.text_en
    action.text_ja += "。クオッカの生態調査"
    with django_capture_on_commit_callbacks(execute=True):
        action.save()
    page = client.get("/en/search/", {"q": "クオッカ"}).content.decode()
    assert f'<a href="/en/actions/{action.pk}/" >{action.text_en[:30]}' in page
    assert "クオッカ" not in page.split('<ol class="results"')[1].split("</ol>")[0]
    japanese = client.get("/search/", {"q": "クオッカ"}).content.decode()
    assert "<mark>クオッカ</mark>" in japanese


def test_an_english_search_of_a_record_without_english_shows_the_japanese_marked_ja(
    client: Client, plan_version: PlanVersion, django_capture_on_commit_callbacks: Any
) -> None:
    action = Action.objects.filter(version=plan_version, text_ja__contains="水素").first()
    assert action is not None
    action.text_ja += "。クオッカの生態調査"
    action.text_en = ""
    with django_capture_on_commit_callbacks(execute=True):
        action.save()
    page = client.get("/en/search/", {"q": "クオッカ"}).content.decode()
    assert re.search(rf'<a href="/en/actions/{action.pk}/" lang="ja">[^<]*<mark>', page)
    assert "<mark>クオッカ</mark>" in page


def _result_texts(page: str) -> str:
    return page.split('<ol class="results"')[1].split("</ol>")[0]


def test_a_japanese_search_shows_japanese_snippets_even_when_english_matched(
    client: Client, plan_version: PlanVersion
) -> None:
    # うめきた matches the English "Umekita" through the glossary; Sudachi cuts the Japanese
    # 「やうめきた、」 otherwise, but the Japanese page still shows (and marks) the Japanese text.
    page = _result_texts(client.get("/search/", {"q": "うめきた"}).content.decode())
    assert "けいはんな学研都市や<mark>うめきた</mark>" in page
    assert "Umekita" not in page and "Keihanna" not in page
    english = _result_texts(client.get("/en/search/", {"q": "うめきた"}).content.decode())
    assert "<mark>Umekita</mark>" in english


def test_snippets_never_cut_an_english_word(client: Client, plan_version: PlanVersion) -> None:
    english = _result_texts(client.get("/en/search/", {"q": "Umekita"}).content.decode())
    assert "…such as Keihanna Science City, <mark>Umekita</mark>" in english
    assert "…uch as" not in english
