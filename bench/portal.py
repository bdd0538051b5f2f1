"""Portal pages under load, side by side with Datasette's table page over the same actions.

Set-up as in production: a fresh SQLite database with the bundled plan imported, static files
collected (served by WhiteNoise), `DEBUG=false`, and `actionplan serve` (gunicorn) with two
workers of two threads on 127.0.0.1:8013. Datasette serves a copy of the same database
(read-only, immutable) on 127.0.0.1:8023; its table page of the actions of one theme
(`/plan/plans_action?theme_id=N`) is the baseline. Every page is loaded with `wrk` (2 threads,
16 connections) when it is installed, else with a threaded Python client, for several rounds; it
prints requests per second, p50 and p99 latency (medians over the rounds), the ratio against
Datasette, and how busy the machine was. The pages are the ones visitors repeat: after the first
request, each process answers them from memory (actionplan/frontcache.py), checked against the
data stamp in the database cache on every request.

Targets (the issue): theme page (checked in both languages) ≥ 500 requests/s and p99 < 50 ms on
a 2-core machine, and more requests/s than Datasette's table page.

    python bench/run.py portal        # or: python bench/portal.py [--seconds N] [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "actionplan" / "data" / "plans" / "kansai-industrial-vision-action-plan-2025-11.txt"
PORTAL_PORT = 8013
DATASETTE_PORT = 8023
CONNECTIONS = 16
THEME = "carbon_neutral"


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} after {seconds} s")


def _actionplan(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "actionplan.cli", *args]
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def _wrk(url: str, seconds: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk's latency distribution."""
    out = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50, p99 = (
        float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        for value, unit in (
            re.search(rf"{share}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
            for share in (50, 99)
        )
    )
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return rate, p50, p99


def _python_load(url: str, seconds: int) -> tuple[float, float, float]:
    """A threaded HTTP/1.1 client, for machines without wrk."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        mine = []
        while time.monotonic() < stop:
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            started = time.perf_counter()
            connection.request("GET", "/" + path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: {response.status}")
            mine.append(time.perf_counter() - started)
            connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    n = len(latencies)
    return n / seconds, latencies[n // 2] * 1000, latencies[int(n * 0.99) - 1] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=8, help="length of one load run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per page (medians shown)")
    # bench/run.py calls main() with no arguments: use the defaults then.
    args = parser.parse_args(argv or [])
    load = _wrk if shutil.which("wrk") else _python_load
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as directory:
        tmp = Path(directory)
        database = tmp / "portal.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
        }
        env.pop("REDIS_URL", None)
        for step in (
            ("migrate", "--noinput"),
            ("createcachetable",),
            # Only the portal's pages are measured, so only their assets need collecting.
            ("collectstatic", "--noinput", "--ignore", "api/*"),
            ("load-reference",),
            ("import", str(PLAN)),
        ):
            _actionplan(env, *step)
        with sqlite3.connect(database) as db:
            theme_id, action_id = db.execute(
                "SELECT t.id, a.id FROM plans_theme t JOIN plans_action a ON a.theme_id = t.id"
                " WHERE t.code = ? ORDER BY a.id LIMIT 1",
                (THEME,),
            ).fetchone()
        baseline = tmp / "plan.db"
        shutil.copy(database, baseline)
        servers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "-m", "actionplan.cli", "serve", "--host", "127.0.0.1"]
                + ["--port", str(PORTAL_PORT), "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "datasette", "serve", "-i", str(baseline)]
                + ["-h", "127.0.0.1", "-p", str(DATASETTE_PORT)]
                + ["--setting", "suggest_facets", "off"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        portal = f"http://127.0.0.1:{PORTAL_PORT}"
        pages = {
            "portal theme page (ja)": f"{portal}/themes/{THEME}/",
            "portal theme page (en)": f"{portal}/en/themes/{THEME}/",
            "portal action page": f"{portal}/actions/{action_id}/",
            "portal home page": f"{portal}/",
            "datasette table page": (
                f"http://127.0.0.1:{DATASETTE_PORT}/plan/plans_action?theme_id={theme_id}"
            ),
        }
        try:
            _wait_for(f"{portal}/healthz", servers[0])
            _wait_for(f"http://127.0.0.1:{DATASETTE_PORT}/-/versions.json", servers[1])
            for url in pages.values():  # warm up: caches, imports, SQLite page cache
                load(url, 1)
            results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in pages}
            before = os.getloadavg()[0]
            for _ in range(args.rounds):
                for name, url in pages.items():
                    results[name].append(load(url, args.seconds))
            after = os.getloadavg()[0]
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
    print(
        f"load: {load.__name__.strip('_')}, {CONNECTIONS} connections, {args.seconds} s, "
        f"{args.rounds} rounds (medians shown)"
    )
    # Other processes on the machine take CPU from both servers alike: say how busy it was.
    print(f"machine: {os.cpu_count()} cores, load average before/after {before:.1f}/{after:.1f}")
    print(f"{'page':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs datasette':>13}")
    medians = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(3))
        for name, runs in results.items()
    }
    base = medians["datasette table page"][0]
    for name, (rate, p50, p99) in medians.items():
        print(f"{name:<26} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f} {rate / base:>12.2f}x")
    met = all(
        rate >= 500 and p99 < 50 and rate > base
        for rate, _, p99 in (medians["portal theme page (ja)"], medians["portal theme page (en)"])
    )
    print(
        f"target (theme page, ja and en: ≥ 500 req/s, p99 < 50 ms, > datasette): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
