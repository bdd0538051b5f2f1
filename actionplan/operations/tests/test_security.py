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
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import PlanVersion

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
