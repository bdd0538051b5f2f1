"""A PostgreSQL outage under a bounded load: what clients get and how fast the app recovers.

Set-up: a PostgreSQL cluster of its own (initdb in a temporary folder, a port in 55440-55449,
the server binaries from /usr/lib/postgresql/*/bin; run as the postgres account when started by
root), the bundled plan imported, and `actionplan serve` with two workers of four threads
(`DEBUG=false`, in-memory answer copies off so that every request needs the database or its
cache) on a port in 8140-8149. Four clients ask in turn for API reads, Japanese and English pages,
a search and /healthz, pausing 50 ms between requests. After a warm-up of 5 s the cluster is stopped
(`pg_ctl stop -m fast`), left down for `--down` seconds and started again; the app keeps running.

With `--cache redis` (the default; Redis at TEST_REDIS_URL, emptied first) public reads fetched
before the outage are answered from their last good copy while it lasts; `--cache database`
keeps the cache in PostgreSQL, which goes down with it.

Printed: requests and answers by status, stale copies counted apart from 503s; the answers
received while the database was down (each a stale copy or a 503 with Retry-After, /healthz
200); the time from the database being back to the first successful read; requests/s before
the outage (the baseline) and during it, with their ratio; the log lines the outage wrote; the
machine's load average before and after. Ports: FAULT_TEST_DATABASE_PORTS and
FAULT_TEST_SERVER_PORTS (`FIRST-LAST`) replace the ranges above.

    python bench/run.py outage      # or: python bench/outage.py [--down S] [--clients N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The test helpers read the settings when imported (which database the session runs on).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")

from actionplan.faults.tests import live  # noqa: E402
from actionplan.faults.tests.outage import is_stale, run_outage  # noqa: E402


def _clean_503(answer: live.Answer | None) -> bool:
    return answer is not None and answer.status == 503 and "Retry-After" in answer.headers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=5.0, help="seconds the database is down")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--cache",
        choices=("redis", "database"),
        default="redis",
        help="redis (TEST_REDIS_URL, emptied; as in production: stale copies are served) or "
        "the database table (down with the database)",
    )
    options = parser.parse_args(argv or [])
    with live.postgres_site() as (site, folder, cluster):
        if options.cache == "redis":
            site = live.with_redis(site)
        server = live.Server(site, folder)
        try:
            run = run_outage(
                server, cluster, clients=options.clients, down=options.down, warm_up=5.0
            )
        finally:
            server.stop()
        log = server.log()
    statuses = run.statuses
    during = run.during_outage()
    during_bad = [
        s
        for s in during
        if s.answer is None
        or (
            s.path != "/healthz"
            and not is_stale(s.answer)
            and (s.answer.status != 503 or "Retry-After" not in s.answer.headers)
        )
    ]
    stale_during = [s for s in during if s.answer is not None and is_stale(s.answer)]
    before = [s for s in run.samples if s.received < run.stop_began]
    first = min((s.sent for s in run.samples), default=run.stop_began)
    before_rate = len(before) / max(run.stop_began - first, 1e-9)
    during_rate = len(during) / max(run.start_began - run.stopped, 1e-9)
    outage_lines = [line for line in log.splitlines() if "unreachable" in line]
    print(f"requests: {len(run.samples)}  by status: {dict(sorted(statuses.items()))}")
    print(f"cache: {options.cache}")
    print(
        f"503 answers: {statuses[503]}  stale copies served (200, X-Served-Stale): {run.stale}  "
        f"500 answers: {statuses[500]}  no answer: {statuses[0]}"
    )
    print(f"database down: {run.start_began - run.stopped:.1f} s; answers inside it: {len(during)}")
    print(f"  of which stale copies: {len(stale_during)}")
    print(
        "  of which neither a stale copy nor a 503 with Retry-After (besides /healthz): "
        f"{len(during_bad)}"
    )
    recovery = run.recovery_seconds
    print(
        "recovery (database started → first successful read): "
        + ("none" if recovery is None else f"{recovery:.2f} s")
    )
    print(
        f"requests/s before the outage (baseline): {before_rate:.0f}; during it: "
        f"{during_rate:.0f} ({during_rate / before_rate:.2f}x the baseline)"
    )
    print(f"log: {len(outage_lines)} outage lines, {len(log.encode()) / 1024:.0f} KiB in all")
    print(
        "load average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *run.load_before, *run.load_after
        )
    )
    return 0 if statuses[500] == 0 and not during_bad and recovery is not None else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
