"""One tokenizer for the index and for queries, so SQLite and PostgreSQL see the same terms.

Text is cut into Latin/digit words (ASCII or full width) and Japanese runs. Latin words are NFKC
normalized and case folded (ｉＰＳ → ips) and English plurals get a light stem (startups → startup).
Japanese runs go through Sudachi (``sudachidict_core``); each morpheme contributes its normalized
form (取組 → 取り組み, ｽﾀｰﾄｱｯﾌﾟ → スタートアップ, クルマ → 車), NFKC and case folded. Documents
are indexed with the short (A) units and the long (C) units, so that both a part of a compound
(蓄電 in 蓄電池) and the compound itself are found; a query is cut into C units, each of which also
matches its A units.

A term only ever holds letters and digits (Unicode categories L and N), and at most
``MAX_TERM_LENGTH`` of them (a longer run is no word anyone types, and PostgreSQL refuses
lexemes of 2 KB): the match index then keeps every term as it is, one FTS5 token or one
PostgreSQL lexeme.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sudachipy import Dictionary, SplitMode

LATIN_WORD = re.compile(r"[0-9A-Za-z\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]+")
# Parts of speech that carry no meaning of their own in a search (particles, auxiliaries, blanks).
SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
# English function words: in every English text, so they would match everything.
STOP_WORDS = frozenset(
    "a an and are as at be by for from in into is it its of on or that the this to with".split()
)

# Longer runs of letters are left out of the index and of queries alike.
MAX_TERM_LENGTH = 100

# Sudachi refuses an input of more than 49,149 bytes of UTF-8 ("Input is too long"). Longer text
# (a 20,000-character proposal is 60,000 bytes) is analysed in pieces of at most this many
# characters — at most 16 KiB even at four bytes a character — each cut after a sentence end or
# a blank where the piece has one, so that a cut rarely falls inside a word.
MAX_PIECE_CHARACTERS = 4096
_PIECE_BREAKS = ("。", "．", "！", "？", "\n", ". ", "　", " ")

_local = threading.local()


def pieces(text: str, size: int = MAX_PIECE_CHARACTERS) -> Iterator[tuple[int, str]]:
    """``text`` cut into (offset, piece) of at most ``size`` characters, in order."""
    start = 0
    while len(text) - start > size:
        limit = start + size
        # The last break in the second half of the window; a window without one is cut hard.
        cut = max(text.rfind(mark, start + size // 2, limit) for mark in _PIECE_BREAKS)
        end = cut + 1 if cut >= 0 else limit
        yield start, text[start:end]
        start = end
    yield start, text[start:]


def morphemes(tokenizer: Any, text: str, mode: Any) -> Iterator[tuple[int, Any]]:
    """Sudachi's morphemes of a text of any length, each with the offset of its piece."""
    for offset, piece in pieces(text):
        if piece:
            for morpheme in tokenizer.tokenize(piece, mode):
                yield offset, morpheme


def _tokenizer() -> Any:
    # Sudachi tokenizers are not safe to share between threads; one per thread is cheap.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = Dictionary(dict="core").tokenizer()
        _local.tokenizer = tokenizer
    return tokenizer


def reading(text: str) -> str:
    """The text's reading in katakana, as Sudachi gives it (水素 → スイソ)."""
    return "".join(m.reading_form() for _offset, m in morphemes(_tokenizer(), text, SplitMode.C))


def fold(text: str) -> str:
    """NFKC and case folding: what both the index and the queries compare."""
    return unicodedata.normalize("NFKC", text).casefold()


def stem(word: str) -> str:
    """A light English stem: plurals only, so that startups finds startup and back."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _letter_runs(text: str) -> list[str]:
    """Split folded text into runs of letters and digits; everything else separates. Runs of
    more than MAX_TERM_LENGTH characters are left out."""
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        if unicodedata.category(char)[0] in "LN":
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return [run for run in runs if len(run) <= MAX_TERM_LENGTH]


@dataclass(frozen=True)
class Span:
    """A piece of the original text (start, end) and the terms it stands for."""

    start: int
    end: int
    terms: tuple[str, ...]


def _latin_terms(word: str) -> tuple[str, ...]:
    folded = fold(word)
    if folded in STOP_WORDS or len(folded) > MAX_TERM_LENGTH:
        return ()
    plain = unicodedata.normalize("NFKC", word)
    # Only ordinary words get a plural stem: MaaS and iPS are names, not plurals.
    stemmed = stem(folded) if plain[1:].islower() or plain.islower() else folded
    return (folded,) if stemmed == folded else (folded, stemmed)


def _japanese_spans(text: str, offset: int, modes: tuple[Any, ...]) -> Iterator[Span]:
    tokenizer = _tokenizer()
    seen: set[tuple[int, int]] = set()
    for mode in modes:
        for piece_offset, morpheme in morphemes(tokenizer, text, mode):
            if morpheme.part_of_speech()[0] in SKIPPED_POS:
                continue
            where = (piece_offset + morpheme.begin(), piece_offset + morpheme.end())
            if where in seen:
                continue
            seen.add(where)
            terms = tuple(_letter_runs(fold(morpheme.normalized_form())))
            if terms:
                yield Span(offset + where[0], offset + where[1], terms)


def _spans(text: str, modes: tuple[Any, ...]) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in LATIN_WORD.finditer(text):
        # Between English words there is mostly blank and punctuation: no need for Sudachi.
        if match.start() > position and not text[position : match.start()].isascii():
            spans.extend(_japanese_spans(text[position : match.start()], position, modes))
        terms = _latin_terms(match.group())
        if terms:
            spans.append(Span(match.start(), match.end(), terms))
        position = match.end()
    if position < len(text):
        spans.extend(_japanese_spans(text[position:], position, modes))
    return spans


@lru_cache(maxsize=8192)
def analyze(text: str) -> tuple[Span, ...]:
    """Spans of a document text with their terms (A and C units), in text order."""
    spans = _spans(text, (SplitMode.A, SplitMode.C))
    spans.sort(key=lambda s: (s.start, -s.end))
    return tuple(spans)


def is_ideograph(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@lru_cache(maxsize=4096)
def document_terms(text: str) -> tuple[str, ...]:
    """Every term of a document text, in order, repeated as often as it occurs.

    Each kanji of the text is also a term, once, after the others: a one-character query (薬)
    then finds the words that hold it anywhere (創薬, 医薬品), not only those it begins. So are
    the two-kanji pieces of longer kanji words: 電池 finds 蓄電池, which Sudachi cuts 蓄電|池.
    """
    terms = [term for span in analyze(text) for term in span.terms]
    kanji = dict.fromkeys(c for c in unicodedata.normalize("NFKC", text) if is_ideograph(c))
    pieces = dict.fromkeys(
        term[i : i + 2]
        for term in terms
        if len(term) > 2 and all(is_ideograph(c) for c in term)
        for i in range(len(term) - 1)
    )
    known = set(terms)
    return (*terms, *(p for p in {**pieces, **kanji} if p not in known))


def word_boundaries(text: str) -> frozenset[int]:
    """The offsets where Sudachi's long units (C) of a query begin and end, particles and
    punctuation included: where a query may be cut without cutting one of its words."""
    found = {0, len(text)}
    for offset, morpheme in morphemes(_tokenizer(), text, SplitMode.C):
        found.add(offset + morpheme.begin())
        found.add(offset + morpheme.end())
    return frozenset(found)


@dataclass(frozen=True)
class QueryWord:
    """A query word: the forms that match it alone, and the short units it also matches as."""

    forms: tuple[str, ...]
    parts: tuple[str, ...] = ()


def query_words(text: str) -> list[QueryWord]:
    """Cut query text into words (C units). A Latin word matches as typed or as its stem."""
    words: list[QueryWord] = []
    position = 0

    def japanese(chunk: str) -> None:
        tokenizer = _tokenizer()
        for _offset, morpheme in morphemes(tokenizer, chunk, SplitMode.C):
            if morpheme.part_of_speech()[0] in SKIPPED_POS:
                continue
            for term in _letter_runs(fold(morpheme.normalized_form())):
                parts = tuple(
                    part
                    for unit in morpheme.split(SplitMode.A)
                    if unit.part_of_speech()[0] not in SKIPPED_POS
                    for part in _letter_runs(fold(unit.normalized_form()))
                )
                words.append(QueryWord((term,), parts if len(parts) > 1 else ()))

    for match in LATIN_WORD.finditer(text):
        if match.start() > position:
            japanese(text[position : match.start()])
        folded = fold(match.group())
        if folded not in STOP_WORDS and len(folded) <= MAX_TERM_LENGTH:
            words.append(QueryWord(tuple(dict.fromkeys((folded, stem(folded))))))
        position = match.end()
    if position < len(text):
        japanese(text[position:])
    return words
