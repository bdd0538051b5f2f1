"""Example proposals for the desk's suggestions (`data/partnerships/action_examples.json`): the
judged proposals of the test sets (title and summary), each with the actions an officer named
for it.

    python -m actionplan.partnerships.examples SET.json [SET.json ...] > action_examples.json

writes the file from the sets given. The suggestions read an example's title as words that
proposers write when the action is what they need, and the examples most like a proposal (title
and summary) vote for their actions; a set is never measured with its own proposals among the
examples (`evaluate` leaves out the examples whose source is the set).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ABOUT = (
    "Example proposals: the title and summary of each judged proposal of the partnership test "
    "sets with the actions an officer named for it (its 'expected' actions), by the set it "
    "comes from ('source'). The desk's suggestions read the titles as words proposers write "
    "when an action is what they need, and the examples most like a proposal vote for their "
    "actions; a set is measured without its own examples. Written by "
    "`python -m actionplan.partnerships.examples` from the sets; see the README, Suggestions."
)


def examples_of(paths: list[Path]) -> dict[str, Any]:
    examples = []
    for path in paths:
        for proposal in json.loads(path.read_text(encoding="utf-8"))["proposals"]:
            actions = proposal["expected"].get("action", [])
            if actions:
                examples.append(
                    {
                        "source": path.stem,
                        "id": proposal["id"],
                        "language": proposal.get("language", "ja"),
                        "title": proposal["title"],
                        "summary": proposal["summary"],
                        "actions": actions,
                    }
                )
    return {"about": ABOUT, "examples": examples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the example proposals from test sets")
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args(argv)
    json.dump(examples_of(args.sets), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
