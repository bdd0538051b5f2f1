from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships.evaluate import DEFAULT_SET, SuggestionSetError, evaluate
from actionplan.partnerships.suggest import character_grams, english_words, suggest, terms
from actionplan.plans.models import Action, Partnership, PlanVersion

# Measured on the 42 proposals of actionplan/data/partnerships/suggestion_set.json (Dec 2026):
# overall 0.905, Japanese 0.949, English 0.830 (the engine before: 0.913, 0.937, 0.872); with
# the other sets' proposals as examples (and never its own), 0.913 (0.937, 0.872); with their
# vote too, 0.905 (0.899, 0.915); with fifteen other sets' examples, 0.921 (0.911, 0.936).
RECALL_AT_5_FLOOR = 0.90
ENGLISH_RECALL_AT_5_FLOOR = 0.85
# The sets written from the plan's text in other words (see actionplan/data/partnerships/README.md):
# suggestion_set_dev2.json 0.750 (Japanese 0.771, English 0.730) and suggestion_set_dev3.json
# 0.741 (0.750, 0.733). Floors, so that a change tuned to one set shows on the others.
SET_FLOORS = [
    # Each set is measured without its own proposals among the examples (action_examples.json,
    # README "Suggestions"), as for proposals the desk has never seen. 2026-12-08, with the
    # examples of the fifteen other sets and their vote (overall, Japanese, English):
    # dev2 0.917 (0.914, 0.919), dev3 0.889 (0.917, 0.867), held-out 0.921 (0.889, 0.950).
    ("suggestion_set_dev2.json", 0.83, 0.85),
    ("suggestion_set_dev3.json", 0.85, 0.83),
    ("suggestion_set_holdout.json", 0.84, 0.83),
    # The blind sets, each written by a reader who saw neither the engine nor the other sets
    # (see the sets' README; their figures before the examples are there too):
    # blind 0.955 (0.909, 1.000), blind2 0.846 (0.859, 0.831), blind3 0.820 (0.820, 0.821),
    # blind4 0.855 (0.800, 0.915), blind5 0.883 (0.869, 0.898), blind6 0.853 (0.833, 0.875),
    # blind7 0.881 (0.897, 0.863), blind8 0.921 (0.949, 0.891), blind9 0.836 (0.778, 0.898).
    # blind10-12, measured once on arrival with the thirteen earlier sets' examples: 0.752,
    # 0.770, 0.772; with each other's examples too: 0.760 (0.788, 0.730), 0.778 (0.765,
    # 0.791), 0.809 (0.838, 0.779).
    ("suggestion_set_blind.json", 0.91, 0.95),
    ("suggestion_set_blind2.json", 0.79, 0.82),
    ("suggestion_set_blind3.json", 0.75, 0.72),
    ("suggestion_set_blind4.json", 0.80, 0.87),
    ("suggestion_set_blind5.json", 0.85, 0.89),
    ("suggestion_set_blind6.json", 0.78, 0.79),
    ("suggestion_set_blind7.json", 0.84, 0.80),
    ("suggestion_set_blind8.json", 0.87, 0.83),
    ("suggestion_set_blind9.json", 0.78, 0.85),
    ("suggestion_set_blind10.json", 0.72, 0.69),
    ("suggestion_set_blind11.json", 0.74, 0.75),
    ("suggestion_set_blind12.json", 0.77, 0.74),
]


def test_terms_keep_two_character_words_and_fold_width() -> None:
    found = terms("水素と蓄電池、ＡＩを活用した万博の人材育成")
    assert {"水素", "蓄電池", "ai", "万博", "人材育成"} <= found
    assert "活用" not in found  # a word of the genre, in every text


def test_english_words_meet_their_other_forms() -> None:
    # Snowball stems: the plan's English says "development", a proposal "developing".
    assert terms("developing new routes") & terms("route development") >= {"develop", "rout"}
    # Glossary phrases in the plural and hyphenated count as their Japanese term.
    assert "実証" in terms("two field trials") and "実証" in terms("demonstrations")
    assert "カーボンニュートラル" in terms("carbon-neutral ports")
    assert "次世代" in terms("next-generation batteries")


def test_a_long_glossary_phrase_also_counts_as_the_phrases_inside_it() -> None:
    # "next-generation batteries" is a phrase of its own (次世代蓄電池), which must not hide
    # what an English proposal shares with 蓄電池 or 次世代 actions.
    assert {"次世代蓄電池", "次世代", "蓄電池"} <= terms("next-generation batteries")
    assert {"水素", "燃料電池"} <= terms("a hydrogen fuel cell ship")
    # Only whole words: "trial" is no phrase inside "industrial".
    assert "実証" not in terms("industrial parks")
    # A phrase inside a phrase counts only when its Japanese term is written in the longer
    # one's: "nursing care" is 介護, and its "nursing" is not also 看護.
    assert "介護" in terms("nursing care robots") and "看護" in terms("nursing staff")
    assert "看護" not in terms("nursing care robots")


def test_the_words_of_the_field_lead_to_the_plan_s_terms() -> None:
    # Abbreviations and everyday words a proposer writes for the plan's terms.
    assert "水素" in terms("lightweight H2 tanks")
    assert "コンソーシアム" in terms("開発の協議体を立ち上げたい")
    assert "資金調達" in terms("資金集めの相談")
    assert "テレワーク" in terms("remote work for parents")


def test_japanese_glossary_terms_count_however_sudachi_cuts_them() -> None:
    # Sudachi cuts 自動運転での into 自動 + 運転; the English "self-driving" must still meet it.
    assert "自動運転" in terms("自動運転での移動サービスの普及拡大")
    assert "自動運転" in terms("self-driving shuttle bus")
    # A Japanese synonym of the group leads to its first term, as the English does.
    assert "事業化" in terms("観光分野でのビジネス化") & terms("commercialization")


def test_english_reasons_show_words_not_stems(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest("autonomous mobility services for residents", english=True)
    shared = [t for s in ranked["action"] for t in s.shared_terms]
    assert "service" in shared
    assert "servic" not in shared and "mobil" not in shared


def test_each_suggestion_says_why(plan_version: PlanVersion) -> None:
    with translation.override("ja"):
        ranked = suggest(
            "水素と蓄電池を使った港湾の脱炭素化", ["carbon_neutral"], ["280003"], limit=5
        )
    first = ranked["action"][0]
    assert first.key.startswith("carbon_neutral.")
    assert "共通語: " in first.reason
    assert "テーマ: カーボンニュートラル" in first.reason
    assert any("水素" in s.shared_terms for s in ranked["action"])
    assert ranked["hub"][0].key == "高砂水素パーク"
    assert "兵庫県" in [s.label_ja for s in ranked["government"]]
    assert all(len(items) <= 5 for items in ranked.values())


def test_reasons_are_translated(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest("hydrogen supply chain", ["carbon_neutral"], english=True)
        reason = ranked["action"][0].reason
    assert reason.startswith("Shared terms: ") and "hydrogen" in reason
    assert "水素" not in reason  # glossary terms are shown in English on English pages
    assert "Theme: Carbon" in reason


def test_recall_at_5_on_the_public_test_set_stays_above_the_floor(
    plan_version: PlanVersion,
) -> None:
    evaluation = evaluate()
    assert len(evaluation.results) >= 40
    assert len([r for r in evaluation.results if r.language == "en"]) >= 10
    assert evaluation.languages == ["en", "ja"]
    assert evaluation.recall_of("en") >= ENGLISH_RECALL_AT_5_FLOOR
    assert evaluation.recall >= RECALL_AT_5_FLOOR, [
        (r.id, r.missed) for r in evaluation.results if r.missed
    ]


@pytest.mark.parametrize(("name", "floor", "english_floor"), SET_FLOORS)
def test_recall_at_5_on_the_other_test_sets_stays_above_the_floor(
    plan_version: PlanVersion, name: str, floor: float, english_floor: float
) -> None:
    # Every key of a set exists in the bundled plan (evaluate refuses unknown ones).
    evaluation = evaluate(DEFAULT_SET.with_name(name))
    assert len(evaluation.results) >= 12
    assert len([r for r in evaluation.results if r.language == "en"]) >= 6
    assert evaluation.recall_of("en") >= english_floor
    assert evaluation.recall >= floor, [(r.id, r.missed) for r in evaluation.results if r.missed]


def test_character_grams_meet_across_compound_splits() -> None:
    # 全固体電池 and 蓄電池 are different words to Sudachi, but both are about 電池.
    assert "電池" in character_grams("全固体電池の試作") & character_grams("次世代蓄電池の実用化")
    # Place names stay out here too, and hiragana joins nothing.
    assert not {"大阪", "神戸"} & character_grams("大阪と神戸の港湾")
    # An English proposal gets the bigrams of the Japanese terms its glossary phrases stand for.
    assert "電池" in character_grams("solid-state storage batteries")


def test_an_english_proposal_meets_the_plans_own_english(plan_version: PlanVersion) -> None:
    # No glossary group holds "rolling out", "model" or "areas": the action's own English text
    # ("Rolling out model cases to other areas") is what they meet.
    assert {"roll", "model", "area"} <= english_words("Rolling out model cases to other areas")
    with translation.override("en"):
        ranked = suggest(
            "Rolling out a model case of shared taxis to other areas",
            ["air_mobility_maas"],
            english=True,
        )
    first = ranked["action"][0]
    assert first.key == "air_mobility_maas.2025.members.87293dd712"
    assert {"model", "area"} <= set(first.shared_terms)


def test_a_suggestion_shows_each_word_once(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest("Internships for students at local companies", english=True)
    for items in ranked.values():
        for item in items:
            assert len(item.shared_terms) == len(set(item.shared_terms)), item.shared_terms


def test_suggestions_reuse_the_analysed_plan(
    plan_version: PlanVersion, django_assert_max_num_queries: Any
) -> None:
    suggest("水素サプライチェーンの構築", ["carbon_neutral"])
    # The candidates are read and analysed once per state of the data, not for every page
    # (it was one query per action, 175 in all, and 0.4 s).
    with django_assert_max_num_queries(10):
        ranked = suggest("蓄電池のリサイクル", ["carbon_neutral"], ["360007"])
    assert ranked["action"]


def test_the_test_set_refuses_unknown_keys(plan_version: PlanVersion, tmp_path: Path) -> None:
    data = json.loads(DEFAULT_SET.read_text(encoding="utf-8"))
    data["proposals"][1]["expected"]["action"] = ["no.such.key"]
    broken = tmp_path / "set.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SuggestionSetError, match=r"proposal 2 .*no\.such\.key"):
        evaluate(broken)


def test_the_staff_page_shows_suggestions_with_reasons(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    page = client_for(bureau_staff).get(f"/desk/proposals/{submitted.proposal.pk}/")
    text = page.content.decode()
    assert "関連する取組・拠点・公民連携・府県市" in text
    assert "共通語: 水素" in text
    assert "高砂水素パーク" in text


def test_english_is_read_as_english_and_meets_the_japanese_terms() -> None:
    found = terms(
        "A study of hydrogen for ports and storage batteries between Osaka and Kobe, "
        "with flying cars"
    )
    # Stop words are dropped, not turned into katakana (for → フォー, and → アンド).
    assert not {"フォー", "アンド", "スタディー", "ビトウィーン", "オブ", "ウィズ"} & found
    assert not {"for", "and", "of", "between", "with", "a"} & found
    # Glossary phrases give their Japanese terms; plurals are read as singular.
    assert {"水素", "蓄電池", "空飛ぶクルマ", "port"} <= found
    # Place names say where, not what, in English as in Japanese.
    assert not {"osaka", "kobe"} & found


def test_an_english_proposal_shares_no_stop_words(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest(
            "Proposal for a study of hydrogen refuelling between ports and the airport",
            ["carbon_neutral"],
            english=True,
        )
    shared = {t for items in ranked.values() for s in items for t in s.shared_terms}
    assert any("hydrogen" in t.lower() for t in shared)
    assert not {"フォー", "アンド", "オブ", "ビトウィーン"} & shared


def test_an_agreed_proposal_is_not_pointed_at_its_own_agreement(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    from actionplan.partnerships.models import AgreementDraft
    from actionplan.partnerships.suggest import suggest_for_proposal
    from actionplan.plans.models import MemberGovernment

    proposal = submitted.proposal
    actions.screen_proposal(bureau_staff, proposal)
    actions.refer_proposal(
        bureau_staff, proposal, governments=[MemberGovernment.objects.get(lg_code="270008")]
    )
    actions.start_discussion(bureau_staff, proposal)
    actions.agree_proposal(bureau_staff, proposal)
    draft = AgreementDraft.objects.get(proposal=proposal)
    draft.date_year, draft.date_month = 2026, 4
    draft.save()
    partnership = actions.publish_agreement(bureau_staff, draft)
    proposal.refresh_from_db()
    # The published agreement shares every word with the proposal: it would rank first.
    assert partnership.key in {
        s.key for s in suggest(proposal.title + proposal.summary)["partnership"]
    }
    keys = {s.key for s in suggest_for_proposal(proposal)["partnership"]}
    assert partnership.key not in keys


def test_place_names_are_no_shared_subject(plan_version: PlanVersion) -> None:
    found = terms("大阪と神戸の港湾で水素を使う")
    assert {"港湾", "水素"} <= found
    assert not {"大阪", "神戸"} & found
    ranked = suggest("大阪で商談会を開きたい")
    # No hub is suggested for sharing nothing but a place name.
    assert all(s.shared_terms for s in ranked["hub"])
    assert not any(set(s.shared_terms) <= {"大阪", "おおさか"} for s in ranked["hub"])


def test_a_reason_word_is_written_as_the_text_in_front_of_the_reader_writes_it() -> None:
    # Another text read earlier in the process ("carry", "operate") must not decide the word
    # shown for this one, which writes "carried" and "operation".
    from actionplan.partnerships.suggest import shown, terms

    terms("Companies carry parts and operate plants.")
    text = "Trials were carried out before the operation of the plant."
    found = terms(text)
    labels = {shown(t, text) for t in found if t.isascii()}
    assert {"carried", "operation"} <= labels
    assert not {"carry", "operate"} & labels


def test_english_place_names_are_no_shared_subject(plan_version: PlanVersion) -> None:
    text = (
        "Hydrogen ferry for Osaka bay\nWe are a shipping company and want to study a hydrogen "
        "fuel cell ferry route between Kobe and Osaka. We look for partners in Kyoto too."
    )
    found = english_words(text) | terms(text)
    assert {"osaka", "kobe", "kyoto", "study", "partner"}.isdisjoint(found)
    with translation.override("en"):
        ranked = suggest(text, english=True)
    shared = {t for items in ranked.values() for s in items for t in s.shared_terms}
    assert any("hydrogen" in t.lower() for t in shared)
    assert {"osaka", "kobe", "kyoto", "study", "partner", "partners"}.isdisjoint(shared)
    # Every hub and agreement suggested shares a subject with the proposal, not a place.
    for kind in ("hub", "partnership"):
        assert all(s.shared_terms or s.related_terms for s in ranked[kind])


def test_a_japanese_page_names_an_english_proposal_s_words_in_japanese(
    plan_version: PlanVersion,
) -> None:
    text = "Hydrogen supply chain\nWe want to build a hydrogen supply chain for ports."
    with translation.override("ja"):
        ranked = suggest(text, english=False)
    reasons = [s.shared_terms for s in ranked["action"]]
    assert any("水素" in words for words in reasons)
    # Not the same word twice, once in each language.
    assert not any("hydrogen" in words for words in reasons)


PROPOSAL_EN = (
    "Joining a trade fair booth\nWe are a biotech venture and want to exhibit at a trade fair "
    "with pharmaceutical businesses, and test our iPS cell culture device. Our office is in "
    "Kobe City (Example Co., Ltd.)."
)


def test_a_japanese_page_shows_no_ordinary_english_word_beside_japanese_terms(
    plan_version: PlanVersion,
) -> None:
    with translation.override("ja"):
        ranked = suggest(PROPOSAL_EN, english=False)
    for kind in ("action", "hub", "government"):
        for s in ranked[kind]:
            words = [*s.shared_terms, *s.related_terms]
            japanese = [w for w in words if not w.isascii()]
            # "fair", "trade", "business" only where nothing Japanese says it.
            if japanese:
                assert all(not w.isascii() or not w[1:].islower() for w in words), (kind, words)
    shared = [w for s in ranked["action"] for w in s.shared_terms]
    assert "見本市" in shared
    # A Latin term is shown as written (iPS細胞), not folded (ips細胞).
    assert any("iPS細胞" in w for s in ranked["action"] + ranked["hub"] for w in s.shared_terms)
    assert not any("ips" in w for s in ranked["action"] + ranked["hub"] for w in s.shared_terms)


def test_a_word_of_a_phrase_shown_is_not_shown_again(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        # The first ten, where the actions the iPS cell meets come after those of the trade fair.
        ranked = suggest(PROPOSAL_EN, english=True, limit=10)
    fair = [s for s in ranked["action"] if "trade fair" in s.shared_terms]
    assert fair
    for s in fair:
        assert not {"fair", "trade"} & {*s.shared_terms, *s.related_terms}
    for s in ranked["action"] + ranked["hub"]:
        # No term twice, once shared and once related.
        assert not set(s.shared_terms) & set(s.related_terms)
    assert any("iPS cell" in w for s in ranked["action"] for w in s.shared_terms)


def test_a_name_s_legal_form_is_no_shared_word_and_plurals_in_sses_meet() -> None:
    found = english_words("Kobe City, Hyogo Prefecture, Example Co., Ltd. and Inc.")
    assert {"citi", "city", "prefectur", "co", "ltd", "inc"}.isdisjoint(found)
    assert english_words("businesses") == english_words("business")
    assert english_words("processes") == english_words("process")


PROPOSAL_JA = (
    "バイオベンチャーの展示会出展と製薬会社との商談について\n"
    "当社は創薬シーズのライセンス先を探しているバイオベンチャーです。海外の見本市に出展し、"
    "製薬会社と商談したい。"
)


def test_shared_words_are_the_proposal_s_own_and_none_is_named_twice(
    plan_version: PlanVersion,
) -> None:
    found = terms(PROPOSAL_JA)
    with translation.override("ja"):
        ranked = suggest(PROPOSAL_JA, ["life_science"], english=False)
        reasons = {kind: [s.reason for s in ranked[kind]] for kind in ranked}
    for kind in ("action", "partnership", "hub", "government"):
        for s in ranked[kind]:
            # 共通語 are words the proposal writes, not a candidate's words that hold a
            # fragment of one (カンファレンス by the "ンス" of ライセンス, 株式会社 by 会社).
            for word in s.shared_terms:
                assert word in found or word in PROPOSAL_JA, (kind, word, s.shared_terms)
            related = s.related_terms
            assert not {"会社", "株式会社", "事業会社", "カンファレンス", "コンファレンス"} & {
                *s.shared_terms,
                *related,
            }
            # No word twice: not the same, not one inside the other (展示 / 展示会), not the
            # theme again.
            for word in s.shared_terms:
                assert not any(word in other for other in related), (word, related)
                assert word not in s.themes
            for word in related:
                assert not any(word in other for other in s.shared_terms), (word, s.shared_terms)
    assert any("共通語: " in reason for reason in reasons["action"])


def test_an_english_page_names_governments_in_english_words(plan_version: PlanVersion) -> None:
    with translation.override("en"):
        ranked = suggest(PROPOSAL_JA, ["life_science"], english=True)
    for s in ranked["government"]:
        english = [w for w in s.shared_terms if w.isascii()]
        if english:
            assert english == s.shared_terms, s.shared_terms


def test_every_suggestion_says_why_it_is_listed_in_the_page_s_language(
    plan_version: PlanVersion,
) -> None:
    # A government carrying suggested work that shares no word to show (奈良県 for a university
    # accelerator, 京都府 for a hydrogen supply chain) was listed with an empty reason, and so was
    # a hub whose only words were its own name (神戸医療産業都市 for battery engineers).
    proposals = json.loads(DEFAULT_SET.read_text(encoding="utf-8"))["proposals"]
    counted = 0
    for proposal in proposals:
        english = proposal["language"] == "en"
        with translation.override(proposal["language"]):
            ranked = suggest(
                f"{proposal['title']}\n{proposal['summary']}", proposal["themes"], english=english
            )
            for kind in ("action", "partnership", "hub", "government"):
                for s in ranked[kind]:
                    assert s.reason, (proposal["id"], kind, s.label_ja)
            shown = [s.key for s in ranked["action"] + ranked["partnership"]]
            for s in ranked["government"]:
                note = "related action" if english else "関連する取組・協定"
                counted += note in s.reason
                if english:
                    assert not re.search("[ぁ-んァ-ン一-龯]", s.reason), s.reason
                # The count is of the work listed on the page.
                number = re.search(r"(\d+)(?: related|件を実施)", s.reason)
                if number:
                    carried = (
                        Action.objects.filter(
                            key__in=shown, member_governments__lg_code=s.key
                        ).count()
                        + Partnership.objects.filter(
                            key__in=shown, member_governments__lg_code=s.key
                        ).count()
                    )
                    assert int(number.group(1)) == carried, (proposal["id"], s.reason)
    assert counted


def test_an_english_label_is_cased_as_the_glossary_writes_it() -> None:
    from actionplan.partnerships.suggest import english_label

    assert english_label("共同研究") == "joint R&D"
    assert english_label("水素") == "hydrogen"


def test_a_name_with_a_bracketed_alias_is_not_its_own_reason(plan_version: PlanVersion) -> None:
    # 京都大学iPS細胞研究所（CiRA） gave 「関連語: 京都大学ips細胞研究所」: its own name, folded.
    def bare(name: str) -> str:
        name = unicodedata.normalize("NFKC", name)
        return re.sub(r"\s*\([^()]*\)\s*", " ", name).casefold().strip()

    proposals = json.loads(DEFAULT_SET.read_text(encoding="utf-8"))["proposals"]
    texts = [f"{p['title']}\n{p['summary']}" for p in proposals]
    texts.append("工作機械にセンサーを後付けしたい。大学の先生に技術指導をお願いしたい。")
    seen = 0
    for text in texts:
        with translation.override("ja"):
            ranked = suggest(text, english=False)
        for s in ranked["hub"] + ranked["partnership"]:
            names = {bare(s.label_ja), bare(s.label_en)}
            words = {bare(w) for w in [*s.shared_terms, *s.related_terms]}
            seen += "(" in unicodedata.normalize("NFKC", s.label_ja)
            assert not names & words, s.reason
    assert seen  # names with an alias were among the suggestions


def test_a_hub_is_not_its_own_reason(plan_version: PlanVersion) -> None:
    text = "Hydrogen fuel-cell ferry\nWe plan a hydrogen fuel-cell ferry demonstration with a port."
    for english in (False, True):
        with translation.override("en" if english else "ja"):
            ranked = suggest(text, ["carbon_neutral"], english=english)
        for s in ranked["hub"] + ranked["partnership"]:
            names = {s.label_ja.casefold(), s.label_en.casefold()}
            assert not names & {w.casefold() for w in [*s.shared_terms, *s.related_terms]}, s.reason
