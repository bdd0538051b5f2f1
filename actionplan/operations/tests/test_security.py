"""Security headers: a Content-Security-Policy that needs nothing inline, private pages never
stored by a cache, and the proxy, cookie, HSTS and SMTP settings read from the environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, SELF
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import clear_script_prefix, reverse_lazy, set_script_prefix
from django.urls import path as url_path

from actionplan.conftest import client_for
from actionplan.plans.models import PlanVersion
from actionplan.security import CSPMiddleware

# Pages of every kind: portal, API documentation, admin, staff pages, the A4 annual report.
PUBLIC_PAGES = [
    "/",
    "/en/",
    "/themes/life_science/",
    "/hubs/",
    "/proposals/new/",
    "/api/v1/docs",
    "/admin/login/",
    "/accounts/login/",
    "/progress/annual/2025/",
]
STAFF_PAGES = [
    "/progress/",
    "/progress/dashboard/",
    "/progress/cycles/",
    "/desk/proposals/",
    "/accounts/users/",
    "/admin/",
]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.nonces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if "style" in names:
            self.blocked.append(f"<{tag} style=…>")
        if any(name.startswith("on") for name in names):
            self.blocked.append(f"<{tag} on…=>")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.blocked.append("<script> without src")
        if tag == "style":
            self.nonces.append(names.get("nonce") or "")


def policy_of(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_page(client: Client, path: str) -> None:
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], path
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
    parser = InlineCode()
    parser.feed(response.content.decode())
    assert parser.blocked == [], f"{path}: {parser.blocked}"
    for nonce in parser.nonces:
        # A <style> element is allowed only through this response's nonce.
        assert nonce and f"'nonce-{nonce}'" in policy["style-src"], path


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_need_nothing_inline(plan_version: PlanVersion, path: str) -> None:
    check_page(Client(), path)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_need_nothing_inline(
    plan_version: PlanVersion, bureau_admin: User, path: str
) -> None:
    bureau_admin.is_staff = bureau_admin.is_superuser = True
    bureau_admin.save()
    check_page(client_for(bureau_admin), path)


def test_the_api_answers_carry_the_policy_too(plan_version: PlanVersion) -> None:
    response = Client().get("/api/v1/themes")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def is_no_store(response: object) -> bool:
    words = {w.strip() for w in response.get("Cache-Control", "").split(",")}  # type: ignore[attr-defined]
    return "no-store" in words and "private" in words


@pytest.mark.parametrize(
    "path", ["/progress/", "/progress/cycles/", "/desk/proposals/", "/accounts/users/"]
)
def test_staff_pages_with_personal_data_are_never_stored(
    plan_version: PlanVersion, bureau_admin: User, path: str
) -> None:
    response = client_for(bureau_admin).get(path)
    assert response.status_code == 200
    assert is_no_store(response), response.get("Cache-Control")


def test_token_pages_and_forms_are_never_stored(plan_version: PlanVersion) -> None:
    client = Client()
    for path in [
        "/proposals/new/",
        "/proposals/status/not-a-real-token/",
        "/accounts/invitations/not-a-real-token/",
        "/accounts/login/",
    ]:
        assert is_no_store(client.get(path)), path


def test_public_pages_stay_cacheable(plan_version: PlanVersion) -> None:
    client = Client()
    for path in ["/", "/themes/life_science/", "/progress/annual/2025/", "/proposals/privacy/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert not is_no_store(response), path


def settings_under(environment: dict[str, str], *names: str) -> dict[str, object]:
    """The named settings as a fresh process reads them from this environment."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "EMAIL_", "SESSION_", "CSRF_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="actionplan.settings", **environment)
    completed = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_proxy_https_header_is_off_unless_named() -> None:
    assert settings_under({}, "SECURE_PROXY_SSL_HEADER") == {"SECURE_PROXY_SSL_HEADER": None}
    named = settings_under(
        {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER"
    )
    assert named == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_https_settings_are_read_from_the_environment() -> None:
    values = settings_under(
        {
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "yes",
            "SECURE_SSL_REDIRECT": "1",
            "DEBUG": "true",
        },
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    assert values == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        # Secure cookies follow DEBUG unless set.
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_smtp_settings_are_read_from_the_environment() -> None:
    values = settings_under(
        {
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "s3cret",
            "EMAIL_USE_TLS": "true",
            "EMAIL_TIMEOUT": "10",
        },
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
        "EMAIL_TIMEOUT",
    )
    assert values == {
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


def test_tls_and_ssl_together_are_refused() -> None:
    env = dict(os.environ, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    env["DJANGO_SETTINGS_MODULE"] = "actionplan.settings"
    completed = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert re.search(r"EMAIL_USE_TLS and EMAIL_USE_SSL", completed.stderr)


# --- the Content-Security-Policy header, built once per process (actionplan/security.py) ---


@csp_update({"img-src": ["https://tiles.example.org"]})
def _view_with_update(request: HttpRequest) -> HttpResponse:
    return HttpResponse("update")


@csp_replace({"script-src": ["https://cdn.example.org"]})
def _view_with_replace(request: HttpRequest) -> HttpResponse:
    return HttpResponse("replace")


@csp_exempt()
def _exempt_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt")


def _plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


# The URLconf of the tests marked `pytest.mark.urls(__name__)`.
urlpatterns = [
    url_path("update/", _view_with_update),
    url_path("replace/", _view_with_replace),
    url_path("exempt/", _exempt_view),
    url_path("plain/", _plain_view),
    url_path("csp-reports/", _plain_view, name="csp_reports"),
]
LIBRARY_MIDDLEWARE = [
    "csp.middleware.CSPMiddleware" if name == "actionplan.security.CSPMiddleware" else name
    for name in settings.MIDDLEWARE
]
# "{action}" stands for an action of the imported plan (its id differs between databases).
ANSWERS = ["/api/v1/actions/{action}", "/api/v1/actions?limit=50", "/api/v1/themes", "/", "/hubs/"]


def headers_of(path: str) -> tuple[str | None, str | None]:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.get(HEADER), response.get(HEADER_REPORT_ONLY)


def style_nonce(html: str) -> str:
    parser = InlineCode()
    parser.feed(html)
    assert len(parser.nonces) == 1 and parser.nonces[0]
    return parser.nonces[0]


@pytest.mark.parametrize("path", ANSWERS)
def test_pages_and_api_answers_get_the_librarys_own_header(
    plan_version: PlanVersion, path: str
) -> None:
    path = path.format(action=plan_version.actions.order_by("pk").values_list("pk", flat=True)[0])
    ours = [headers_of(path), headers_of(path)]
    with override_settings(MIDDLEWARE=LIBRARY_MIDDLEWARE):
        library = headers_of(path)
    assert ours == [library, library]
    assert library[0] and library[1] is None


def test_a_page_using_the_nonce_gets_a_new_one_in_its_header_each_time(
    plan_version: PlanVersion,
) -> None:
    client = Client()
    before = client.get("/api/v1/themes")[HEADER]
    nonces = []
    for _ in range(2):
        response = client.get("/progress/annual/2025/")
        nonce = style_nonce(response.content.decode())
        assert f"'nonce-{nonce}'" in policy_of(response)["style-src"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    # The nonce of one page never reaches the header of another.
    assert client.get("/api/v1/themes")[HEADER] == before
    assert "nonce-" not in before


def test_the_nonce_read_after_the_header_is_written_is_refused() -> None:
    request = RequestFactory().get("/plain/")
    middleware = CSPMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


@pytest.mark.urls(__name__)
def test_views_with_a_policy_of_their_own_keep_it(db: None) -> None:
    client = Client()
    plain = policy_of(client.get("/plain/"))
    updated = policy_of(client.get("/update/"))
    assert updated["img-src"] == [*plain["img-src"], "https://tiles.example.org"]
    assert policy_of(client.get("/replace/"))["script-src"] == ["https://cdn.example.org"]
    assert HEADER not in client.get("/exempt/")
    # And the next ordinary answer has the settings' policy again.
    assert policy_of(client.get("/plain/")) == plain


@pytest.mark.urls(__name__)
def test_changed_settings_change_the_header(db: None) -> None:
    client = Client()
    assert policy_of(client.get("/plain/"))["object-src"] == ["'none'"]
    changed = {"DIRECTIVES": {"default-src": [SELF], "img-src": ["https://example.org"]}}
    report_only = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/csp-reports/"}}
    with override_settings(
        CONTENT_SECURITY_POLICY=changed, CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only
    ):
        response = client.get("/plain/")
        assert policy_of(response) == {
            "default-src": ["'self'"],
            "img-src": ["https://example.org"],
        }
        assert response[HEADER_REPORT_ONLY] == "default-src 'self'; report-uri /csp-reports/"
    with override_settings(
        CONTENT_SECURITY_POLICY={**changed, "EXCLUDE_URL_PREFIXES": ["/plain/"]}
    ):
        assert HEADER not in client.get("/plain/")
    response = client.get("/plain/")
    assert policy_of(response)["object-src"] == ["'none'"]
    assert HEADER_REPORT_ONLY not in response


@pytest.mark.urls(__name__)
@override_settings(
    CONTENT_SECURITY_POLICY_REPORT_ONLY={
        "DIRECTIVES": {"default-src": [SELF], "report-uri": reverse_lazy("csp_reports")}
    }
)
def test_a_lazy_report_uri_is_written_for_each_request(db: None) -> None:
    client = Client()
    assert client.get("/plain/")[HEADER_REPORT_ONLY] == (
        "default-src 'self'; report-uri /csp-reports/"
    )
    set_script_prefix("/plan/")
    try:
        under_prefix = client.get("/plain/")
    finally:
        clear_script_prefix()
    assert under_prefix[HEADER_REPORT_ONLY] == "default-src 'self'; report-uri /plan/csp-reports/"
