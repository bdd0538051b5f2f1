from __future__ import annotations

from actionplan.search.tokenize import document_terms, query_words


def test_full_width_and_case_fold_to_the_same_terms() -> None:
    assert document_terms("ｉＰＳ細胞") == document_terms("iPS細胞")
    assert "maas" in document_terms("ＭａａＳ実証")
    assert "maas" in query_words("ＭａａＳ")[0].forms


def test_spelling_variants_share_a_normalized_form() -> None:
    assert "取り組み" in document_terms("取組を推進")
    assert "取り組み" in document_terms("取り組みを推進")
    assert document_terms("ｽﾀｰﾄｱｯﾌﾟ") == document_terms("スタートアップ")


def test_two_character_words_are_terms_of_their_own() -> None:
    terms = document_terms("水素エネルギーと人材育成、万博の開催")
    assert {"水素", "人材", "万博"} <= set(terms)


def test_long_and_short_units_and_kanji_pieces_are_indexed() -> None:
    terms = set(document_terms("次世代蓄電池の開発"))
    assert {"蓄電池", "蓄電", "電池", "池"} <= terms


def test_english_plurals_match_their_singular_but_names_are_kept() -> None:
    assert {"startups", "startup"} <= set(document_terms("Supporting startups"))
    assert "maa" not in document_terms("MaaS")
    assert [w.forms for w in query_words("startups")] == [("startups", "startup")]


def test_terms_hold_only_letters_and_digits() -> None:
    for term in document_terms("「空飛ぶクルマ」・MaaS（2025年）<script>alert('x')</script>"):
        assert all(c.isalnum() for c in term), term


def test_particles_and_english_stop_words_are_not_terms() -> None:
    assert "の" not in document_terms("万博の開催")
    assert "and" not in document_terms("hydrogen and batteries")
