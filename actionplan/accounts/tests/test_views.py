from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings

from actionplan.accounts.models import Invitation, Profile, Role
from actionplan.conftest import PASSWORD, client_for
from actionplan.plans.models import MemberGovernment


def test_staff_invites_an_editor_who_accepts_and_is_signed_in(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    # The invitation mail leaves through the outbox once the invitation is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bureau_staff).post(
            "/accounts/users/",
            {
                "email": "new@example.jp",
                "role": Role.MEMBER_EDITOR,
                "member_government": _osaka_pk(),
            },
        )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/invitations/\S+/)", str(mail.outbox[0].body))
    assert link is not None and mail.outbox[0].to == ["new@example.jp"]
    invitation = Invitation.objects.get()
    assert link.group(1).split("/")[-2] not in invitation.token_hash  # only the hash is stored
    client = Client()
    accepted = client.post(
        link.group(1), {"username": "newbie", "password": "kansai progress 2026!"}
    )
    assert accepted.status_code == 302
    profile = Profile.objects.get(user__username="newbie")
    assert profile.role == Role.MEMBER_EDITOR and profile.member_government is not None
    assert profile.user.password.startswith("argon2")
    # The link works once.
    assert client.get(link.group(1)).status_code == 404


def test_editor_cannot_invite(osaka_editor: User) -> None:
    response = client_for(osaka_editor).post(
        "/accounts/users/", {"email": "x@example.jp", "role": Role.BUREAU_STAFF}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_staff_cannot_invite_an_admin(bureau_staff: User) -> None:
    response = client_for(bureau_staff).post(
        "/accounts/users/", {"email": "x@example.jp", "role": Role.BUREAU_ADMIN}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_login_page_says_the_name_is_locked(osaka_editor: User) -> None:
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "osaka", "password": "nope"})
    page = client.post("/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert page.status_code == 429
    assert "この利用者名はこの端末から15分間サインインできません" in page.content.decode()
    assert "_auth_user_id" not in client.session
    english = client.post("/en/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert "this user name cannot sign in from this device for 15 minutes" in (
        english.content.decode()
    )


def test_login_page_signs_in(osaka_editor: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/progress/"


def test_only_admin_deactivates(bureau_admin: User, bureau_staff: User, osaka_editor: User) -> None:
    url = f"/accounts/users/{osaka_editor.pk}/active/"
    assert client_for(bureau_staff).post(url, {"active": "0"}).status_code == 403
    client_for(bureau_admin).post(url, {"active": "0"})
    osaka_editor.refresh_from_db()
    assert not osaka_editor.is_active


def _osaka_pk() -> int:
    return MemberGovernment.objects.get(lg_code="270008").pk


def test_users_page_in_english_names_each_users_member_government(bureau_staff: User) -> None:
    page = client_for(bureau_staff).get("/en/accounts/users/").content.decode()
    # The plan's catalogue gives the plain word as the actor "Member prefectures and cities".
    assert "<th>Member government</th>" in page
