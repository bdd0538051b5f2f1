"""The concept lexicon (data/partnerships/concepts.json): everyday phrasing that points to the
plan's own words, as a weaker hint than a shared word, shown apart in the reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from actionplan.partnerships import suggest as engine
from actionplan.partnerships.suggest import (
    CONCEPTS_FILE,
    ConceptsError,
    parse_concepts,
    related_concepts,
    suggest,
    terms,
)
from actionplan.plans.models import Action, PlanVersion


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
            {"concepts": [{"terms": ["の"], "cues": ["x"], "label_en": "of"}]},
            "test.json: concepts[0].terms: none of ['の'] is a content word",
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
    assert found[0].terms == terms("社会受容性")
    assert [c.label_ja for c in related_concepts("夜間の騒音が心配です")] == ["社会受容性"]
    # A cue inside a longer word is no cue ("intern" in "international").
    assert related_concepts("an international fair") == ()
    # A text that writes the plan's words itself needs no hint.
    assert related_concepts("社会受容性の向上と騒音対策") == ()


def test_a_concept_leads_to_the_actions_holding_its_words(
    plan_version: PlanVersion, lexicon: Any
) -> None:
    # Any action's rarest word; a cue that no record writes.
    action = Action.objects.filter(version=plan_version).order_by("key").first()
    assert action is not None
    index = engine._index()
    mine = next(c for c in index.candidates if c.key == action.key)
    rarest = max(
        (t for t in mine.fields["terms"] if not t.isascii()),
        key=lambda t: (index.idf["terms"][t], t),
    )
    lexicon([])
    assert suggest("zyxwq plans for the region", english=True)["action"] == []
    lexicon([{"terms": [rarest], "label_en": "the subject", "cues": ["zyxwq plan"]}])
    with translation.override("en"):
        ranked = suggest("zyxwq plans for the region", english=True)["action"]
        reason = ranked[0].reason
    assert action.key in [s.key for s in ranked]
    holders = [s for s in ranked if s.key == action.key]
    assert holders[0].related_terms == ["the subject"]
    assert "Related terms: the subject" in reason
    assert rarest not in holders[0].shared_terms
    with translation.override("ja"):
        japanese = suggest("zyxwq plans", english=False)["action"]
        assert f"関連語: {rarest}" in japanese[0].reason


def test_the_bundled_lexicon_speaks_of_the_plan(plan_version: PlanVersion) -> None:
    lexicon = engine._concepts()
    assert len(lexicon.concepts) >= 150
    held = frozenset().union(*(c.fields["terms"] for c in engine._index().candidates))
    # Each concept leads somewhere: its words are words of the plan, agreements or hubs.
    lost = [c.label_ja for c in lexicon.concepts if not c.terms & held]
    assert lost == [], f"{CONCEPTS_FILE.name}: concepts whose words no record holds"
    assert all(c.label_en.isascii() for c in lexicon.concepts)
