"""The `actionplan` command.

`actionplan serve` runs the production server (gunicorn, several worker processes). Everything
else is handed to Django, so `actionplan migrate`, `actionplan import PATH` or
`actionplan createsuperuser` work exactly like the matching `manage.py` commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gunicorn.app.base import BaseApplication

PROG = "actionplan"
HELP_WORDS = frozenset({"help", "--help", "-h"})
SERVE_SUMMARY = "Run the production web server (gunicorn) on the configured database."
# Threaded workers keep HTTP connections alive between requests (sync workers close every one).
# Threads per process, by database (each thread has its own connection). On PostgreSQL a request
# waits for each query on a socket, and a second thread works meanwhile: one process answered
# 5-15 % more requests with two (action page 89-105 -> 110 req/s, API detail 392-402 -> 428-447;
# wrk -c16, 2026-12-06). On SQLite the queries run inside the process and hand the interpreter
# lock over on every row, so a second thread moves the lock between the cores on every query:
# one thread answered a quarter more (action page 164 -> 209 req/s, API detail 633 -> 772,
# theme page 150 -> 190; medians of 3 interleaved rounds, same machine and run).
DEFAULT_THREADS = 2
SQLITE_THREADS = 1
LIMIT_REQUEST_LINE = 8190
# With one thread a process handles each request in its main thread (InlineThreadWorker: no
# hand-over to a pool), and is restarted when a request runs longer than this: the seconds
# nginx waits for an answer (proxy_read_timeout in deploy/nginx/actionplan.conf).
REQUEST_TIMEOUT = 120
INLINE_WORKER = "actionplan.operations.worker.InlineThreadWorker"
# gunicorn's gthread, answering a too long request line with the site's own page.
THREAD_WORKER = "actionplan.operations.worker.ThreadWorker"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")

    if args[:1] == ["serve"]:
        return serve(args[1:])
    if args[:2] == ["help", "serve"]:
        return serve(["--help"])

    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        # Commands are written with hyphens on the command line (load-reference) and with
        # underscores as Python modules (load_reference).
        args[0] = args[0].replace("-", "_")

    if not args or (len(args) == 1 and args[0] in HELP_WORDS):
        # Django's own list of commands does not know about `serve`: put it first.
        print(f"Usage: {PROG} serve [--host H] [--port P] [--workers N] [--threads N]")
        print(f"       {PROG} <command> [options]\n")
        print(f"  serve    {SERVE_SUMMARY}\n")
        args = ["help"]
    execute_from_command_line([PROG, *args])
    return 0


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} serve", description=SERVE_SUMMARY)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="worker processes (WEB_CONCURRENCY, or 2)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help=f"threads per worker process ({SQLITE_THREADS} on SQLite, else {DEFAULT_THREADS})",
    )
    return parser


def serve(argv: Sequence[str]) -> int:
    options = serve_parser().parse_args(argv)

    import django
    from django.conf import settings

    from actionplan.settings import env_int

    # Import the settings in the master process, so a bad setting stops here with its message
    # instead of making every worker fail to boot.
    django.setup()
    collect_static_if_missing()
    workers = options.workers or env_int("WEB_CONCURRENCY", 2)
    threads = options.threads or default_threads()
    host = f"[{options.host}]" if ":" in options.host else options.host
    GunicornServer(
        {
            "bind": f"{host}:{options.port}",
            "workers": workers,
            "worker_class": INLINE_WORKER if threads == 1 else THREAD_WORKER,
            "threads": threads,
            "timeout": REQUEST_TIMEOUT,
            "accesslog": "-",
            # Tokens in URLs are masked, and the client address is the one behind trusted proxies.
            "logger_class": "actionplan.operations.accesslog.AccessLogger",
            "errorlog": "-",
            "loglevel": str(settings.LOG_LEVEL).lower(),
            "proc_name": PROG,
            # The control socket defaults to one path in $HOME, which several servers on one
            # machine would fight over; nothing here uses it.
            "control_socket_disable": True,
            # The largest request line gunicorn takes (its default, 4,094 bytes, is a search of
            # about 450 kanji): the app itself refuses a longer query than it reads, with a
            # page in the reader's language; nginx's default header buffers hold 8 KiB too.
            # A longer line gets the site's bilingual page from the workers (as from nginx).
            "limit_request_line": LIMIT_REQUEST_LINE,
            "post_worker_init": _worker_started,
        },
    ).run()
    return 0


def collect_static_if_missing() -> bool:
    """With DEBUG off, pages name the static files by the manifest that `collectstatic` writes
    with the production storage; a STATIC_ROOT collected with DEBUG on (as `make run` does by
    default) has none, and every page would be a 500. Collect first, then serve."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages
    from django.core.management import call_command

    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return False
    if storage.exists(storage.manifest_name):
        return False
    print(
        f"{PROG}: no {storage.manifest_name} in STATIC_ROOT ({settings.STATIC_ROOT}) for "
        "DEBUG=false: running collectstatic first",
        file=sys.stderr,
    )
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


def default_threads() -> int:
    """Threads per worker process for the configured database (see DEFAULT_THREADS)."""
    from django.db import connections

    return SQLITE_THREADS if connections["default"].vendor == "sqlite" else DEFAULT_THREADS


def _worker_started(worker: Any) -> None:
    """Without a queue worker (TASK_QUEUE=thread, as in `make run`), each app process keeps the
    clock of the scheduled jobs; of several processes one runs each job (a claimed row)."""
    from django.conf import settings

    if settings.TASK_QUEUE == "thread":
        from actionplan.jobs.schedule import start_clock

        start_clock()


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


class GunicornServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        from actionplan.wsgi import application

        return application


if __name__ == "__main__":
    sys.exit(main())
