from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client, override_settings

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
