"""Text longer than Sudachi accepts (49,149 bytes of UTF-8) is analysed in pieces, whole."""

from __future__ import annotations

from actionplan.search.tokenize import (
    MAX_PIECE_CHARACTERS,
    analyze,
    document_terms,
    pieces,
    query_words,
)

SENTENCE = "関西の港湾で水素を使った荷役機械の実証を行います。"


def test_pieces_cover_the_text_in_order_and_stay_small() -> None:
    text = SENTENCE * 2000  # 50,000 characters, 150,000 bytes
    cut = list(pieces(text))
    assert "".join(piece for _offset, piece in cut) == text
    assert all(len(piece) <= MAX_PIECE_CHARACTERS for _offset, piece in cut)
    assert all(len(piece.encode()) < 49_149 for _offset, piece in cut)
    assert [offset for offset, _piece in cut] == [
        sum(len(p) for _o, p in cut[:i]) for i in range(len(cut))
    ]
    # Cut after a sentence end, never inside a word.
    assert all(piece.endswith("。") for _offset, piece in cut)


def test_a_text_without_breaks_is_cut_hard() -> None:
    text = "あ" * (MAX_PIECE_CHARACTERS * 2 + 10)
    assert [len(piece) for _offset, piece in pieces(text)] == [4096, 4096, 10]


def test_a_document_longer_than_the_tokenizer_accepts_is_indexed_to_its_end() -> None:
    text = SENTENCE * 1500 + "最後に蓄電池の話をします。"
    assert len(text.encode()) > 49_149
    assert "蓄電池" in document_terms(text)
    # Spans point into the whole text, past the first piece too.
    last = [span for span in analyze(text) if "蓄電池" in span.terms][-1]
    assert text[last.start : last.end] == "蓄電池"


def test_an_over_long_query_is_cut_into_words_without_failing() -> None:
    words = query_words("水素" * 20_000)
    assert words and all(word.forms for word in words)
