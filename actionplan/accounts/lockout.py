"""Counting failed sign-ins and locking a user name for a while."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from .models import LoginLock


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def is_locked(username: str) -> bool:
    return LoginLock.objects.filter(
        username=_key(username), locked_until__gt=timezone.now()
    ).exists()


def record_failure(username: str) -> LoginLock:
    now = timezone.now()
    with transaction.atomic():
        lock, _ = LoginLock.objects.select_for_update().get_or_create(username=_key(username))
        if lock.locked_until and lock.locked_until <= now:
            # The lock ran out: start counting again.
            lock.failures = 0
            lock.locked_until = None
        lock.failures = F("failures") + 1
        lock.last_failure_at = now
        lock.save()
        lock.refresh_from_db()
        if lock.failures >= settings.ACCOUNTS_LOCKOUT_FAILURES and lock.locked_until is None:
            lock.locked_until = now + datetime.timedelta(minutes=settings.ACCOUNTS_LOCKOUT_MINUTES)
            lock.save(update_fields=["locked_until"])
    return lock


def clear(username: str) -> None:
    LoginLock.objects.filter(username=_key(username)).delete()


@receiver(user_login_failed)
def _on_login_failed(sender: object, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = credentials.get("username")
    if isinstance(username, str) and username:
        record_failure(username)


@receiver(user_logged_in)
def _on_logged_in(sender: object, user: Any, **kwargs: Any) -> None:
    clear(user.get_username())
