"""The public relevance set (``actionplan/data/search/relevance.json``) and how a search system
scores on it.

recall@10 is the share of a query's relevant records found in the first 10 hits, out of
min(10, number of relevant records), so a query with 30 relevant records can still reach 1.0.
precision@10 is the share of relevant records among the first 10 hits (or fewer, if fewer came).
Overall figures are the means over the queries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from actionplan.resources import DATA_DIR

RELEVANCE_FILE = DATA_DIR / "search" / "relevance.json"
K = 10


@dataclass
class Judgement:
    query: str
    category: str
    relevant: list[str]


@dataclass
class QueryScore:
    judgement: Judgement
    returned: list[str]

    @property
    def found(self) -> int:
        relevant = set(self.judgement.relevant)
        return sum(1 for key in self.returned[:K] if key in relevant)

    @property
    def recall(self) -> float:
        return self.found / min(K, len(self.judgement.relevant))

    @property
    def precision(self) -> float:
        shown = len(self.returned[:K])
        return self.found / shown if shown else 0.0


def load(path: Path = RELEVANCE_FILE) -> list[Judgement]:
    data = json.loads(path.read_text(encoding="utf-8"))
    judgements = []
    for n, entry in enumerate(data["queries"], start=1):
        if not entry.get("query") or not entry.get("relevant"):
            raise ValueError(f"{path.name}: query {n}: expected 'query' and a non-empty 'relevant'")
        judgements.append(Judgement(entry["query"], entry.get("category", ""), entry["relevant"]))
    return judgements


def evaluate(run: Callable[[str], list[str]], judgements: list[Judgement]) -> list[QueryScore]:
    """Score a search system: ``run(query)`` returns the record keys it found, best first."""
    return [QueryScore(j, run(j.query)) for j in judgements]


def overall(scores: list[QueryScore]) -> tuple[float, float]:
    if not scores:
        return 0.0, 0.0
    return (
        sum(s.recall for s in scores) / len(scores),
        sum(s.precision for s in scores) / len(scores),
    )


def ranking_digest(scores: list[QueryScore]) -> str:
    """A fingerprint of every ranking, to compare two databases' answers at a glance."""
    text = "\n".join(f"{s.judgement.query}\t{' '.join(s.returned[:K])}" for s in scores)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def table(scores: list[QueryScore]) -> str:
    lines = [f"{'query':<24} {'category':<16} {'relevant':>8} {'recall@10':>9} {'prec@10':>8}"]
    for s in scores:
        lines.append(
            f"{s.judgement.query:<24} {s.judgement.category:<16} "
            f"{len(s.judgement.relevant):>8} {s.recall:>9.2f} {s.precision:>8.2f}"
        )
    recall, precision = overall(scores)
    lines.append(
        f"{'overall (' + str(len(scores)) + ' queries)':<50} {recall:>9.3f} {precision:>8.3f}"
    )
    return "\n".join(lines)


def our_search(query: str) -> list[str]:
    from .queries import search

    return [f"{h.kind}:{h.key}" for h in search(query, limit=K).hits]
