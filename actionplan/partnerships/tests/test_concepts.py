"""The concept lexicon (data/partnerships/concepts.json): everyday phrasing that points to the
plan's own words, as a weaker hint than a shared word, shown apart in the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships import suggest as engine
from actionplan.partnerships.suggest import (
    CONCEPTS_FILE,
    ConceptsError,
    concepts_written,
    parse_concepts,
    related_concepts,
    suggest,
)
from actionplan.plans.models import Action, Partnership, PlanVersion


@pytest.fixture
def lexicon(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Replaces the bundled lexicon by the one given to the returned function."""

    def use(concepts: list[dict[str, Any]]) -> None:
        parsed = parse_concepts({"concepts": concepts}, "test.json")
        monkeypatch.setattr(engine, "_concepts", lambda: parsed)
        related_concepts.cache_clear()

    yield use
    related_concepts.cache_clear()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "test.json: expected an object with a list under 'concepts'"),
        ({"concepts": ["x"]}, "test.json: concepts[0]: expected an object"),
        (
            {"concepts": [{"terms": ["水素"], "label_en": "hydrogen"}]},
            "test.json: concepts[0].cues: expected a non-empty list of strings",
        ),
        (
            {"concepts": [{"terms": ["水素"], "cues": ["x"], "label_en": "a"}, {"terms": []}]},
            "test.json: concepts[1].terms: expected a non-empty list of strings",
        ),
        (
            {"concepts": [{"terms": ["水素"], "cues": ["燃料電池車"]}]},
            "test.json: concepts[0].label_en: expected the concept's English name",
        ),
        (
            {"concepts": [{"terms": ["水素"], "cues": ["x"], "label_en": "h", "label_ja": 3}]},
            "test.json: concepts[0].label_ja: expected the concept's Japanese name",
        ),
        (
            {"concepts": [{"terms": ["水素"], "cues": ["--"], "label_en": "hydrogen"}]},
            "test.json: concepts[0].cues: '--' has no letter or digit",
        ),
        (
            {
                "concepts": [
                    {"terms": ["水素"], "cues": ["FCV"], "label_en": "hydrogen"},
                    {"terms": ["蓄電池"], "cues": ["fcv"], "label_en": "batteries"},
                ]
            },
            "test.json: concepts[1].cues: 'fcv' is a cue of concepts[0] already",
        ),
        (
            {"concepts": [{"terms": ["水素", "Ｈ"], "cues": ["x"], "label_en": "hydrogen"}]},
            "test.json: concepts[0].terms: ['Ｈ'] is shorter than two characters",
        ),
    ],
)
def test_a_bad_lexicon_is_refused_with_the_entry_and_field(data: Any, message: str) -> None:
    with pytest.raises(ConceptsError) as error:
        parse_concepts(data, "test.json")
    assert str(error.value).startswith(message)


def test_cues_are_found_as_whole_words_plurals_and_japanese_substrings(lexicon: Any) -> None:
    lexicon(
        [
            {
                "terms": ["社会受容性"],
                "label_en": "public acceptance",
                "cues": ["local resident", "騒音"],
            },
            {"terms": ["外国人材"], "label_en": "foreign talent", "cues": ["intern"]},
        ]
    )
    found = related_concepts("Local residents worry about the drones.")
    assert [c.label_en for c in found] == ["public acceptance"]
    assert found[0].phrases == ("社会受容性",)
    assert [c.label_ja for c in related_concepts("夜間の騒音が心配です")] == ["社会受容性"]
    # A cue inside a longer word is no cue ("intern" in "international").
    assert related_concepts("an international fair") == ()
    # A text that says the plan's words itself needs no hint: written, or through a glossary
    # phrase (the search glossary has "public acceptance" for 社会受容性).
    assert related_concepts("社会受容性の向上と騒音対策") == ()
    assert related_concepts("local residents and their public acceptance") == ()


def test_a_concept_is_met_only_where_its_plan_words_are_written_whole(lexicon: Any) -> None:
    lexicon(
        [
            {"terms": ["社会受容性"], "label_en": "public acceptance", "cues": ["騒音"]},
            {"terms": ["AI"], "label_en": "AI", "cues": ["機械学習"]},
            {"terms": ["Beyond 5G"], "label_en": "Beyond 5G", "cues": ["6g"]},
        ]
    )
    # Sudachi cuts 社会受容性 into 社会 and 受容; neither alone is the subject.
    assert concepts_written("外国人材の受容と社会貢献") == frozenset()
    assert concepts_written("空飛ぶクルマの社会受容性の向上") == {"concept:0"}
    # A Latin plan word as a whole word only.
    assert concepts_written("sustainable supply chain training") == frozenset()
    assert concepts_written("AIを活用した検査、AI-based inspection") == {"concept:1"}
    assert concepts_written("Beyond\n5G の研究") == {"concept:2"}
    assert related_concepts("6G and Beyond\n5G") == ()


def test_a_concept_leads_to_the_actions_writing_its_words(
    plan_version: PlanVersion, lexicon: Any
) -> None:
    # Any action, by words only it writes; a cue that no record writes.
    action = Action.objects.filter(version=plan_version).order_by("key").first()
    assert action is not None
    words = action.text_ja
    lexicon([])
    assert suggest("zyxwq plans for the region", english=True)["action"] == []
    lexicon([{"terms": [words], "label_en": "the subject", "cues": ["zyxwq plan"]}])
    with translation.override("en"):
        ranked = suggest("zyxwq plans for the region", english=True)["action"]
        reason = ranked[0].reason
    assert ranked[0].key == action.key
    assert ranked[0].related_terms == ["the subject"]
    assert reason == "Related terms: the subject"
    with translation.override("ja"):
        japanese = suggest("zyxwq plans", english=False)["action"]
        assert japanese[0].reason == f"関連語: {words}"


def test_the_bundled_lexicon_speaks_of_the_plan(plan_version: PlanVersion) -> None:
    lexicon = engine._concepts()
    assert len(lexicon.concepts) >= 150
    written = frozenset().union(*(c.fields["concepts"] for c in engine._index().candidates))
    # Each concept leads somewhere: its words are written by an action, agreement or hub.
    lost = [c.label_ja for c in lexicon.concepts if c.key not in written]
    assert lost == [], f"{CONCEPTS_FILE.name}: concepts whose words no record writes"
    assert all(c.label_en.isascii() for c in lexicon.concepts)


def test_a_short_japanese_cue_counts_only_as_a_word_of_its_own(lexicon: Any) -> None:
    lexicon([{"terms": ["神戸医療産業都市"], "label_en": "Kobe cluster", "cues": ["理研", "藻類"]}])
    assert [c.label_en for c in related_concepts("理研と共同研究をしています")] == ["Kobe cluster"]
    assert related_concepts("物理研究所の装置メーカーです") == ()
    assert related_concepts("海藻類の加工会社です") == ()


def test_english_cues_are_read_across_spacing_hyphens_and_apostrophes(lexicon: Any) -> None:
    lexicon(
        [
            {"terms": ["社会受容性"], "label_en": "public acceptance", "cues": ["local resident"]},
            {"terms": ["医療機器"], "label_en": "medical devices", "cues": ["point-of-care"]},
            {
                "terms": ["再生医療"],
                "label_en": "regenerative medicine",
                "cues": ["patient's own cell"],
            },
        ]
    )
    assert [c.label_en for c in related_concepts("local\n  residents")] == ["public acceptance"]
    assert [c.label_en for c in related_concepts("point of care tests")] == ["medical devices"]
    assert [c.label_en for c in related_concepts("point-of-care tests")] == ["medical devices"]
    assert [c.label_en for c in related_concepts("the patient’s own cells")] == [
        "regenerative medicine"
    ]


def test_the_bundled_cues_name_no_place(plan_version: PlanVersion) -> None:
    # Place names say where, not what: a company's address would set them off.
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary().tokenizer()
    places = []
    for number, entry in enumerate(
        json.loads(CONCEPTS_FILE.read_text(encoding="utf-8"))["concepts"]
    ):
        for cue in entry["cues"]:
            nouns = [
                m for m in tokenizer.tokenize(cue, SplitMode.C) if m.part_of_speech()[0] == "名詞"
            ]
            if nouns and all(m.part_of_speech()[2] == "地名" for m in nouns):
                places.append((number, cue))
    assert places == []


def test_a_government_found_through_related_work_says_by_which_words(
    plan_version: PlanVersion, lexicon: Any
) -> None:
    agreement = Partnership.objects.filter(member_governments__isnull=False).order_by("key").first()
    assert agreement is not None
    lexicon([{"terms": [agreement.title_ja], "label_en": "the subject", "cues": ["zyxwq plan"]}])
    with translation.override("ja"):
        governments = suggest("zyxwq plans")["government"]
    assert governments
    for g in governments:
        # The words, then how much of the related work it carries.
        assert g.reason.startswith(f"関連語: {agreement.title_ja} / 関連する取組・協定"), g.reason
        assert g.reason.endswith("件を実施"), g.reason
    codes = set(agreement.member_governments.values_list("lg_code", flat=True))
    assert {g.key for g in governments} <= codes


def test_the_english_desk_page_names_suggestions_in_english(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    page = client_for(bureau_staff).get(f"/en/desk/proposals/{submitted.proposal.pk}/")
    text = page.content.decode()
    suggestions = text[text.index('<ol class="suggestions">') :]
    assert "Takasago Hydrogen Park" in suggestions
    assert "高砂水素パーク" not in suggestions
    assert "Shared terms: hydrogen" in suggestions
    assert "()" not in suggestions


def test_reasons_name_a_word_once_and_in_the_page_language(plan_version: PlanVersion) -> None:
    text = (
        "Pilot training for international students who want to stay and work here, "
        "at the landing pads of our commercial flights"
    )
    for language, english in (("en", True), ("ja", False)):
        with translation.override(language):
            ranked = suggest(text, english=english)
            found = [s for items in ranked.values() for s in items]
            reasons = [s.reason for s in found]
        assert ranked["action"] and ranked["government"]
        assert any(s.related_terms for s in found)
        for suggestion, reason in zip(found, reasons, strict=True):
            assert reason
            assert not set(suggestion.shared_terms) & set(suggestion.related_terms), reason
            if english:
                words = suggestion.shared_terms + suggestion.related_terms
                assert not any(engine._JAPANESE.search(word) for word in words), reason


def test_a_japanese_proposal_has_reasons_on_an_english_page(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest("町工場の精密加工技術を活かした医療機器の試作", english=True)
        reasons = [s.reason for items in ranked.values() for s in items]
    assert reasons and all(reasons)


def test_every_bundled_cue_alone_leads_to_its_concept() -> None:
    # A cue that says its concept already (生成AI for AI) is met by the terms and never fires.
    dead = []
    for number, entry in enumerate(
        json.loads(CONCEPTS_FILE.read_text(encoding="utf-8"))["concepts"]
    ):
        for cue in entry["cues"]:
            if f"concept:{number}" not in [c.key for c in related_concepts(cue)]:
                dead.append((number, cue))
    assert dead == []
