"""The words an action page gives as the reason a record is related are words a reader knows,
never the stems the matching uses."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any

import pytest
from django.test import Client

from actionplan.partnerships.suggest import terms
from actionplan.plans.models import Action, Milestone, Partnership, PlanVersion
from actionplan.portal.related import rank
from actionplan.resources import DATA_DIR


def test_related_reasons_show_words_not_stems(client: Client, plan_version: PlanVersion) -> None:
    # Words read earlier in the process (a proposal's "carry") must not stand in for the
    # action's own ("carried"): the full suite once showed "carry", "operate", "realized".
    terms("Firms carry parts, operate plants and realized gains.")
    reasons = []
    for action in Action.objects.filter(version=plan_version).order_by("pk"):
        page = client.get(f"/en/actions/{action.pk}/").content.decode()
        reasons += re.findall(r"Why related: shares the words “([^”]*)”", page)
    assert reasons
    # An English list, each Japanese word left on the page marked as Japanese.
    assert not [r for r in reasons if "、" in r]
    words = [w for r in reasons for w in r.split(", ")]
    bare = [w for w in words if not w.isascii() and not w.startswith('<span lang="ja">')]
    assert bare == []
    english = [html.unescape(w) for w in words if w.isascii()]
    assert len(english) > len(words) / 2  # the English pages give English words as reasons
    # Snowball stems end cut (concentr, technolog); every word shown is one the text has.
    texts = " ".join(  # folded as the matching folds them (CO₂ → co2)
        [f"{a.text_en} {a.group_en}" for a in Action.objects.filter(version=plan_version)]
        + [f"{d.text_en} {d.group_en}" for d in Milestone.objects.filter(version=plan_version)]
        + [p.title_en for p in Partnership.objects.filter(version=plan_version)]
    )
    words_of_texts = set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", texts).lower()))

    # A Japanese term may be given by its glossary English (水素 → hydrogen), as the glossary
    # writes it: never a plural made up for matching ("hubses").
    glossary = json.loads((DATA_DIR / "search" / "glossary.json").read_text(encoding="utf-8"))
    phrases = {t.lower() for group in glossary["groups"] for t in group if t.isascii()}

    def is_word(label: str) -> bool:  # as written, or the singular of what is written
        # Cased as the glossary writes it ("Nakanoshima Qross", "joint R&D").
        label = label.lower()
        return label in phrases or all(
            {w, w + "s", w + "es", w[:-1] + "ies"} & words_of_texts
            for w in re.findall(r"[a-z0-9]+", label)
        )

    assert [w for w in english if not is_word(w)] == []
    assert "hubses" not in english


def test_japanese_pages_give_words_of_the_japanese_text_where_it_shares_one(
    client: Client, plan_version: PlanVersion
) -> None:
    """An English word stands on a Japanese page only when the Japanese text writes it
    (「Nakanoshima Qross」) or when the record was matched by English words alone."""
    reasons = []
    for action in Action.objects.filter(version=plan_version).order_by("pk"):
        page = client.get(f"/actions/{action.pk}/").content.decode()
        # As the Japanese text (its own or its ▶ sub-items') writes it, capitals and all
        # (MaaS, never the stem "maa").
        texts = [action.text_ja, *action.children.values_list("text_ja", flat=True)]
        japanese = unicodedata.normalize("NFKC", "\n".join(texts))
        for reason in re.findall(r"関連の理由：共通する語「([^」]*)」", page):
            words = reason.split("、")
            reasons.append(reason)
            if all(w.isascii() for w in words):
                continue
            assert [w for w in words if w.isascii() and w not in japanese] == [], reason
    assert reasons
    words = [w for r in reasons for w in r.split("、")]
    assert len([w for w in words if not w.isascii()]) > len(words) / 2


def test_a_related_record_deleted_while_the_page_is_built_is_left_out(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page ranks the candidates on a few columns, then reads the shown ones whole: one
    # deleted in between (by staff in the admin) is no longer listed, and the page answers.
    from actionplan.portal import queries

    deleted: list[str] = []

    def rank_then_delete(action: Action, candidates: Any, **kwargs: Any) -> Any:
        ranked = rank(action, candidates, **kwargs)
        if ranked["milestone"] and not deleted:
            first = Milestone.objects.get(pk=ranked["milestone"][0].record["id"])
            deleted.append(first.text_ja)
            first.delete()
        return ranked

    monkeypatch.setattr(queries, "rank", rank_then_delete)
    for action in Action.objects.filter(version=plan_version).order_by("pk"):
        response = client.get(f"/actions/{action.pk}/")
        assert response.status_code == 200
        if deleted:
            break
    assert deleted, "no action page lists a development"
    assert html.escape(deleted[0]) not in response.content.decode()


def test_words_of_the_genre_relate_nothing(client: Client, plan_version: PlanVersion) -> None:
    """The plan's English says "initiatives inside and outside the Expo site", "promoting",
    "related fields" of everything, its Japanese 関連: sharing them, two records are not
    related, and neither language's page gives them as a reason."""
    genre = {"関連", "related", "initiative", "inside", "outside", "field", "promoting", "business"}
    given: set[str] = set()
    for action in Action.objects.filter(version=plan_version).order_by("pk"):
        for prefix, pattern, joiner in (
            ("", r"関連の理由：共通する語「([^」]*)」", "、"),
            ("/en", r"Why related: shares the words “([^”]*)”", ", "),
        ):
            page = client.get(f"{prefix}/actions/{action.pk}/").content.decode()
            for reason in re.findall(pattern, page):
                given |= {html.unescape(re.sub(r"<[^>]+>", "", w)) for w in reason.split(joiner)}
    assert given
    assert given & genre == set()


def test_what_an_action_s_sub_items_say_relates_it_too(
    client: Client, plan_version: PlanVersion
) -> None:
    # 「万博会場内外での取組」 says little itself; its ▶ sub-items say what it is about.
    parent = (
        Action.objects.filter(version=plan_version, parent__isnull=True, children__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert parent is not None
    child = parent.children.order_by("pk").first()
    assert child is not None
    child.text_ja = "量子暗号通信の共同実験"
    child.text_en = "Joint experiments in quantum cryptography"
    child.save()
    development = Milestone.objects.filter(version=plan_version).order_by("pk").first()
    assert development is not None
    development.text_ja = "量子暗号通信の実験網が稼働"
    development.text_en = "A quantum cryptography test network went live"
    development.save()
    for prefix, word in (("", "量子暗号通信"), ("/en", "quantum")):
        page = client.get(f"{prefix}/actions/{parent.pk}/").content.decode()
        section = page.split('id="milestones-heading"')[1].split("</section>")[0]
        first = re.findall(r"<li>(.*?)</li>", section, re.S)[0]
        assert html.escape(development.text_ja if not prefix else development.text_en) in first
        assert word in first.lower() or word in first


@pytest.mark.parametrize(
    ("word", "text", "shown"),
    [
        ("maa", "MaaS関連の実証", "MaaS"),  # the matching's singular of MaaS
        ("ips細胞", "iPS細胞の製造", "iPS細胞"),
        ("pr", "Promoting products at fairs (PR)", "PR"),  # not the start of "Promoting"
        ("pr", "Promoting products at fairs", "pr"),
        (
            "disseminating information",
            "Disseminating information at fairs",
            "disseminating information",
        ),
        ("expo site", "Initiatives inside and outside the Expo site", "Expo site"),
        ("水素", "Hydrogen", "水素"),
    ],
)
def test_a_reason_word_is_written_as_the_text_writes_it(
    plan_version: PlanVersion, word: str, text: str, shown: str
) -> None:
    from actionplan.portal.related import _as_written

    assert _as_written(word, text) == shown
