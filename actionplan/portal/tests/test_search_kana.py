"""A query typed in kana, by its reading: すいそ finds what 水素 finds, through the help."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion
from actionplan.portal import searchhelp


def _hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if 0x30A1 <= ord(c) <= 0x30F6 else c for c in katakana)


def _total(client: Client, q: str) -> int:
    page = client.get("/search/", {"q": q}).content.decode()
    found = re.search(r"(\d+)件見つかりました", page)
    return int(found.group(1)) if found else 0


def test_kana_queries_are_read_as_kana_only() -> None:
    assert searchhelp.is_kana("すいそ") and searchhelp.is_kana("スタートアップ")
    assert not searchhelp.is_kana("水素") and not searchhelp.is_kana("hydrogen")
    assert not searchhelp.is_kana("")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_term_typed_by_its_reading_is_offered_in_its_own_writing(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    # A glossary term in kanji that the search finds, typed in hiragana, which it does not.
    readings = searchhelp._readings()
    chosen = None
    for reading, terms in readings.items():
        term = terms[0]
        if not re.fullmatch(r"[\u4e00-\u9fff]{2,}", term) or len(readings[reading]) > 1:
            continue
        typed = _hiragana(reading)
        if _total(client, term) and not _total(client, typed):
            chosen = (term, typed)
            break
    assert chosen, "no kanji term of the glossary that the plan writes"
    term, typed = chosen
    page = client.get(f"{prefix}/search/", {"q": typed}).content.decode()
    help_block = page[page.index('class="search-help"') :]
    offered = [unescape(unquote(o)) for o in re.findall(r'href="\?q=([^"]+)"', help_block)]
    assert offered[0] == term


def test_a_kana_query_that_finds_little_is_offered_the_spelling_that_finds_more(
    client: Client, plan_version: PlanVersion
) -> None:
    # A katakana term the plan writes, typed in hiragana, that finds something (through
    # another word's characters), but less than the term.
    from actionplan.search.glossary import glossary

    katakana = [t for t in glossary().groups if re.fullmatch(r"[\u30a1-\u30fc]{4,}", t)]
    chosen = None
    for term in katakana:
        hiragana = _hiragana(term)
        if 0 < _total(client, hiragana) < _total(client, term):
            chosen = (term, hiragana)
            break
    assert chosen, "no katakana term whose hiragana finds a little"
    term, hiragana = chosen
    for prefix in ("", "/en"):
        page = client.get(f"{prefix}/search/", {"q": hiragana}).content.decode()
        assert 'class="results"' in page
        more = page[page.index('class="search-more"') :].split("</p>")[0]
        assert f">{term}</a>" in unescape(more)
    # Not offered when the query already finds the most.
    page = client.get("/search/", {"q": term}).content.decode()
    assert 'class="search-more"' not in page
