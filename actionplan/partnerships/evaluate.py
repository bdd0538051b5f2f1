"""Recall@5 of the suggestions on the public test set.

    python -m actionplan.partnerships.evaluate [PATH] [--limit N]

Runs on the configured database, which must hold the imported plan and the reference data
(`make run` or `actionplan load-reference` + `actionplan import`). Prints one line per proposal
and the overall figure (found / expected over all proposals).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from actionplan.resources import DATA_DIR

DEFAULT_SET = DATA_DIR / "partnerships" / "suggestion_set.json"


@dataclass
class ProposalResult:
    id: str
    found: int
    expected: int
    missed: list[str] = field(default_factory=list)
    language: str = "ja"

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


@dataclass
class Evaluation:
    results: list[ProposalResult]

    @property
    def recall(self) -> float:
        return _recall(self.results)

    def recall_of(self, language: str) -> float:
        """Recall over the proposals written in one language."""
        return _recall([r for r in self.results if r.language == language])

    @property
    def languages(self) -> list[str]:
        return sorted({r.language for r in self.results})


def _recall(results: list[ProposalResult]) -> float:
    expected = sum(r.expected for r in results)
    return sum(r.found for r in results) / expected if expected else 1.0


class SuggestionSetError(ValueError):
    pass


def _known_keys() -> dict[str, set[str]]:
    from actionplan.plans.models import Action, Hub, Partnership
    from actionplan.plans.queries import current_version

    version = current_version()
    return {
        "action": set(Action.objects.filter(version=version).values_list("key", flat=True)),
        "partnership": set(Partnership.objects.values_list("key", flat=True)),
        "hub": set(Hub.objects.values_list("name_ja", flat=True)),
        "government": set(),
    }


def evaluate(path: Path = DEFAULT_SET, limit: int = 5) -> Evaluation:
    """Recall of a set, ranked without the set's own proposals among the examples
    (`action_examples.json`), as for proposals the desk has never seen, and without the desk's
    records of the configured database (`DESK`), so that figures compare across databases."""
    from .suggest import DESK, examples_without

    with examples_without(path.stem, DESK):
        return _evaluate(path, limit)


def _evaluate(path: Path, limit: int) -> Evaluation:
    from .suggest import suggest

    proposals = json.loads(path.read_text(encoding="utf-8"))["proposals"]
    known = _known_keys()
    results = []
    for number, proposal in enumerate(proposals, start=1):
        for kind, keys in proposal["expected"].items():
            unknown = [key for key in keys if key not in known.get(kind, set())]
            if unknown:
                raise SuggestionSetError(
                    f"{path.name}, proposal {number} ({proposal['id']}): unknown {kind} {unknown}"
                )
        ranked = suggest(
            f"{proposal['title']}\n{proposal['summary']}",
            proposal.get("themes", []),
            proposal.get("governments", []),
            limit=limit,
            english=proposal.get("language") == "en",
        )
        found, expected, missed = 0, 0, []
        for kind, keys in proposal["expected"].items():
            top = {s.key for s in ranked.get(kind, [])}
            for key in keys:
                expected += 1
                if key in top:
                    found += 1
                else:
                    missed.append(f"{kind}:{key}")
        results.append(
            ProposalResult(proposal["id"], found, expected, missed, proposal.get("language", "ja"))
        )
    return Evaluation(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recall@N of the partnership suggestions")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--limit", type=int, default=5)
    arguments = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")
    import django

    django.setup()
    try:
        evaluation = evaluate(arguments.path, arguments.limit)
    except SuggestionSetError as error:
        print(error, file=sys.stderr)
        return 2
    for result in evaluation.results:
        missed = f"  missed {', '.join(result.missed)}" if result.missed else ""
        print(f"{result.id:<32} {result.found}/{result.expected}  {result.recall:.2f}{missed}")
    for language in evaluation.languages:
        count = sum(1 for r in evaluation.results if r.language == language)
        print(
            f"recall@{arguments.limit} {language} ({count} proposals): "
            f"{evaluation.recall_of(language):.3f}"
        )
    print(f"overall recall@{arguments.limit}: {evaluation.recall:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
