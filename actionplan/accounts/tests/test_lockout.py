from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from actionplan.accounts.models import LoginLock
from actionplan.conftest import PASSWORD


def login(client: Client, username: str, password: str) -> bool:
    return client.login(username=username, password=password)


@override_settings(ACCOUNTS_LOCKOUT_FAILURES=3, ACCOUNTS_LOCKOUT_MINUTES=15)
def test_name_is_locked_after_repeated_failures_even_with_the_right_password(
    osaka_editor: User,
) -> None:
    client = Client()
    for _ in range(3):
        assert not login(client, "osaka", "wrong password")
    assert LoginLock.objects.get(username="osaka").locked_until is not None
    assert not login(client, "osaka", PASSWORD)


@override_settings(ACCOUNTS_LOCKOUT_FAILURES=3)
def test_success_before_the_limit_clears_the_count(osaka_editor: User) -> None:
    client = Client()
    assert not login(client, "osaka", "wrong password")
    assert not login(client, "osaka", "wrong password")
    assert login(client, "osaka", PASSWORD)
    assert not LoginLock.objects.filter(username="osaka").exists()


def test_passwords_are_hashed_with_argon2(osaka_editor: User) -> None:
    assert osaka_editor.password.startswith("argon2")


@override_settings(ACCOUNTS_LOCKOUT_FAILURES=2, ACCOUNTS_LOCKOUT_MINUTES=15)
def test_lock_runs_out_and_counting_starts_again(osaka_editor: User) -> None:
    client = Client()
    for _ in range(2):
        login(client, "osaka", "wrong password")
    lock = LoginLock.objects.get(username="osaka")
    lock.locked_until = timezone.now() - datetime.timedelta(seconds=1)
    lock.save()
    assert login(client, "osaka", PASSWORD)


@override_settings(ACCOUNTS_LOCKOUT_FAILURES=2)
def test_lock_is_per_name_and_ignores_case(osaka_editor: User, kyoto_editor: User) -> None:
    client = Client()
    login(client, "OSAKA", "wrong password")
    login(client, "osaka", "wrong password")
    assert not login(client, "osaka", PASSWORD)
    assert login(client, "kyoto", PASSWORD)
