"""The gunicorn workers of `actionplan serve`: ``ThreadWorker`` (gunicorn's ``gthread``) and,
when a process has one thread, ``InlineThreadWorker``. Both answer a request line longer than
gunicorn accepts (a search of about 900 kanji) with the site's own bilingual page, the one nginx
answers its own 414 with, instead of gunicorn's bare English "URI Too Long".

gunicorn's threaded worker (``gthread``) reads connections in its main thread and hands every
request to a thread pool. With one thread per process (the default on SQLite, see
`actionplan.cli.default_threads`) the pool only adds a hand-over per request: the request
waits for the pool's thread to wake, the main thread for its result, and the interpreter lock
moves between the two. Measured on a two-core machine (bundled plan, `wrk -t2 -c16`, one
process, `PUBLIC_CACHES=off`, three interleaved rounds): `GET /api/v1/actions/ID` 750–830
req/s with the pool against 950–1,170 with the request handled in the main thread.

`InlineThreadWorker` is that worker with the request handled where the connection was read.
What gthread does for connections stays: keep-alive, the poller for idle and kept-alive
connections (a browser's speculative connection that sends nothing waits in the poller, never
in front of other requests, unlike gunicorn's ``sync`` worker), graceful stops, the limits.
One difference: while a request runs, the worker does not tell the master that it is alive,
so a request longer than gunicorn's ``timeout`` gets the process restarted, as with the
``sync`` worker; `actionplan serve` sets that timeout to nginx's ``proxy_read_timeout``.
"""

from __future__ import annotations

from concurrent import futures
from functools import cache
from pathlib import Path
from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers import gthread

# The static page nginx sends for its 414 (deploy/nginx/actionplan.conf, error_page 414).
REQUEST_TOO_LONG_PAGE = (
    Path(__file__).resolve().parents[1]
    / "portal"
    / "static"
    / "portal"
    / "errors"
    / "request-too-long.html"
)


@cache
def request_too_long_response() -> bytes:
    body = REQUEST_TOO_LONG_PAGE.read_bytes()
    head = (
        "HTTP/1.1 414 URI Too Long\r\n"
        "Connection: close\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Language: ja, en\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not isinstance(exc, LimitRequestLine):
            super().handle_error(req, client, addr, exc)
            return
        # The request line is cut short, so its path (and language) is unknown: the page says
        # it in both languages, as nginx's does.
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, request_too_long_response())
        except Exception:
            self.log.debug("Failed to send error message.")


class InlineThreadWorker(ThreadWorker):
    _handling = False

    def enqueue_req(self, conn: Any) -> None:
        if self._handling:
            # A request read ahead after another (pipelining): the next turn of the loop
            # takes it, instead of a call within a call for each one.
            self.method_queue.defer(self.enqueue_req, conn)
            return
        self._handling = True
        try:
            done: futures.Future[Any] = futures.Future()
            # handle() answers every error of the request itself (500, 400 …) and returns
            # whether to keep the connection; SystemExit (a stop) goes up to the loop.
            done.set_result(self.handle(conn))
            self.finish_request(conn, done)
        finally:
            self._handling = False

    def handle(self, conn: Any) -> Any:
        # gthread waits up to 5 s on the thread for a new connection's first bytes; here that
        # wait would hold up every other connection: one with nothing to read yet goes to the
        # poller at once, which calls back when its request arrives.
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(0):
            return gthread._DEFER
        return super().handle(conn)
