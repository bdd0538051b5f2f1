"""Sign-in with a lock-out after repeated failures (state in the database, see LoginLock)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from .lockout import is_locked


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a user name while it is locked, even with the right
    password (otherwise the lock would not slow down a guesser)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None and is_locked(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
