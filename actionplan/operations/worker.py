"""The gunicorn workers of `actionplan serve`: ``ThreadWorker`` (gunicorn's ``gthread``) and,
when a process has one thread, ``InlineThreadWorker``. Both answer a request line longer than
gunicorn accepts (a search of about 900 kanji) with the site's own page instead of gunicorn's
bare English "URI Too Long": in English for an address under /en/, in Japanese otherwise (the
language is read from the start of the request line, all that is kept of it).

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
from functools import cache, partial
from pathlib import Path
from typing import Any

from gunicorn import util
from gunicorn.http import Request, RequestParser
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers import gthread

# The static page nginx sends for its 414 (deploy/nginx/actionplan.conf, error_page 414): nginx
# does not look at the address, so that one says it in both languages.
REQUEST_TOO_LONG_PAGE = (
    Path(__file__).resolve().parents[1]
    / "portal"
    / "static"
    / "portal"
    / "errors"
    / "request-too-long.html"
)

# The worker's page, in the language of the address: self-contained (no Django in here), the
# same words as nginx's page.
_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{heading} | {site}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/portal/portal.css">
</head>
<body>
  <header class="site-header">
    <div class="site-header__inner">
      <p class="site-name"><a href="{home}">{site}</a></p>
    </div>
  </header>
  <main id="main">
    <h1>{heading}</h1>
    <p>{text}</p>
    <p><a href="{home}">{home_link}</a></p>
  </main>
</body>
</html>
"""

_WORDS = {
    "ja": {
        "site": "関西広域産業ビジョン アクションプラン",
        "heading": "アドレスが長すぎます",
        "text": "このページのアドレス（URL）が長すぎるため、表示できません。検索していた場合は、"
        "検索語を200文字以内に短くしてから、もう一度お試しください。",
        "home": "/",
        "home_link": "トップページへ",
    },
    "en": {
        "site": "Kansai Industrial Vision Action Plan",
        "heading": "The address is too long",
        "text": "This page cannot be shown because its address (URL) is too long. If you were "
        "searching, shorten your search to 200 characters or fewer and try again.",
        "home": "/en/",
        "home_link": "Go to the home page",
    },
}

# How much of the request line is kept to tell its language: the method and the path's start.
LINE_START = 64


def language_of_request_line(start: bytes) -> str:
    """The language of the page for a request line, given its first bytes: English for a path
    /en or under /en/, Japanese (the site's default) for any other."""
    parts = start.split(b" ", 2)
    if len(parts) < 2:
        return "ja"
    target = parts[1]
    if b"://" in target[:10]:  # absolute form: http://host/en/…
        target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
    path = target.split(b"?", 1)[0].split(b"#", 1)[0]
    return "en" if path == b"/en" or path.startswith(b"/en/") else "ja"


@cache
def request_too_long_response(language: str = "ja") -> bytes:
    language = language if language in _WORDS else "ja"
    body = _PAGE.format(lang=language, **_WORDS[language]).encode()
    head = (
        "HTTP/1.1 414 URI Too Long\r\n"
        "Connection: close\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Language: {language}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class _Request(Request):  # type: ignore[misc]
    """gunicorn's request that, when its line is too long, gives the exception the line's start
    (the only place the bytes read are kept is the parse's own buffer)."""

    _buffer: bytearray | None = None

    def read_into(self, unreader: Any, buf: bytearray, stop: bool = False) -> None:
        self._buffer = buf
        super().read_into(unreader, buf, stop)

    def parse(self, unreader: Any) -> Any:
        try:
            return super().parse(unreader)
        except LimitRequestLine as exc:
            exc.line_start = bytes((self._buffer or b"")[:LINE_START])
            raise


def _init_reading_line_starts(conn: Any, init: Any) -> None:
    init()
    if type(conn.parser) is RequestParser:  # HTTP/1.x (not HTTP/2, not uwsgi)
        conn.parser.mesg_class = _Request


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    def handle(self, conn: Any) -> Any:
        if not conn.initialized and "init" not in vars(conn):
            # The connection's parser is made in its init(): from then on, its requests keep
            # the start of a request line too long (for the language of the 414 page).
            conn.init = partial(_init_reading_line_starts, conn, conn.init)
        return super().handle(conn)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not isinstance(exc, LimitRequestLine):
            super().handle_error(req, client, addr, exc)
            return
        # The page is in the language of the address, read from the line's start.
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        language = language_of_request_line(getattr(exc, "line_start", b""))
        try:
            util.write_nonblock(client, request_too_long_response(language))
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
