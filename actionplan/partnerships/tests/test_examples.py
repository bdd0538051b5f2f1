"""Example proposals (data/partnerships/action_examples.json): the judged proposals of the test
sets; their titles are read as words proposers write for the actions an officer named, and the
examples most like a proposal vote for their actions; a set is never measured with its own
examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from actionplan.partnerships import suggest as engine
from actionplan.partnerships.evaluate import DEFAULT_SET, _known_keys, evaluate
from actionplan.partnerships.examples import examples_of
from actionplan.partnerships.suggest import (
    EXAMPLES_FILE,
    ConceptsError,
    example_titles,
    examples_without,
    parse_examples,
    suggest,
)
from actionplan.plans.models import Action, PlanVersion

SETS_DIR = DEFAULT_SET.parent


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "test.json: expected an object with a list under 'examples'"),
        ({"examples": ["x"]}, "test.json: examples[1]: expected an object"),
        (
            {"examples": [{"source": "s", "title": " ", "actions": ["a.1"]}]},
            "test.json: examples[1].title: expected a non-empty string",
        ),
        (
            {"examples": [{"source": "s", "title": "展示会", "actions": []}]},
            "test.json: examples[1].actions: expected a non-empty list of action keys",
        ),
        (
            {
                "examples": [
                    {"source": "s", "title": "展示会", "actions": ["a.1"]},
                    {"title": "booth", "actions": ["a.1"]},
                ]
            },
            "test.json: examples[2].source: expected a non-empty string",
        ),
        (
            {"examples": [{"source": "s", "title": "展示会", "summary": 3, "actions": ["a.1"]}]},
            "test.json: examples[1].summary: expected a string",
        ),
    ],
)
def test_bad_examples_are_refused_with_the_example_and_field(data: Any, message: str) -> None:
    with pytest.raises(ConceptsError) as error:
        parse_examples(data, "test.json")
    assert str(error.value) == message


def test_the_file_is_the_sets_examples_and_names_actions_of_the_plan(
    plan_version: PlanVersion,
) -> None:
    data = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    sources = list(dict.fromkeys(example["source"] for example in data["examples"]))
    # Every test set is a source, so that each is measured as the others' unseen proposals.
    assert sorted(sources) == sorted(p.stem for p in SETS_DIR.glob("suggestion_set*.json"))
    # Written by the command from the sets it names, and in step with them.
    assert data == examples_of([SETS_DIR / f"{source}.json" for source in sources])
    known = _known_keys()["action"]
    for example in data["examples"]:
        assert set(example["actions"]) <= known, example["id"]


def test_an_example_title_leads_to_its_action_unless_its_source_is_left_out(
    plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = Action.objects.filter(version=plan_version, theme__code="sme_growth").first()
    assert action is not None
    title = "ズィクワク工房の職人技を若手に継ぎたい"
    examples = parse_examples(
        {"examples": [{"source": "desk", "title": title, "actions": [action.key]}]}, "test.json"
    )
    monkeypatch.setattr(engine, "_examples", lambda: examples)
    engine._index_cache.clear()
    with translation.override("ja"):
        assert example_titles(action.key) == [title]
        ranked = suggest("ズィクワク工房について", english=False)
        assert ranked["action"][0].key == action.key
        # Its words are named as related words: what proposers write for this action.
        assert "ズィクワク" in ranked["action"][0].related_terms
        with examples_without("desk"):
            assert example_titles(action.key) == []
            ranked = suggest("ズィクワク工房について", english=False)
            assert action.key not in [s.key for s in ranked["action"]]


def test_a_set_is_measured_without_its_own_examples(
    plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A set whose every proposal is its own example: measured with them it would find every
    # action from the titles alone; evaluate leaves them out, as for unseen proposals.
    action = Action.objects.filter(version=plan_version, theme__code="life_science").last()
    assert action is not None
    proposal = {
        "id": "x01",
        "language": "ja",
        "title": "ズィクワク計画",
        "summary": "ズィクワク計画について相談したい。",
        "themes": [],
        "expected": {"action": [action.key]},
    }
    path = tmp_path / "suggestion_set_mine.json"
    path.write_text(json.dumps({"proposals": [proposal]}), encoding="utf-8")
    examples = parse_examples(examples_of([path]), "test.json")
    monkeypatch.setattr(engine, "_examples", lambda: examples)
    engine._index_cache.clear()
    assert evaluate(path).recall == 0.0
    other = tmp_path / "suggestion_set_other.json"
    other.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert evaluate(other).recall == 1.0


def test_the_examples_most_like_a_proposal_vote_for_their_actions(
    plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two actions the proposal meets by the same word, once each; an example proposal much like
    # it (its summary's words, not its title's) names the second: the second comes first.
    first, second = Action.objects.filter(version=plan_version, theme__code="sme_growth")[:2]
    proposal = "ズィクワク工房。ホゲラ漆器とモゲラ木工の職人。"
    examples = parse_examples(
        {
            "examples": [
                {
                    "source": "desk",
                    "title": "職人の後継者",
                    "summary": "ホゲラ漆器とモゲラ木工の職人を育てる。",
                    "actions": [second.key],
                },
                {"source": "desk", "title": "まるで別の話", "actions": [first.key]},
            ]
        },
        "test.json",
    )
    monkeypatch.setattr(engine, "_examples", lambda: examples)
    monkeypatch.setattr(
        engine, "_needs", lambda: {first.key: "ズィクワク工房", second.key: "ズィクワク工房"}
    )
    engine._index_cache.clear()
    with translation.override("ja"):
        with examples_without("desk"):
            alone = suggest(proposal, english=False)["action"]
        assert [s.key for s in alone[:2]] == sorted([first.key, second.key])
        assert alone[0].score == alone[1].score
        # The vote is as strong as the share of the proposal's words the examples write: all
        # of them for the example's own words, part for the proposal (ズィクワク, 工房: none).
        index = engine._index()
        assert index.example_votes(engine.terms("ホゲラ漆器とモゲラ木工の職人")) == {
            second.key: 1.0
        }
        votes = index.example_votes(engine.terms(proposal))
        assert set(votes) == {second.key} and 0.2 < votes[second.key] < 0.8
        found = suggest(proposal, english=False)["action"]
        ranked = [s.key for s in found]
        assert ranked[:2] == [second.key, first.key], [(s.key, s.score, s.reason) for s in found]
