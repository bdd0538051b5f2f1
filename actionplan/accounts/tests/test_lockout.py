"""Sign-in lock-out by user name and client address (django-axes), and unlocking it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client, override_settings

from actionplan.conftest import PASSWORD, client_for

ATTACKER = "203.0.113.5"
VICTIM = "198.51.100.20"


def sign_in(client: Client, password: str, **headers: str) -> int:
    response = client.post(
        "/accounts/login/", {"username": "osaka", "password": password}, headers=headers
    )
    return response.status_code


def test_passwords_are_hashed_with_argon2(osaka_editor: User) -> None:
    assert osaka_editor.password.startswith("argon2")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_name_is_locked_from_the_failing_address_even_for_the_right_password(
    osaka_editor: User,
) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    assert [sign_in(attacker, "wrong") for _ in range(3)] == [200, 200, 429]
    assert sign_in(attacker, PASSWORD) == 429
    assert "_auth_user_id" not in attacker.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_nobody_can_lock_a_victim_out_from_another_address(osaka_editor: User) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(20):
        sign_in(attacker, "wrong")
    victim = Client(REMOTE_ADDR=VICTIM)
    assert sign_in(victim, PASSWORD) == 302
    assert victim.session["_auth_user_id"] == str(osaka_editor.pk)


@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_the_lock_follows_the_forwarded_address(
    osaka_editor: User,
) -> None:
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(3):
        sign_in(proxy, "wrong", X_FORWARDED_FOR=ATTACKER)
    assert sign_in(proxy, PASSWORD, X_FORWARDED_FOR=ATTACKER) == 429
    assert sign_in(Client(REMOTE_ADDR="127.0.0.1"), PASSWORD, X_FORWARDED_FOR=VICTIM) == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_success_before_the_limit_clears_the_count(osaka_editor: User) -> None:
    client = Client(REMOTE_ADDR=ATTACKER)
    assert sign_in(client, "wrong") == sign_in(client, "wrong") == 200
    assert sign_in(client, PASSWORD) == 302
    client.logout()
    assert sign_in(client, "wrong") == sign_in(client, "wrong") == 200
    assert sign_in(client, PASSWORD) == 302


@override_settings(AXES_FAILURE_LIMIT=2)
def test_a_bureau_admin_sees_and_lifts_a_lock(osaka_editor: User, bureau_admin: User) -> None:
    locked = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(2):
        sign_in(locked, "wrong")
    assert sign_in(locked, PASSWORD) == 429
    admin = client_for(bureau_admin)
    page = admin.get("/accounts/lockouts/")
    text = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "サインインのロック" in text and "osaka" in text and ATTACKER in text
    english = admin.get("/en/accounts/lockouts/").content.decode()
    assert "Sign-in lock-outs" in english and "Unlock" in english
    from axes.models import AccessAttempt  # type: ignore[import-untyped]

    attempt = AccessAttempt.objects.get(username="osaka")
    done = admin.post(f"/accounts/lockouts/{attempt.pk}/unlock/", follow=True)
    assert "osaka のロックを解除しました" in done.content.decode()
    assert not AccessAttempt.objects.exists()
    assert sign_in(locked, PASSWORD) == 302


@override_settings(AXES_FAILURE_LIMIT=2)
def test_only_bureau_admins_may_unlock(
    osaka_editor: User, kyoto_editor: User, bureau_staff: User
) -> None:
    locked = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(2):
        sign_in(locked, "wrong")
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="osaka")
    for outsider in (client_for(kyoto_editor), client_for(bureau_staff)):
        assert outsider.get("/accounts/lockouts/").status_code == 403
        assert outsider.post(f"/accounts/lockouts/{attempt.pk}/unlock/").status_code == 403
    anonymous = Client()
    assert anonymous.post(f"/accounts/lockouts/{attempt.pk}/unlock/").status_code == 302
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert sign_in(locked, PASSWORD) == 429
