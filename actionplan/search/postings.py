"""What the index stores for ranking: each term's BM25F weight in each document, computed once.

A term's weight in a document is BM25F's saturated frequency,
``(K1 + 1) · tf / (tf + K1)`` with ``tf = 3 · title count / title norm + body count / body norm``
(norm = ``1 - B + B · length / average length``, the averages of the index when it was built).
A query clause scores a document by its best alternative, and an alternative of several terms by
its weakest term; a query of several clauses adds the clauses' scores, each times its IDF.

Every glossary group is also indexed as one term of its own (``~`` and a digest of the group's
clause), whose weight in a document is the clause's score: a query such as 万博 (万博, expo,
world expo, 大阪・関西万博) then reads one posting list instead of merging four. The index
records which glossary it was built with (``glossary_digest``) and is rebuilt when it changes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

from .backends import Clause
from .glossary import glossary, group_clause
from .models import SearchDocument

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
K1 = 1.2
B = 0.75
GROUP_PREFIX = "~"  # never in a term, which holds only letters and digits


def clause_term(clause: Clause) -> str:
    text = repr([[(t.text, t.prefix) for t in alternative] for alternative in clause])
    return GROUP_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def group_terms() -> dict[Clause, str]:
    """The clause of every glossary group, and the term that stands for it in the index.

    Groups with a prefix term (one kana) are left out: they are matched term by term."""
    found: dict[Clause, str] = {}
    for group in glossary().groups.values():
        clause = group_clause(group)
        if clause and not any(t.prefix for alternative in clause for t in alternative):
            found[clause] = clause_term(clause)
    return found


@lru_cache(maxsize=1)
def glossary_digest() -> str:
    return hashlib.sha256(" ".join(sorted(group_terms().values())).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _groups_by_term() -> dict[str, list[tuple[Clause, str]]]:
    """For each term, the glossary clauses that use it (to test only those on a document)."""
    found: dict[str, list[tuple[Clause, str]]] = {}
    for clause, term in group_terms().items():
        for text in {t.text for alternative in clause for t in alternative}:
            found.setdefault(text, []).append((clause, term))
    return found


def clause_score(clause: Clause, weights: dict[str, float]) -> float | None:
    """A clause's score from one document's term weights (None: no match). No prefix terms."""
    best: float | None = None
    for alternative in clause:
        if all(t.text in weights for t in alternative):
            score = min(weights[t.text] for t in alternative)
            best = score if best is None else max(best, score)
    return best


def term_weights(
    document: SearchDocument, average_title_length: float, average_body_length: float
) -> Iterator[tuple[str, float]]:
    """Each distinct term of a document and its weight, then each matched glossary group's."""
    title = Counter(document.title_terms.split())
    body = Counter(document.body_terms.split())
    title_norm = (1 - B) + B / average_title_length * document.title_length
    body_norm = (1 - B) + B / average_body_length * document.body_length
    weights: dict[str, float] = {}
    for term in title.keys() | body.keys():
        tf = TITLE_WEIGHT * title[term] / title_norm + BODY_WEIGHT * body[term] / body_norm
        weights[term] = (K1 + 1) * tf / (tf + K1)
    yield from weights.items()
    by_term = _groups_by_term()
    done: set[str] = set()
    for text in weights:
        for clause, term in by_term.get(text, ()):
            if term not in done:
                done.add(term)
                score = clause_score(clause, weights)
                if score is not None:
                    yield term, score
