from __future__ import annotations

import pytest

from actionplan.plans.models import Action, PlanVersion
from actionplan.search.queries import SearchError, parse_query, search, snippet
from actionplan.search.tokenize import word_boundaries


def texts(q: str, **filters: object) -> list[str]:
    return [h.text for h in search(q, limit=100, **filters).hits]  # type: ignore[arg-type]


def test_two_character_words_find_every_action_that_holds_them(
    plan_version: PlanVersion,
) -> None:
    for word in ("水素", "人材", "万博"):
        holding = set(
            Action.objects.filter(version=plan_version, text_ja__contains=word).values_list(
                "pk", flat=True
            )
        )
        found = {h.id for h in search(word, kinds=["action"], limit=100).hits}
        assert holding and holding <= found, word


def test_full_width_query_finds_the_same_as_half_width(plan_version: PlanVersion) -> None:
    assert texts("ｉＰＳ") == texts("iPS") != []
    assert texts("ＭａａＳ") == texts("MaaS") != []
    assert texts("ｽﾀｰﾄｱｯﾌﾟ") == texts("スタートアップ") != []


def test_one_kanji_finds_words_that_hold_it_anywhere(plan_version: PlanVersion) -> None:
    found = texts("薬")
    assert found and all("薬" in t for t in found)
    assert any("創薬" in t for t in found)


def test_english_query_finds_japanese_text_through_the_glossary(
    plan_version: PlanVersion,
) -> None:
    hits = search("eVTOL", limit=100).hits
    # No English text of the plan says eVTOL: these come from 空飛ぶクルマ in the glossary.
    assert sum("空飛ぶクルマ" in h.title + h.text for h in hits) >= 8
    assert not any("evtol" in h.text_en.casefold() for h in hits)


def test_japanese_query_finds_english_equivalents(plan_version: PlanVersion) -> None:
    hits = search("蓄電池", limit=100).hits
    assert any("バッテリー" in h.text and "蓄電池" not in h.title for h in hits) or any(
        "battery" in h.text_en.casefold() for h in hits
    )


def test_multi_word_query_needs_every_word(plan_version: PlanVersion) -> None:
    found = texts("外国人材 マッチング")
    assert found and all("外国人材" in t and "マッチング" in t for t in found)


def test_title_like_text_ranks_above_long_text(plan_version: PlanVersion) -> None:
    hits = search("再生医療", limit=5).hits
    assert hits[0].kind in {"year_theme", "theme"}


def test_snippet_marks_matches(plan_version: PlanVersion) -> None:
    hit = search("水素", kinds=["action"], limit=1).hits[0]
    assert "<mark>水素</mark>" in hit.snippet_html
    assert "<mark>hydrogen</mark>" in hit.snippet_en_html.casefold()


def test_facets_count_every_match_and_filters_narrow(plan_version: PlanVersion) -> None:
    results = search("人材", limit=1)
    assert results.total == sum(results.facets["kind"].values())
    actions = results.facets["kind"]["action"]
    union = results.facets["actor"]["union"]
    assert search("人材", kinds=["action"], limit=1).total == actions
    narrowed = search("人材", actor="union", limit=100)
    assert narrowed.total == union
    assert {h.actor for h in narrowed.hits} == {"union"}
    in_2025 = search("人材", fiscal_year=2025, kinds=["action"], limit=100)
    assert in_2025.hits and {h.fiscal_year for h in in_2025.hits} == {2025}


def test_theme_filter_and_url_paths(plan_version: PlanVersion) -> None:
    hits = search("スタートアップ", theme="startups", limit=100).hits
    assert hits and {h.theme_code for h in hits} == {"startups"}
    for hit in hits:
        # Developments and hubs lead to their own entry on the page that lists them.
        expected = {
            "action": f"/actions/{hit.id}/",
            "partnership": f"/partnerships/{hit.id}/",
            "hub": f"/hubs/#hub-{hit.id}",
            "milestone": f"/themes/startups/#development-{hit.id}",
        }.get(hit.kind, "/themes/startups/")
        assert hit.url_path == expected


def test_offset_pages_through_the_same_ranking(plan_version: PlanVersion) -> None:
    everything = [h.key for h in search("人材", limit=30).hits]
    assert [h.key for h in search("人材", limit=10, offset=10).hits] == everything[10:20]


def test_empty_query_finds_nothing(plan_version: PlanVersion) -> None:
    assert search("  ").total == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"kinds": ["vision"]}, "kind"),
        ({"actor": "city"}, "actor"),
    ],
)
def test_bad_parameters_name_the_field(
    plan_version: PlanVersion, params: dict[str, object], field: str
) -> None:
    with pytest.raises(SearchError) as error:
        search("水素", **params)  # type: ignore[arg-type]
    assert error.value.field == field


def test_a_glossary_phrase_counts_only_where_the_query_s_words_begin_and_end() -> None:
    from actionplan.search.glossary import parse

    glossary = parse({"groups": [["会場", "venue"], ["万博会場", "expo site"], ["万博", "expo"]]})
    # Sudachi reads 万博会場内外 as 万博 | 会場内 | 外: 万博会場 and 会場 would cut 会場内.
    boundaries = word_boundaries("万博会場内外")
    assert [(s, e) for s, e, _group in glossary.find("万博会場内外", boundaries)] == [(0, 2)]
    assert [(s, e) for s, e, _group in glossary.find("万博会場", word_boundaries("万博会場"))] == [
        (0, 4)
    ]
    # Latin phrases are whole words, as before.
    assert [(s, e) for s, e, _group in glossary.find("expo site tour", frozenset({0}))] == [(0, 9)]


def test_a_latin_phrase_is_not_hidden_by_a_longer_mixed_one_that_does_not_align() -> None:
    from actionplan.search.glossary import parse

    glossary = parse(
        {"groups": [["vr", "virtual reality"], ["vr体験", "vr experience"], ["体験会", "hands-on"]]}
    )
    # Sudachi reads VR体験会 as VR | 体験会: vr体験 does not align, vr and 体験会 do.
    found = glossary.find("vr体験会", word_boundaries("VR体験会"))
    assert [(s, e) for s, e, _group in found] == [(0, 2), (2, 5)]


def test_a_query_holding_a_glossary_phrase_inside_a_word_finds_the_records_that_write_it(
    plan_version: PlanVersion,
) -> None:
    # Every action whose text holds a phrase of the glossary followed by more of the same word
    # (万博会場内外: 万博会場 is a glossary phrase) is found by its own words.
    for text in Action.objects.filter(version=plan_version).values_list("text_ja", flat=True):
        if "万博会場内外" in text:
            assert text in texts("万博会場内外")
            break
    else:
        pytest.fail("the bundled plan writes 万博会場内外")


UMEKITA_EN = (
    "Strengthening the function of open innovation hubs, such as Keihanna Science City, Umekita, "
    "and universities and research institutions, as central places where the sources of "
    "innovation, including people, seeds and issues, come together"
)


def _words_whole(html: str, text: str) -> None:
    """Each piece of the snippet between "…" starts and ends with a whole word of ``text``."""
    plain = html.replace("<mark>", "").replace("</mark>", "")
    for piece in filter(None, plain.split("…")):
        start = text.index(piece)
        end = start + len(piece)
        assert start == 0 or not (text[start - 1].isalnum() and text[start].isalnum()), piece
        assert end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum()), piece


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["Umekita", "うめきた", "seeds", "research", "together"])
def test_an_english_snippet_begins_and_ends_between_words(q: str) -> None:
    html = snippet(UMEKITA_EN, parse_query(q))
    assert html is not None and html.count("…") >= 1
    _words_whole(html, UMEKITA_EN)


@pytest.mark.django_db
def test_a_snippet_without_a_match_is_cut_between_words(plan_version: PlanVersion) -> None:
    long = [h for h in search("水素", limit=100).hits if len(h.text_en) > 130]
    assert long
    for hit in long:
        if "<mark>" not in hit.snippet_en_html:
            _words_whole(hit.snippet_en_html, hit.text_en)


def test_a_japanese_snippet_comes_from_the_japanese_text(plan_version: PlanVersion) -> None:
    # The query matches through the English text ("Umekita"): Sudachi reads 「やうめきた」
    # otherwise; the Japanese snippet still shows the Japanese text, with the word marked.
    hit = next(h for h in search("うめきた", limit=100).hits if "Umekita" in h.text_en)
    assert "<mark>うめきた</mark>" in hit.snippet_html
    assert "Umekita" not in hit.snippet_html
    assert "<mark>Umekita</mark>" in hit.snippet_en_html
    _words_whole(hit.snippet_en_html, hit.text_en)
