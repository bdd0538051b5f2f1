from __future__ import annotations

from actionplan.plans.models import PlanVersion
from actionplan.search import relevance


def test_relevance_set_has_the_query_kinds_the_issue_asks_for() -> None:
    judgements = relevance.load()
    assert len(judgements) >= 40
    assert {j.category for j in judgements} >= {
        "two_character",
        "one_character",
        "full_width",
        "english",
        "spelling_variant",
        "multi_word",
    }


def test_recall_at_10_on_the_bundled_plan_is_at_least_95_percent(
    plan_version: PlanVersion,
) -> None:
    scores = relevance.evaluate(relevance.our_search, relevance.load())
    recall, precision = relevance.overall(scores)
    assert recall >= 0.95, relevance.table(scores)
    assert precision >= 0.85, relevance.table(scores)
