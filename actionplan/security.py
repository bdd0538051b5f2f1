"""Responses that must never be kept by a browser's cache or a shared proxy.

Staff pages show proposers' contact details, progress reports before publication and the user
list; a proposer's status page and an invitation page are reached through a secret token. Such a
response is marked ``Cache-Control: no-store`` so that neither the nginx proxy cache in front of
the app nor the browser's back-button cache keeps a copy. A signed-in person's pages are treated
the same way whatever they show: a shared cache must never hand them to someone else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

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
