"""Which cache layers are worth their code: the same requests built, cached, and revalidated.

Set-up as in bench/portal.py (a fresh SQLite database with the bundled plan, `DEBUG=false`,
`actionplan serve` with the same number of workers on both sides, the API's rate limit off so
the load is not throttled). Two servers over the same database:

- baseline: `PUBLIC_CACHES=off` — every page and API answer is built on each request;
- `PUBLIC_CACHES=on` — the response cache (Redis or the database cache; here the database);

and on the second server, the same URL with `If-None-Match` — the `304` that nginx or a CDN gets
when it revalidates its copy (one query for the data stamp, no build, no body).

Printed for each URL: requests/s, p50 and p99 (medians of interleaved rounds) and the ratio
against the built-per-request baseline, with the response size, so that the work is the same.
The memory copy per process that used to sit in front of both (`frontcache`) was measured away:
a proxy cache in front of the app answers repeated reads without reaching it at all, and
revalidation costs the app no more than a response-cache hit (see the figures in README).

    python bench/run.py caching     # or: python bench/caching.py [--seconds N] [--rounds N]
                                    #                             [--port P] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import _wrk  # noqa: E402
from portal import CONNECTIONS, PLAN, ROOT, THEME, _actionplan, _wait_for  # noqa: E402

Result = tuple[float, float, float]
BASELINE = "built per request (PUBLIC_CACHES=off)"
CACHED = "response cache (PUBLIC_CACHES=on)"
REVALIDATED = "revalidated, 304 (If-None-Match)"
PROXIED = "nginx proxy cache in front"
# nginx in front of the PUBLIC_CACHES=on server, as README suggests: it keeps each public answer
# for PUBLIC_PROXY_SECONDS (1 s here), then revalidates it with If-None-Match (the app answers 304).
NGINX_CONF = """
daemon off;
worker_processes 1;
error_log {tmp}/nginx-error.log;
pid {tmp}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    proxy_cache_path {tmp}/nginx-cache keys_zone=public:10m;
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_cache public;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_cache_background_update on;
        }}
    }}
}}
"""


def _serve(env: dict[str, str], port: int, workers: int, caches: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "actionplan.cli", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--workers", str(workers)],
        env={**env, "PUBLIC_CACHES": caches, "PUBLIC_PROXY_SECONDS": "1"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _fetch(url: str) -> tuple[str, int]:
    """(ETag, body size) of one GET."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost
        return response.headers["ETag"], len(response.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=int, default=5, help="length of one load run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--port", type=int, default=8016, help="first of three ports used")
    parser.add_argument("--workers", type=int, default=2, help="server processes on each side")
    args = parser.parse_args(argv or [])
    if not shutil.which("wrk"):
        print("bench/caching.py needs wrk (it sends If-None-Match)")
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-caching-") as directory:
        tmp = Path(directory)
        database = tmp / "caching.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT": "0",
        }
        env.pop("REDIS_URL", None)
        for step in (
            ("migrate", "--noinput"),
            ("createcachetable",),
            ("collectstatic", "--noinput", "--verbosity", "0"),
            ("load-reference",),
            ("import", str(PLAN)),
        ):
            _actionplan(env, *step)
        with sqlite3.connect(database) as db:
            (action_id,) = db.execute(
                "SELECT a.id FROM plans_theme t JOIN plans_action a ON a.theme_id = t.id"
                " WHERE t.code = ? ORDER BY a.id LIMIT 1",
                (THEME,),
            ).fetchone()
        paths = {
            "theme page": f"/themes/{THEME}/",
            "action page": f"/actions/{action_id}/",
            "API action detail": f"/api/v1/actions/{action_id}",
            "API action list, 50": f"/api/v1/actions?theme={THEME}&limit=50",
        }
        built = f"http://127.0.0.1:{args.port}"
        cached = f"http://127.0.0.1:{args.port + 1}"
        servers = [
            _serve(env, args.port, args.workers, "off"),
            _serve(env, args.port + 1, args.workers, "on"),
        ]
        proxied = f"http://127.0.0.1:{args.port + 2}"
        nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin")
        if nginx:
            # nginx's workers drop to another user when started as root: let them write.
            tmp.chmod(0o755)
            for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
                (tmp / f"nginx-{name}").mkdir()
                (tmp / f"nginx-{name}").chmod(0o777)
            conf = tmp / "nginx.conf"
            conf.write_text(NGINX_CONF.format(tmp=tmp, upstream=args.port + 1, port=args.port + 2))
            servers.append(
                subprocess.Popen(  # noqa: S603 - fixed arguments
                    [nginx, "-p", str(tmp), "-c", str(conf)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        results: dict[tuple[str, str], list[Result]] = {}
        sizes: dict[str, tuple[int, int]] = {}
        try:
            _wait_for(f"{built}/healthz", servers[0])
            _wait_for(f"{cached}/healthz", servers[1])
            if nginx:
                try:
                    _wait_for(f"{proxied}/healthz", servers[2])
                except RuntimeError:
                    print((tmp / "nginx-error.log").read_text(errors="replace")[-2000:])
                    raise
            etags = {}
            for name, path in paths.items():
                etag, size = _fetch(cached + path)
                etags[name] = etag
                sizes[name] = (_fetch(built + path)[1], size)
                _wrk(built + path, 1, {})  # warm up both sides alike
                _wrk(cached + path, 1, {})
            before = os.getloadavg()[0]
            for _ in range(args.rounds):
                for name, path in paths.items():
                    runs = [
                        (BASELINE, built + path, {}),
                        (CACHED, cached + path, {}),
                        (REVALIDATED, cached + path, {"If-None-Match": etags[name]}),
                    ]
                    if nginx:
                        runs.append((PROXIED, proxied + path, {}))
                    for layer, url, headers in runs:
                        results.setdefault((name, layer), []).append(
                            _wrk(url, args.seconds, headers)
                        )
            after = os.getloadavg()[0]
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
    print(
        f"load: wrk, {CONNECTIONS} connections, {args.seconds} s, {args.rounds} interleaved "
        f"rounds (medians); {args.workers} server processes on each side"
    )
    print(f"machine: {os.cpu_count()} cores, load average before/after {before:.1f}/{after:.1f}")
    header = ("request", "layer", "bytes", "req/s", "p50 ms", "p99 ms")
    print("{:<22} {:<38} {:>7} {:>7} {:>7} {:>7} ratio".format(*header))
    for name in paths:
        base = statistics.median(r[0] for r in results[(name, BASELINE)])
        for layer in (BASELINE, CACHED, REVALIDATED, PROXIED):
            if (name, layer) not in results:
                continue
            measured = results[(name, layer)]
            rate, p50, p99 = (statistics.median(r[i] for r in measured) for i in range(3))
            size = 0 if layer == REVALIDATED else sizes[name][0 if layer == BASELINE else 1]
            print(
                f"{name:<22} {layer:<38} {size:>7} {rate:>7.0f} {p50:>7.1f} {p99:>7.1f}"
                f" {rate / base:>4.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
