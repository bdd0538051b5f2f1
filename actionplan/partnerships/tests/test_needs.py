"""What proposers write when an action is what they need (data/partnerships/action_needs.json):
a field of its own in the desk's suggestions, shown as related words in the reason."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from actionplan.partnerships import suggest as engine
from actionplan.partnerships.suggest import NEEDS_FILE, ConceptsError, parse_needs, suggest
from actionplan.plans.models import Action, PlanVersion


@pytest.fixture
def needs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Replaces the bundled needs by those given to the returned function."""

    def use(actions: dict[str, dict[str, list[str]]]) -> None:
        parsed = parse_needs({"actions": actions}, "test.json")
        monkeypatch.setattr(engine, "_needs", lambda: parsed)
        # The needs alone: no example proposal either.
        monkeypatch.setattr(engine, "_examples", lambda: ())

    yield use


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "test.json: expected an object with an object under 'actions'"),
        ({"actions": {"a.1": []}}, "test.json: actions['a.1']: expected an object with 'ja'"),
        ({"actions": {"a.1": {"de": ["x"]}}}, "test.json: actions['a.1']: expected an object"),
        (
            {"actions": {"a.1": {"ja": []}}},
            "test.json: actions['a.1'].ja: expected a non-empty list of strings",
        ),
        (
            {"actions": {"a.1": {"ja": ["展示会に出たい"], "en": ["booth", 3]}}},
            "test.json: actions['a.1'].en: expected a non-empty list of strings",
        ),
    ],
)
def test_bad_needs_are_refused_with_the_entry_and_field(data: Any, message: str) -> None:
    with pytest.raises(ConceptsError) as error:
        parse_needs(data, "test.json")
    assert str(error.value).startswith(message)


def test_the_bundled_needs_cover_every_action_of_the_plan(plan_version: PlanVersion) -> None:
    bundled = json.loads(NEEDS_FILE.read_text(encoding="utf-8"))["actions"]
    keys = set(Action.objects.filter(version=plan_version).values_list("key", flat=True))
    assert set(bundled) == keys
    for entry in bundled.values():
        assert 4 <= len(entry["ja"]) and 4 <= len(entry["en"])
        # English phrases are English (no kana or kanji).
        assert not any(re.search(r"[\u3040-\u30ff\u3400-\u9fff]", p) for p in entry["en"])


def test_a_need_leads_to_its_action_and_is_named_in_the_reason(
    plan_version: PlanVersion, needs: Any
) -> None:
    # Any action, and a need none of the plan's records writes.
    action = Action.objects.filter(version=plan_version).order_by("key").last()
    assert action is not None
    needs({})
    assert suggest("zyxwq qwxyz", english=True)["action"] == []
    needs({action.key: {"ja": ["ズィクワク"], "en": ["zyxwq"]}})
    with translation.override("en"):
        ranked = suggest("We would like zyxwq for our team", english=True)["action"]
    assert [s.key for s in ranked] == [action.key]
    assert ranked[0].related_terms == ["zyxwq"]
    with translation.override("ja"):
        ranked = suggest("ズィクワクをお願いしたい", english=False)["action"]
        assert ranked[0].key == action.key
        assert ranked[0].reason == "関連語: ズィクワク"


def test_an_action_s_needs_alone_lead_to_it(plan_version: PlanVersion) -> None:
    # A proposal written in nothing but the needs of an action finds that action among the
    # first five, in either language, for (nearly) every action of the plan.
    bundled = json.loads(NEEDS_FILE.read_text(encoding="utf-8"))["actions"]
    for language in ("ja", "en"):
        found = sum(
            key
            in {
                s.key
                for s in suggest("\n".join(entry[language]), english=language == "en")["action"]
            }
            for key, entry in bundled.items()
        )
        assert found >= 0.95 * len(bundled), language


def test_the_index_follows_the_needs(plan_version: PlanVersion, needs: Any) -> None:
    action = Action.objects.filter(version=plan_version).order_by("key").first()
    assert action is not None
    needs({action.key: {"en": ["zyxwq"]}})
    assert suggest("zyxwq", english=True)["action"][0].key == action.key
    needs({})
    assert suggest("zyxwq", english=True)["action"] == []
