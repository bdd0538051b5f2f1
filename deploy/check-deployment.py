"""Checks of a running deployment, made through nginx (run by deploy/test-deployment.sh).

Standard library only, so it runs with the deployment's own Python. Every check runs and the
failures are listed together at the end. A new check is one line in `main()`: a call of
`check(name, condition, detail)` on what `site.get(...)` / `site.post(...)` answered; `client=`
sends the request as if from that address (nginx appends it to X-Forwarded-For).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import ssl
import sys
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path

FAILURES: list[str] = []


def check(name: str, condition: bool, detail: object = "") -> None:
    print(f"{'ok  ' if condition else 'FAIL'} {name}" + ("" if condition else f": {detail}"))
    if not condition:
        FAILURES.append(name)


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""

    def cookies(self) -> SimpleCookie:
        jar: SimpleCookie = SimpleCookie()
        for value in self.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return jar

    def set_cookie_lines(self) -> list[str]:
        return list(self.headers.get_all("Set-Cookie") or [])

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Connection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, with the site's host name for SNI and certificate checks."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext) -> None:
        super().__init__(host, port, context=context, timeout=30)
        self._context = context

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


@dataclass
class Site:
    host: str
    http_port: int
    https_port: int
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        https: bool = True,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        client: str | None = None,
        keep_cookies: bool = False,
    ) -> Answer:
        sent = {"Host": f"{self.host}:{self.https_port if https else self.http_port}"}
        if keep_cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if client:
            sent["X-Forwarded-For"] = client
        sent.update(headers or {})
        connection: http.client.HTTPConnection
        if https:
            connection = _Connection(self.host, self.https_port, self.context)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.msg, response.read())
        finally:
            connection.close()
        if keep_cookies:
            for name, morsel in answer.cookies().items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, **options: object) -> Answer:
        return self.request("GET", path, **options)  # type: ignore[arg-type]

    def head(self, path: str, **options: object) -> Answer:
        return self.request("HEAD", path, **options)  # type: ignore[arg-type]

    def post_form(self, path: str, fields: dict[str, str], *, client: str | None = None) -> Answer:
        """A form post as a browser makes it: the CSRF cookie and token of a GET first."""
        form = self.get(path, keep_cookies=True, client=client)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text())
        if token is None:
            raise RuntimeError(f"{path}: no CSRF token in the form")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
            client=client,
            keep_cookies=True,
        )

    def sign_in(self, username: str, password: str, *, client: str | None = None) -> Answer:
        self.cookies.clear()
        return self.post_form(
            "/accounts/login/", {"username": username, "password": password}, client=client
        )


def cache_control(answer: Answer) -> set[str]:
    return {word.strip() for word in answer.header("Cache-Control").split(",") if word.strip()}


def csp_ok(answer: Answer) -> bool:
    policy = answer.header("Content-Security-Policy")
    return "default-src 'self'" in policy and "unsafe-inline" not in policy


# A page the checks below fetch (so nginx keeps it), and one they never fetch.
CACHED_PAGE = "/themes/carbon_neutral/"
NEVER_FETCHED_PAGE = "/themes/diverse_talent/"
NEVER_FETCHED_API = "/api/v1/actions?limit=3&offset=7"
# A sentence of each language of the pages nginx answers itself (error_page in the site).
TOO_LONG_PAGE = ("アドレスが長すぎます", "The address is too long")
UNAVAILABLE_PAGE = ("一時的にご利用いただけません", "Temporarily unavailable")


def check_own_page(name: str, answer: Answer, status: int, sentences: tuple[str, str]) -> None:
    """``answer`` is nginx's bilingual page: the status, both languages, no inline code."""
    text = answer.text()
    check(f"{name} is a {status}", answer.status == status, answer.status)
    check(
        f"… with the site's page in Japanese and English ({sentences[1]!r})",
        all(sentence in text for sentence in sentences) and 'lang="en"' in text,
        text[:300],
    )
    check("… which needs no inline script or style", csp_ok(answer) and "<style" not in text)


def check_app_down(site: Site) -> int:
    """With every app process stopped: nginx answers a page it keeps from its cache
    (proxy_cache_use_stale error timeout http_503 …) and fails cleanly for one it never saw."""
    kept = site.get(CACHED_PAGE)
    check(
        "app down: a page fetched before is served from nginx's cache",
        kept.status == 200 and kept.header("X-Cache-Status") in ("STALE", "HIT"),
        (kept.status, kept.header("X-Cache-Status")),
    )
    missing = site.get(NEVER_FETCHED_PAGE)
    check(
        "app down: a page never fetched is a 503 from nginx, with Retry-After",
        missing.status == 503 and missing.header("Retry-After") == "10",
        (missing.status, missing.header("Retry-After")),
    )
    check_own_page("app down: that page", missing, 503, UNAVAILABLE_PAGE)
    answer = site.get(NEVER_FETCHED_API)
    body = json.loads(answer.body) if answer.header("Content-Type") == "application/json" else {}
    check(
        "app down: an API answer never fetched is the API's JSON error (503, unavailable)",
        answer.status == 503
        and body.get("status") == 503
        and body.get("code") == "unavailable"
        and answer.header("Retry-After") == "10",
        (answer.status, answer.header("Content-Type"), answer.body[:200]),
    )
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed: {', '.join(FAILURES)}")
        return 1
    print("\nevery check passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--cafile", help="certificate to trust (default: no verification)")
    parser.add_argument("--app-log", action="append", default=[], type=Path)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--status-token", required=True)
    parser.add_argument(
        "--app-down",
        action="store_true",
        help="only check what nginx answers while no app process answers (run after the rest)",
    )
    options = parser.parse_args()

    if options.cafile:
        context = ssl.create_default_context(cafile=options.cafile)
    else:
        context = ssl._create_unverified_context()  # noqa: S323 - the test's self-signed cert
    site = Site(options.host, options.http_port, options.https_port, context)
    if options.app_down:
        return check_app_down(site)

    # Plain HTTP: redirected to HTTPS, except the load balancer's health check.
    answer = site.get("/themes/", https=False)
    check("HTTP redirects to HTTPS", answer.status == 301, answer.status)
    check("… to an https:// URL", answer.header("Location").startswith("https://"), answer.headers)
    answer = site.get("/healthz", https=False)
    check("/healthz answers over HTTP", answer.status == 200, answer.status)

    # Public pages and API over HTTPS, GET and HEAD.
    for path in ["/", "/en/", "/themes/life_science/", "/api/v1/themes", "/healthz"]:
        answer = site.get(path)
        check(f"GET {path} is 200", answer.status == 200, answer.status)
        head = site.head(path)
        check(
            f"HEAD {path} is 200 without a body", head.status == 200 and not head.body, head.status
        )
    api = site.get("/api/v1/themes")
    check("the API answers JSON", api.header("Content-Type").startswith("application/json"))
    check("… with the plan's themes", len(json.dumps(json.loads(api.body))) > 100)

    # A request line longer than nginx and the app accept (a search of 1,000 kanji is 9,000
    # bytes percent-encoded): nginx's 414 is the site's bilingual page, not its English one.
    long_query = "/search/?q=" + "a" * (9000 - len("/search/?q="))
    check_own_page("a 9,000-byte request line", site.get(long_query), 414, TOO_LONG_PAGE)
    check_own_page("… over plain HTTP", site.get(long_query, https=False), 414, TOO_LONG_PAGE)

    # Security headers on every kind of HTML page.
    home = site.get("/")
    for path in ["/", "/api/v1/docs", "/admin/login/", "/accounts/login/", "/proposals/new/"]:
        answer = home if path == "/" else site.get(path)
        check(
            f"{path}: Content-Security-Policy without unsafe-inline",
            csp_ok(answer),
            answer.header("Content-Security-Policy"),
        )
    hsts = home.header("Strict-Transport-Security")
    check(
        "HSTS for a year, subdomains, preload",
        hsts == "max-age=31536000; includeSubDomains; preload",
        hsts,
    )
    check("nosniff", home.header("X-Content-Type-Options") == "nosniff")

    # What the app allows to be cached (here an open data file, max-age=300) is answered by
    # nginx's cache the second time; a conditional request then gets 304 from nginx.
    first = site.get("/opendata/files/themes.csv")
    again = site.get("/opendata/files/themes.csv")
    check("an open data file is served", first.status == 200, first.status)
    check(
        "a second request is a proxy-cache hit",
        again.header("X-Cache-Status") == "HIT",
        (again.status, again.header("X-Cache-Status"), first.header("Cache-Control")),
    )
    conditional = site.get(
        "/opendata/files/themes.csv", headers={"If-None-Match": first.header("ETag") or '"-"'}
    )
    check("a conditional request is a 304", conditional.status == 304, conditional.status)

    # Static files come from nginx (no app header), hashed names cached for a year.
    css = re.search(r'href="(/static/portal/portal\.[0-9a-f]{12}\.css)"', home.text())
    check("the page links a hashed stylesheet", css is not None)
    if css:
        answer = site.get(css.group(1), headers={"Accept-Encoding": "gzip"})
        check("the stylesheet is served", answer.status == 200, answer.status)
        check("… by nginx from STATIC_ROOT", not answer.header("Content-Security-Policy"))
        check(
            "… cached for a year, immutable",
            {"immutable", "max-age=31536000"} <= cache_control(answer),
            answer.headers,
        )

    # Cookies are Secure; signed-in pages are never stored by a cache.
    login = site.get("/accounts/login/", keep_cookies=True)
    check("the login page is no-store", "no-store" in cache_control(login), login.headers)
    csrf = [c for c in login.set_cookie_lines() if c.startswith("csrftoken=")]
    check("the CSRF cookie is Secure", bool(csrf) and "Secure" in csrf[0], csrf)
    signed_in = site.sign_in(options.username, options.password)
    session = [c for c in signed_in.set_cookie_lines() if c.startswith("sessionid=")]
    check("signing in works through nginx", signed_in.status == 302, signed_in.status)
    check(
        "the session cookie is Secure and HttpOnly",
        bool(session) and "Secure" in session[0] and "HttpOnly" in session[0],
        session,
    )
    admin = site.get("/admin/", keep_cookies=True)
    check("a signed-in page opens", admin.status == 200, admin.status)
    check("… is no-store", "no-store" in cache_control(admin), admin.headers)
    check(
        "… and bypasses nginx's cache",
        admin.header("X-Cache-Status") in ("BYPASS", ""),
        admin.header("X-Cache-Status"),
    )

    # A proposer's status page: private, and its token never reaches the logs.
    status_path = f"/proposals/status/{options.status_token}/"
    status = site.get(status_path)
    check("the status page opens", status.status == 200, status.status)
    check("… is no-store", "no-store" in cache_control(status), status.headers)

    # Both app processes served requests through nginx.
    logs = [path.read_text(encoding="utf-8", errors="replace") for path in options.app_log]
    for path, text in zip(options.app_log, logs, strict=True):
        served = [line for line in text.splitlines() if '"GET /' in line and "/healthz" not in line]
        check(f"{path.name}: served requests from nginx", bool(served))
    check("no status token in the app logs", all(options.status_token not in t for t in logs))
    check("… masked instead", any("/proposals/status/***/" in t for t in logs))

    # Public pages may be kept by nginx for PUBLIC_PROXY_SECONDS: the second request is a hit.
    page = CACHED_PAGE
    first = site.get(page)
    again = site.get(page)
    check(
        "a second page request is a proxy-cache hit",
        again.status == 200 and again.header("X-Cache-Status") == "HIT",
        (again.status, again.header("X-Cache-Status"), first.header("Cache-Control")),
    )
    etag = first.header("ETag")
    check("a page carries an ETag", bool(etag), first.headers)

    # Rate limits count each client behind the proxy apart (API_RATE_LIMIT=40 in this test).
    # Distinct URLs, so that every request reaches an app process instead of nginx's cache.
    statuses = [
        site.get(f"/api/v1/actions?limit=1&offset={n}", client="203.0.113.10").status
        for n in range(45)
    ]
    check("one client is limited", 429 in statuses and statuses[0] == 200, statuses)
    other = site.get("/api/v1/actions?limit=1&offset=100", client="203.0.113.20")
    check("… while another client is not", other.status == 200, other.status)

    # Sign-in lock-out by user name and address: a victim signs in from elsewhere.
    attacker, victim = "203.0.113.66", "198.51.100.7"
    for _ in range(6):
        site.sign_in(options.username, "wrong-password", client=attacker)
    locked = site.sign_in(options.username, options.password, client=attacker)
    check("the attacker's address is locked out", locked.status != 302, locked.status)
    elsewhere = site.sign_in(options.username, options.password, client=victim)
    check(
        "the locked user name signs in from another address",
        elsewhere.status == 302,
        elsewhere.status,
    )

    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed: {', '.join(FAILURES)}")
        return 1
    print("\nevery check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
