"""Relevance of search on the bundled plan: recall@10 and precision@10 per query and overall.

    python bench/relevance.py                      # a temporary SQLite database
    DATABASE_URL=postgres://… python bench/relevance.py   # an empty PostgreSQL database

Imports the bundled plan into the database, then runs every query of
actionplan/data/search/relevance.json.
The last line is a fingerprint of all the rankings: the same on both databases means they give
the same hits in the same order.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "actionplan" / "data" / "plans" / "kansai-industrial-vision-action-plan-2025-11.txt"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/relevance.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        from actionplan.plans.actions import import_plan_file, load_reference_data
        from actionplan.search import relevance
        from actionplan.search.actions import rebuild_index

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        load_reference_data()
        import_plan_file(PLAN)
        rebuild_index()
        scores = relevance.evaluate(relevance.our_search, relevance.load())
        print(relevance.table(scores))
        print(f"ranking fingerprint: {relevance.ranking_digest(scores)}")
        recall, _ = relevance.overall(scores)
    return 0 if recall >= 0.95 else 1


if __name__ == "__main__":
    raise SystemExit(main())
