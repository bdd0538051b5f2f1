"""Portal pages and API answers built on every request, side by side with Datasette serving the
same rows, at equal process counts.

Set-up as in production: a fresh SQLite database with the bundled plan imported, static files
collected (served by WhiteNoise), `DEBUG=false`, `actionplan serve` (gunicorn, its default
threads per worker: one on SQLite). Datasette serves a copy of the same database (read-only,
immutable); with one process `datasette serve`, with two uvicorn `--workers 2` over
bench/datasette_app.py.

Headline: every answer built on each request. That server runs with `PUBLIC_CACHES=off`, which
turns every page and response cache off (the data stamp is kept). Second line: the same
requests on a server with the caches on (what repeated visits get). Pairs measured:

- action page `/actions/ID/` against Datasette's row page `/plan/plans_action/ID`;
- theme page `/themes/CODE/` against the filtered table page `/plan/plans_action?theme_id=N`;
- API `GET /api/v1/actions/ID` against the row JSON `/plan/plans_action/ID.json`;
- API `GET /api/v1/actions?limit=50` against the list JSON `/plan/plans_action.json?_size=50`.

Both sides with 1 process, then both with 2. Load from `wrk -t2 -c16` (a threaded Python
client when wrk is missing), rounds interleaved (built, Datasette, cached, next pair …), medians
of the rounds; the size of each answer is printed, since the two sides do not send the same
page, and the CPU time the server's processes spent per answer (from /proc, where there is
one): the work of an answer on each side, which neither wrk's share of the two cores nor the
way its connections fell between two processes changes. Then the bound: the plan's top-level
actions and developments copied 1,000 times into another database, each page of the pairs is
timed (median of 20 sequential requests, built each time); target for the theme page under
100 ms, the others printed to show whether they grow.

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
PORTAL_PORT = 8180
CACHED_PORT = 8181
DATASETTE_PORT = 8182
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


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a server: the process and its children (gunicorn's and
    uvicorn's workers), from /proc; None where there is no /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        # After the command: state, ppid, … utime and stime are the 12th and 13th.
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def _size(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost
        return len(response.read())


def _serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "actionplan.cli", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--workers", str(workers)],
        env={**env, "WEB_CONCURRENCY": str(workers)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _datasette(database: Path, workers: int) -> subprocess.Popen[bytes]:
    if workers == 1:
        command = [sys.executable, "-m", "datasette", "serve", "-i", str(database)]
        command += ["-h", "127.0.0.1", "-p", str(DATASETTE_PORT)]
        command += ["--setting", "suggest_facets", "off"]
    else:
        command = [sys.executable, "-m", "uvicorn", "bench.datasette_app:app"]
        command += ["--host", "127.0.0.1", "--port", str(DATASETTE_PORT)]
        command += ["--workers", str(workers), "--log-level", "warning"]
    return subprocess.Popen(  # noqa: S603
        command,
        env={**os.environ, "BENCH_DATASETTE_DB": str(database), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def _scaled_copy(source: Path, target: Path, times: int) -> None:
    """The plan's top-level actions and its developments copied `times` times (new keys, later
    positions), in SQL: what a plan 1,000 times larger puts on a theme page."""
    shutil.copy(source, target)
    with sqlite3.connect(target) as db:
        db.execute(
            "CREATE TEMP TABLE n AS WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1"
            " FROM k WHERE i < ?) SELECT i FROM k",
            (times - 1,),
        )
        for table, parent in (("plans_action", "parent_id IS NULL"), ("plans_milestone", "1")):
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
            values = [
                "key || '~' || n.i"
                if c == "key"
                else "position + n.i * 100000"
                if c == "position"
                else c
                for c in columns
            ]
            db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)}"  # noqa: S608
                f" FROM {table}, n WHERE {parent}"
            )
        # The copies' places in the reading order, as an import numbers them.
        db.execute(
            "UPDATE plans_action SET reading_position = r.n FROM (SELECT a.id, ROW_NUMBER()"
            " OVER (PARTITION BY a.version_id ORDER BY t.position,"
            " CASE a.actor WHEN 'union' THEN 0 ELSE 1 END, p.position, a.position, a.id) AS n"
            " FROM plans_action a JOIN plans_theme t ON t.id = a.theme_id"
            " JOIN plans_period p ON p.id = a.period_id) r WHERE plans_action.id = r.id"
        )


def _sequential_ms(url: str, count: int) -> float:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        _size(url)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=5, help="length of one load run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds (medians shown); 0: bound only"
    )
    parser.add_argument("--scale", type=int, default=1000, help="copies for the bound check")
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
            "API_RATE_LIMIT": "0",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("REDIS_URL", None)
        for step in (
            ("migrate", "--noinput"),
            ("createcachetable",),
            ("collectstatic", "--noinput"),
            ("load-reference",),
            ("import", str(PLAN)),
        ):
            _actionplan(env, *step)
        built = {**env, "PUBLIC_CACHES": "off"}
        with sqlite3.connect(database) as db:
            theme_id, action_id = db.execute(
                "SELECT t.id, a.id FROM plans_theme t JOIN plans_action a ON a.theme_id = t.id"
                " WHERE t.code = ? ORDER BY a.id LIMIT 1",
                (THEME,),
            ).fetchone()
        baseline = tmp / "plan.db"
        shutil.copy(database, baseline)
        datasette = f"http://127.0.0.1:{DATASETTE_PORT}/plan/plans_action"
        pairs = {
            "action page": (f"/actions/{action_id}/", f"{datasette}/{action_id}"),
            "theme page": (f"/themes/{THEME}/", f"{datasette}?theme_id={theme_id}"),
            "API action detail": (f"/api/v1/actions/{action_id}", f"{datasette}/{action_id}.json"),
            "API action list (50)": ("/api/v1/actions?limit=50", f"{datasette}.json?_size=50"),
        }
        before = os.getloadavg()[0]
        table: list[tuple[int, str, dict[str, float], dict[str, float], dict[str, int]]] = []
        # --rounds 0 measures the bound only.
        for workers in (1, 2) if args.rounds else ():
            servers = [
                _serve(built, PORTAL_PORT, workers),
                _serve(env, CACHED_PORT, workers),
                _datasette(baseline, workers),
            ]
            try:
                _wait_for(f"http://127.0.0.1:{PORTAL_PORT}/healthz", servers[0])
                _wait_for(f"http://127.0.0.1:{CACHED_PORT}/healthz", servers[1])
                _wait_for(f"http://127.0.0.1:{DATASETTE_PORT}/-/versions.json", servers[2])
                urls = {
                    name: {
                        "built": f"http://127.0.0.1:{PORTAL_PORT}{path}",
                        "datasette": baseline_url,
                        "cached": f"http://127.0.0.1:{CACHED_PORT}{path}",
                    }
                    for name, (path, baseline_url) in pairs.items()
                }
                for sides in urls.values():  # warm up: imports, caches, SQLite page cache
                    for url in sides.values():
                        load(url, 1)
                runs: dict[tuple[str, str], list[float]] = {}
                # CPU milliseconds per answer, of the server's processes: the work of one
                # answer on each side, whatever wrk's share of the cores or how its
                # connections fell between the processes.
                cpu: dict[tuple[str, str], list[float]] = {}
                pids = {
                    side: server.pid
                    for side, server in zip(("built", "cached", "datasette"), servers, strict=True)
                }
                for _ in range(args.rounds):
                    for name, sides in urls.items():
                        for side, url in sides.items():
                            cpu_before = _cpu_seconds(pids[side])
                            rate = load(url, args.seconds)[0]
                            cpu_after = _cpu_seconds(pids[side])
                            runs.setdefault((name, side), []).append(rate)
                            if cpu_before is not None and cpu_after is not None and rate:
                                used = (cpu_after - cpu_before) * 1000 / (rate * args.seconds)
                                cpu.setdefault((name, side), []).append(used)
                for name, sides in urls.items():
                    rates = {side: statistics.median(runs[(name, side)]) for side in sides}
                    work = {
                        side: statistics.median(cpu[(name, side)])
                        for side in sides
                        if (name, side) in cpu
                    }
                    sizes = {side: _size(url) for side, url in sides.items()}
                    table.append((workers, name, rates, work, sizes))
            finally:
                _stop(servers)
        after = os.getloadavg()[0]

        # The bound: each page of the pairs in a plan `scale` times larger, built on every
        # request (the theme page has a target; the others show whether they grow).
        scaled = tmp / "scaled.sqlite3"
        _scaled_copy(database, scaled, args.scale)
        big = {**built, "DATABASE_URL": f"sqlite:///{scaled}"}
        server = _serve(big, PORTAL_PORT, 1)
        bound: dict[str, tuple[float, int]] = {}
        try:
            _wait_for(f"http://127.0.0.1:{PORTAL_PORT}/healthz", server)
            for name, (path, _) in pairs.items():
                url = f"http://127.0.0.1:{PORTAL_PORT}{path}"
                _sequential_ms(url, 3)
                bound[name] = (_sequential_ms(url, 20), _size(url))
        finally:
            _stop([server])
        with sqlite3.connect(scaled) as db:
            (scaled_actions,) = db.execute("SELECT count(*) FROM plans_action").fetchone()

    print(
        f"load: {load.__name__.strip('_')}, {CONNECTIONS} connections, {args.seconds} s, "
        f"{args.rounds} interleaved rounds (medians shown)"
    )
    print(f"machine: {os.cpu_count()} cores, load average before/after {before:.1f}/{after:.1f}")
    print(
        f"{'processes':>9} {'request':<22} {'built req/s':>11} {'datasette':>10} {'ratio':>6}"
        f" {'cached':>8} {'bytes built/datasette':>22} {'CPU ms/answer built/datasette':>30}"
    )
    met = True
    for workers, name, rates, work, sizes in table:
        # No answer from Datasette in a run (a 1-second run can end before its first page).
        ratio = rates["built"] / rates["datasette"] if rates["datasette"] else float("inf")
        met = met and ratio >= 2
        cpu_ms = (
            f"{work['built']:.2f}/{work['datasette']:.2f}"
            f" ({work['datasette'] / work['built']:.2f}x)"
            if work.get("built") and work.get("datasette")
            else "-"
        )
        print(
            f"{workers:>9} {name:<22} {rates['built']:>11.0f} {rates['datasette']:>10.0f}"
            f" {ratio:>5.2f}x {rates['cached']:>8.0f} {sizes['built']:>11}/{sizes['datasette']}"
            f" {cpu_ms:>30}"
        )
    if table:
        print(
            f"target (built per request ≥ 2x Datasette, every pair): {'met' if met else 'NOT met'}"
        )
    print(f"bound: a plan with {scaled_actions} actions ({args.scale}x), median of 20 requests:")
    for name, (ms, size) in bound.items():
        target = ""
        if name == "theme page":
            target = f"; target < 100 ms: {'met' if ms < 100 else 'NOT met'}"
        print(f"  {name:<22} {ms:8.1f} ms {size:>9} bytes{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
