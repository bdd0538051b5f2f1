"""Responses that must never be kept by a browser's cache or a shared proxy, and the
Content-Security-Policy middleware (django-csp's, with its header built once per process).

Staff pages show proposers' contact details, progress reports before publication and the user
list; a proposer's status page and an invitation page are reached through a secret token. Such a
response is marked ``Cache-Control: no-store`` so that neither the nginx proxy cache in front of
the app nor the browser's back-button cache keeps a copy. A signed-in person's pages are treated
the same way whatever they show: a shared cache must never hand them to someone else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise

# Every page of these URL namespaces is private.
PRIVATE_NAMESPACES = frozenset({"accounts", "admin"})
# Pages of the progress app that the public reads; every other progress page is for staff.
PUBLIC_PROGRESS_PAGES = frozenset(
    {"annual_index", "annual", "annual_theme", "annual_xlsx", "public_action"},
)
# Pages of the partnership desk that show or take a proposer's personal data.
PRIVATE_PARTNERSHIP_PAGES = frozenset(
    {
        "new",
        "status",
        "withdraw",
        "desk",
        "proposal",
        "transition",
        "assign",
        "note",
        "attachment",
        "hub_edit",
        "organization_new",
        "organization_edit",
    },
)


def is_private(request: HttpRequest) -> bool:
    # Without a session cookie nobody is signed in; looking at request.user would load the
    # session and add "Vary: Cookie" to every anonymous answer.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        user = getattr(request, "user", None)
        try:
            if user is not None and user.is_authenticated:
                return True
        except Exception:
            # The session could not be read (the database is down): whoever sent the cookie may
            # be signed in, so the answer is treated as private.
            return True
    match = request.resolver_match
    if match is None:
        return False
    namespaces = set(match.namespaces)
    if namespaces & PRIVATE_NAMESPACES:
        return True
    if "progress" in namespaces:
        return match.url_name not in PUBLIC_PROGRESS_PAGES
    if "partnerships" in namespaces:
        return match.url_name in PRIVATE_PARTNERSHIP_PAGES
    return False


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if is_private(request):
            # Replaces any public caching header a shared view may have set.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response


CSP_SETTINGS = frozenset({"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"})


@functools.cache
def _settings_header(report_only: bool) -> tuple[str, tuple[str, ...]] | None:
    """The header of the settings' policy with no nonce, as django-csp builds it, and the
    policy's excluded URL prefixes; None when a value is lazy (a report-uri from reverse_lazy),
    which is then built on each request as the library does."""
    name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
    policy = getattr(settings, name, None) or {}
    for value in (policy.get("DIRECTIVES") or {}).values():
        values = value if isinstance(value, list | tuple | set) else [value]
        if any(isinstance(v, Promise) for v in values):
            return None
    prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES") or ())
    return build_policy(report_only=report_only), prefixes


@receiver(setting_changed)
def _forget_csp_header(*, setting: str, **_kwargs: Any) -> None:
    if setting in CSP_SETTINGS:
        _settings_header.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware, with the header of the settings' policy built once per process.

    Why: the library builds the policy from the settings on every response (and the report-only
    one, empty here): 40 µs per response, against 5 µs for this class (its middleware alone,
    RequestFactory, medians of five). In-process through the whole stack (WSGI handler called
    directly, PUBLIC_CACHES=off, alternating blocks of 300 in one process, three runs), each
    answer got 0.04-0.05 ms faster: the API's action detail 0.46 -> 0.41 ms (about 10 %), its
    list of 50 1.35 -> 1.29 ms, an action page 3.22 -> 3.17 ms.

    A response that changes the policy goes through the library: one whose page used the
    nonce, one whose view set a policy of its own (csp_update, csp_replace, csp and
    csp_exempt leave `_csp_*` attributes on the response), a debug error page; so does every
    response while a directive holds a lazy value. The memo is dropped when a test changes the
    CONTENT_SECURITY_POLICY settings.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(name.startswith("_csp_") for name in vars(response))
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        enforced, report_only = _settings_header(False), _settings_header(True)
        if enforced is None or report_only is None:
            return super().process_response(request, response)
        for header, (value, prefixes) in ((HEADER, enforced), (HEADER_REPORT_ONLY, report_only)):
            if value and header not in response and not request.path_info.startswith(prefixes):
                response[header] = value
        # As the library: the nonce, read after the header is written, is refused loudly.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
