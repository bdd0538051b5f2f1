"""Search speed and quality at scale, side by side with Datasette in the same run.

A synthetic corpus of the bundled plan's actions ×1000 (165,000 actions, each copy with varied
text and member governments) plus the plan's other records goes into a temporary SQLite
database and its search index. The same rows go into a second SQLite file with an FTS5
``trigram`` table, served by Datasette (``datasette`` from PyPI) on 127.0.0.1:8021 and queried
through ``?_search=``. Every query of ``actionplan/data/search/relevance.json`` runs against:

- ``search()``: ``actionplan.search.queries.search`` called in-process;
- ``api``: ``GET /api/v1/search`` of ``actionplan serve`` (one worker) on 127.0.0.1:8011;
- ``datasette``: ``GET /corpus/docs.json?_search=`` (facet suggestions off, row count on).

It prints p50/p95 latency over repeated rounds, recall@10 on the bundled plan (the relevance
set as judged) and on the corpus (a copy of a relevant record counts as relevant), and the
ratios. Targets (the issue): p95 ≤ 20 ms at this size, faster than Datasette, far better recall.

    python bench/run.py search        # or: python bench/search.py [--copies N] [--rounds N]
    python bench/search.py --database postgresql    # the index in PostgreSQL
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "actionplan" / "data" / "plans" / "kansai-industrial-vision-action-plan-2025-11.txt"
DATASETTE_PORT = 8021
API_PORT = 8011
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"
# Words that vary the copies. None of them holds a word of the relevance set, so a copy is
# relevant exactly when its original is.
PLACES = [
    ("豊中", "Toyonaka"),
    ("姫路", "Himeji"),
    ("大津", "Otsu"),
    ("宇治", "Uji"),
    ("明石", "Akashi"),
    ("彦根", "Hikone"),
    ("田辺", "Tanabe"),
    ("鳴門", "Naruto"),
    ("舞鶴", "Maizuru"),
    ("草津", "Kusatsu"),
    ("吹田", "Suita"),
    ("尼崎", "Amagasaki"),
    ("橿原", "Kashihara"),
    ("新宮", "Shingu"),
    ("阿南", "Anan"),
    ("高槻", "Takatsuki"),
]
FOCUS = [
    ("地域連携", "regional coordination"),
    ("情報共有", "information sharing"),
    ("調査研究", "surveys"),
    ("広報", "publicity"),
    ("相談窓口", "help desk"),
    ("事例集", "case studies"),
    ("講座", "courses"),
    ("見学会", "site tours"),
    ("表彰", "awards"),
    ("展示", "exhibits"),
    ("交流会", "networking"),
    ("実態把握", "fact finding"),
    ("普及", "outreach"),
    ("商品開発", "product design"),
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - local servers only
        return json.loads(response.read())


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            _get_json(url)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url}")


def _setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _build_corpus(
    copies: int, before_copies: Callable[[], None]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Index the plan, then the copies of its actions; return every row and copies per key."""

    from actionplan.plans.actions import import_plan_file, load_reference_data
    from actionplan.plans.models import MemberGovernment
    from actionplan.search.actions import rebuild_index, replace_index
    from actionplan.search.models import Kind, SearchDocument
    from actionplan.search.tokenize import document_terms

    load_reference_data()
    version = import_plan_file(PLAN).version
    rebuild_index()
    before_copies()
    originals = list(SearchDocument.objects.order_by("pk"))
    per_key = {f"{d.kind}:{d.key}": 1 for d in originals}
    actions = [d for d in originals if d.kind == Kind.ACTION]
    codes = list(MemberGovernment.objects.values_list("lg_code", flat=True))
    rng = random.Random(2025)
    next_id = 10_000_000
    documents = []
    for document in originals:
        document.pk = None
        documents.append(document)
    for copy in range(1, copies + 1):
        for action in actions:
            place_ja, place_en = rng.choice(PLACES)
            focus_ja, focus_en = rng.choice(FOCUS)
            extra_ja = f"（{place_ja}{focus_ja}）"
            extra_en = f" ({place_en} {focus_en})"
            base = document_terms(f"{action.text_ja}\n{action.text_en}")
            terms = (*base, *document_terms(f"{place_ja}{focus_ja} {place_en} {focus_en}"))
            next_id += 1
            lg = f" {rng.choice(codes)} " if action.actor == "members" else ""
            documents.append(
                SearchDocument(
                    kind=action.kind,
                    object_id=next_id,
                    key=f"{action.key}#{copy}",
                    theme_code=action.theme_code,
                    fiscal_year=action.fiscal_year,
                    open_ended=action.open_ended,
                    actor=action.actor,
                    lg_codes=lg,
                    title_ja=action.title_ja,
                    title_en=action.title_en,
                    text_ja=action.text_ja + extra_ja,
                    text_en=action.text_en + extra_en,
                    url_path=f"/actions/{next_id}/",
                    title_terms="",
                    body_terms=f" {' '.join(terms)} ",
                    title_length=0,
                    body_length=len(terms),
                )
            )
        for action in actions:
            per_key[f"action:{action.key}"] += 1
    # Written again as one index, so that every weight uses the corpus's average field lengths
    # (in batches of short transactions, then vacuumed, as rebuild_index does).
    replace_index(documents, version.pk)
    return [_row(d) for d in documents], per_key


def _row(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "key": f"{d.kind}:{d.key}",
        "kind": d.kind,
        "theme": d.theme_code,
        "fiscal_year": d.fiscal_year,
        "actor": d.actor,
        "title_ja": d.title_ja,
        "title_en": d.title_en,
        "text_ja": d.text_ja,
        "text_en": d.text_en,
    }


def _datasette_db(path: Path, rows: list[dict[str, Any]]) -> None:
    connection = sqlite3.connect(path)
    columns = list(rows[0])
    connection.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, key TEXT, kind TEXT, theme TEXT, "
        "fiscal_year INTEGER, actor TEXT, title_ja TEXT, title_en TEXT, text_ja TEXT, "
        "text_en TEXT)"
    )
    placeholders = ",".join("?" for _ in columns)
    with connection:
        connection.executemany(
            f"INSERT INTO docs ({','.join(columns)}) VALUES ({placeholders})",  # noqa: S608 - fixed columns
            [tuple(r[c] for c in columns) for r in rows],
        )
        connection.execute(
            "CREATE VIRTUAL TABLE docs_fts USING fts5(title_ja, title_en, text_ja, text_en, "
            'content="docs", content_rowid="id", tokenize="trigram")'
        )
        connection.execute("INSERT INTO docs_fts(docs_fts) VALUES ('rebuild')")
    connection.close()


def _original(key: str) -> str:
    return key.split("#", 1)[0]


def _corpus_recall(returned: list[str], relevant: set[str], per_key: dict[str, int]) -> float:
    """recall@10 where each copy of a relevant record is relevant too."""
    available = sum(per_key.get(k, 0) for k in relevant)
    found = sum(1 for key in returned[:10] if _original(key) in relevant)
    return found / min(10, available) if available else 0.0


def _time(run: Callable[[str], list[str]], queries: list[str], rounds: int) -> list[float]:
    for q in queries:  # warm caches and connections once
        run(q)
    timings = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            run(q)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def worker(copies: int, rounds: int, tmp: Path) -> int:
    _setup_django()
    from actionplan.search import relevance
    from actionplan.search.queries import search

    judgements = relevance.load()
    queries = [j.query for j in judgements]

    def ours(q: str) -> list[str]:
        return [f"{h.kind}:{h.key}" for h in search(q, limit=10).hits]

    plan_scores: list[tuple[float, float]] = []

    def evaluate_plan() -> None:
        plan_scores.append(relevance.overall(relevance.evaluate(ours, judgements)))

    started = time.perf_counter()
    rows, per_key = _build_corpus(copies, evaluate_plan)
    plan_rows = [r for r in rows if "#" not in r["key"]]
    print(
        f"corpus: {len(rows):,} records ({len(rows) - len(plan_rows):,} generated actions); "
        f"indexed in {time.perf_counter() - started:.0f} s"
    )
    _datasette_db(tmp / "plan.db", plan_rows)
    _datasette_db(tmp / "corpus.db", rows)

    def api(q: str) -> list[str]:
        url = f"http://127.0.0.1:{API_PORT}/api/v1/search?" + urllib.parse.urlencode(
            {"q": q, "limit": 10}
        )
        return [f"{h['kind']}:{h['key']}" for h in _get_json(url)["hits"]]

    def datasette(database: str) -> Callable[[str], list[str]]:
        def run(q: str) -> list[str]:
            url = f"http://127.0.0.1:{DATASETTE_PORT}/{database}/docs.json?" + (
                urllib.parse.urlencode({"_search": q, "_size": 10, "_shape": "objects"})
            )
            return [r["key"] for r in _get_json(url)["rows"]]

        return run

    env = {**os.environ, "WEB_CONCURRENCY": "1"}
    servers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [
                sys.executable,
                "-m",
                "datasette",
                "serve",
                str(tmp / "plan.db"),
                str(tmp / "corpus.db"),
                "-h",
                "127.0.0.1",
                "-p",
                str(DATASETTE_PORT),
                "--setting",
                "suggest_facets",
                "off",
                "--setting",
                "sql_time_limit_ms",
                "20000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "actionplan.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(API_PORT),
                "--workers",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        ),
    ]
    try:
        _wait_for(f"http://127.0.0.1:{DATASETTE_PORT}/-/versions.json", servers[0])
        _wait_for(f"http://127.0.0.1:{API_PORT}/api/v1/", servers[1])
        systems = {
            "actionplan search()": ours,
            "actionplan /api/v1/search": api,
            "datasette ?_search= (trigram)": datasette("corpus"),
        }
        # The corpus rows held here are no part of a search: keep the collector from walking
        # them again and again while ours is timed in this process.
        gc.collect()
        gc.freeze()
        results = {}
        for name, run in systems.items():
            timings = _time(run, queries, rounds)
            corpus = [_corpus_recall(run(j.query), set(j.relevant), per_key) for j in judgements]
            results[name] = (timings, statistics.mean(corpus))
        ours_plan = plan_scores[0]
        datasette_plan = relevance.overall(relevance.evaluate(datasette("plan"), judgements))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    plan_recall = {
        "actionplan search()": ours_plan[0],
        "actionplan /api/v1/search": ours_plan[0],
        "datasette ?_search= (trigram)": datasette_plan[0],
    }
    print(f"{len(queries)} queries x {rounds} rounds each\n")
    print(
        f"{'system':<32} {'p50 ms':>8} {'p95 ms':>8} {'recall@10 plan':>15} "
        f"{'recall@10 corpus':>17}"
    )
    for name, (timings, corpus_recall) in results.items():
        print(
            f"{name:<32} {statistics.median(timings):>8.1f} {_percentile(timings, 0.95):>8.1f} "
            f"{plan_recall[name]:>15.3f} {corpus_recall:>17.3f}"
        )
    base = results["datasette ?_search= (trigram)"][0]
    for name in ("actionplan search()", "actionplan /api/v1/search"):
        timings = results[name][0]
        print(
            f"\ndatasette / {name}: p50 x{statistics.median(base) / statistics.median(timings):.2f}"
            f", p95 x{_percentile(base, 0.95) / _percentile(timings, 0.95):.2f}"
        )
    print(f"precision@10 on the plan: actionplan {ours_plan[1]:.3f}, ", end="")
    print(f"datasette {datasette_plan[1]:.3f}")
    timings = results["actionplan search()"][0]
    by_category: dict[str, list[float]] = {}
    for n, judgement in enumerate(judgements):
        by_category.setdefault(judgement.category, []).extend(timings[n :: len(queries)])
    print("search() by category of query (p50 / p95 ms): ", end="")
    print(
        ", ".join(
            f"{category} {statistics.median(t):.1f} / {_percentile(t, 0.95):.1f}"
            for category, t in by_category.items()
        )
    )
    per_query = {q: statistics.median(timings[n :: len(queries)]) for n, q in enumerate(queries)}
    slowest = sorted(per_query.items(), key=lambda item: -item[1])[:5]
    print("slowest queries of search() (median ms): ", end="")
    print(", ".join(f"{q} {ms:.1f}" for q, ms in slowest))
    p95 = _percentile(results["actionplan search()"][0], 0.95)
    print(f"target p95 <= 20 ms at this size: {'met' if p95 <= 20 else 'NOT met'} ({p95:.1f} ms)")
    return 0


@contextlib.contextmanager
def _database(vendor: str, tmp: str) -> Iterator[str]:
    """The URL of an empty database for the run, dropped afterwards."""
    if vendor == "sqlite":
        yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL).rstrip("/")
    name = f"actionplan_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="where the index lives: a temporary SQLite file (default), or a temporary database "
        f"on the PostgreSQL server of BENCH_POSTGRES_URL (default {POSTGRES_URL})",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.worker:
        return worker(args.copies, args.rounds, args.worker)
    # Django can be set up once per process: the measurement runs in a fresh interpreter on its
    # own temporary database, whatever bench/run.py ran before.
    with tempfile.TemporaryDirectory() as tmp, _database(args.database, tmp) as url:
        print(f"index database: {args.database}")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "actionplan.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            tmp,
            "--copies",
            str(args.copies),
            "--rounds",
            str(args.rounds),
        ]
        return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
