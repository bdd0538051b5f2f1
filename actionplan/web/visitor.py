"""Whether a request comes from someone signed in, asked without touching an anonymous visit's
session (which would add `Vary: Cookie` to the public pages) nor failing when the session cannot
be read."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest


def is_signed_in(request: HttpRequest) -> bool:
    """True for a signed-in visitor. False without a session cookie (the session is not read),
    without the authentication middleware (an error report's request), or when the session
    cannot be read (the database is down: an outage page keeps its frame)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:
        return False
