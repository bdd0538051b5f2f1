"""JSON API under load, side by side with Datasette's JSON for the same rows.

Set-up as in production, with bench/portal.py's helpers: a fresh SQLite database with the bundled
plan imported, `DEBUG=false`, and `actionplan serve` (gunicorn) with two workers (of the
default two threads) on 127.0.0.1:8014, the rate limit off (`API_RATE_LIMIT=0`) so that the load
is not throttled. Datasette serves a copy of the same database (read-only, immutable) on
127.0.0.1:8024.

Measured, for several rounds each (medians shown):

- `GET /api/v1/actions/ID` — one action (answered from the response cache after the first call),
  plain and with `If-None-Match` (a `304 Not Modified` without a body); and plain again from a
  second server on 127.0.0.1:8015 whose rate limit counts every request in the database cache
  (`API_RATE_LIMIT` too high to refuse any), which is what a deployment with the limit on pays;
- `GET /api/v1/actions?theme=CODE` — the actions of one theme;
- Datasette's `/db/plans_action/ID.json` and `/db/plans_action.json?theme_id=N` (same row, same
  list; the page size is set to the API's default of 50 on both sides).

Load comes from `wrk` (2 threads, 16 connections) when it is installed, else from a threaded Python
client. The loaders here send request headers, which bench/portal.py's do not, so they are
separate; the set-up helpers are shared. Repeated reads are answered from the response cache
(actionplan/web/caching.py; the database cache here) after one read of the data stamp.

Target (the issue): ≥ 1,000 requests/s for the cached detail endpoint on a 2-core machine.

These are answers taken from the response cache after the first request: the cached path. The
answers built on every request, against Datasette at equal process counts, are measured by
bench/portal.py.

    python bench/run.py api        # or: python bench/api.py [--seconds N] [--rounds N]
"""

from __future__ import annotations

import argparse
import http.client
import json
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
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal import CONNECTIONS, PLAN, ROOT, _actionplan, _wait_for  # noqa: E402

API_PORT = 8014
# The same server with the rate limit counting every request (set too high to refuse any).
COUNTED_PORT = 8015
DATASETTE_PORT = 8024
THEME = "carbon_neutral"
PAGE_SIZE = 50
DETAIL = "API action detail"
COUNTED = "API action detail, counted"
TARGET = 1000.0

Result = tuple[float, float, float]  # requests/s, p50 ms, p99 ms


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(url: str, seconds: int, headers: dict[str, str]) -> Result:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(*re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups())  # type: ignore[union-attr]
    p99 = _ms(*re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups())  # type: ignore[union-attr]
    return rate, p50, p99


def _python_load(url: str, seconds: int, headers: dict[str, str]) -> Result:
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
            connection.request("GET", "/" + path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
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


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - localhost
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as answer:  # 304 arrives as an "error"
        return answer.code, dict(answer.headers), answer.read()


def _check_answers(api: str, datasette: str, action_id: int, etag: str) -> None:
    """The endpoints measured answer what they should, so the figures compare like with like."""
    status, _, body = _get(f"{api}/api/v1/actions/{action_id}")
    if status != 200 or json.loads(body)["id"] != action_id:
        raise RuntimeError(f"API action {action_id}: {status}")
    status, _, _ = _get(f"{api}/api/v1/actions/{action_id}", {"If-None-Match": etag})
    if status != 304:
        raise RuntimeError(f"API action {action_id} with If-None-Match: {status}, not 304")
    status, _, body = _get(f"{datasette}/db/plans_action/{action_id}.json")
    if status != 200 or json.loads(body)["rows"][0][0] != action_id:
        raise RuntimeError(f"Datasette row {action_id}: {status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=8, help="length of one load run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per endpoint (medians shown)")
    # bench/run.py calls main() with no arguments: use the defaults then.
    args = parser.parse_args(argv or [])
    load = _wrk if shutil.which("wrk") else _python_load
    with tempfile.TemporaryDirectory(prefix="bench-api-") as directory:
        tmp = Path(directory)
        database = tmp / "api.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
            # 0 turns the limit off (settings.API_RATE_LIMIT): the bench is one busy client.
            "API_RATE_LIMIT": "0",
        }
        env.pop("REDIS_URL", None)
        for step in (
            ("migrate", "--noinput"),
            ("createcachetable",),
            ("load-reference",),
            ("import", str(PLAN)),
        ):
            _actionplan(env, *step)
        with sqlite3.connect(database) as db:
            theme_id, action_id, theme_actions = db.execute(
                "SELECT t.id, MIN(a.id), COUNT(*) FROM plans_theme t"
                " JOIN plans_action a ON a.theme_id = t.id JOIN plans_planversion v"
                " ON v.id = t.version_id WHERE t.code = ? AND v.is_current",
                (THEME,),
            ).fetchone()
        # Datasette names the database after the file: /db/...
        baseline = tmp / "db.db"
        shutil.copy(database, baseline)
        servers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "-m", "actionplan.cli", "serve", "--host", "127.0.0.1"]
                + ["--port", str(API_PORT), "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "actionplan.cli", "serve", "--host", "127.0.0.1"]
                + ["--port", str(COUNTED_PORT), "--workers", "2"],
                env={**env, "API_RATE_LIMIT": "1000000000"},
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
        api = f"http://127.0.0.1:{API_PORT}"
        datasette = f"http://127.0.0.1:{DATASETTE_PORT}"
        detail = f"{api}/api/v1/actions/{action_id}"
        try:
            _wait_for(f"{api}/healthz", servers[0])
            _wait_for(f"http://127.0.0.1:{COUNTED_PORT}/healthz", servers[1])
            _wait_for(f"{datasette}/-/versions.json", servers[2])
            status, headers, _ = _get(detail)
            etag = headers.get("ETag", "")
            if status != 200 or not etag:
                raise RuntimeError(f"{detail}: {status}, ETag {etag!r}")
            _check_answers(api, datasette, action_id, etag)
            endpoints: dict[str, tuple[str, dict[str, str]]] = {
                DETAIL: (detail, {}),
                "API action detail, 304": (detail, {"If-None-Match": etag}),
                COUNTED: (detail.replace(str(API_PORT), str(COUNTED_PORT)), {}),
                "Datasette row JSON": (f"{datasette}/db/plans_action/{action_id}.json", {}),
                "API actions of a theme": (
                    f"{api}/api/v1/actions?theme={THEME}&limit={PAGE_SIZE}",
                    {},
                ),
                "Datasette rows of a theme": (
                    f"{datasette}/db/plans_action.json?theme_id={theme_id}&_size={PAGE_SIZE}",
                    {},
                ),
            }
            for url, headers in endpoints.values():  # warm up: caches, imports, page cache
                load(url, 1, headers)
            results: dict[str, list[Result]] = {name: [] for name in endpoints}
            before = os.getloadavg()[0]
            for _ in range(args.rounds):
                for name, (url, headers) in endpoints.items():
                    results[name].append(load(url, args.seconds, headers))
            after = os.getloadavg()[0]
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
    print(
        f"load: {load.__name__.strip('_')}, {CONNECTIONS} connections, {args.seconds} s, "
        f"{args.rounds} rounds; action {action_id}, theme {THEME} ({theme_actions} actions)"
    )
    # Other processes on the machine take CPU from both servers alike: say how busy it was.
    print(f"machine: {os.cpu_count()} cores, load average before/after {before:.1f}/{after:.1f}")
    baselines = {
        DETAIL: "Datasette row JSON",
        "API action detail, 304": "Datasette row JSON",
        COUNTED: "Datasette row JSON",
        "API actions of a theme": "Datasette rows of a theme",
    }
    medians = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(3))
        for name, runs in results.items()
    }
    print(f"{'endpoint':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs datasette':>13}")
    for name, (rate, p50, p99) in medians.items():
        ratio = f"{rate / medians[baselines[name]][0]:>12.2f}x" if name in baselines else ""
        print(f"{name:<28} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f} {ratio:>13}")
    met = medians[DETAIL][0] >= TARGET
    print(f"target (cached action detail ≥ {TARGET:,.0f} req/s): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
