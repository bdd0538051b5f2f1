from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import Client
from ninja import Router

from actionplan.accounts.permissions import PermissionDenied, can_act_for, require
from actionplan.api.actions import create_api_token, revoke_api_token
from actionplan.api.api import api
from actionplan.api.auth import token_auth
from actionplan.api.models import ApiToken
from actionplan.plans.models import MemberGovernment

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "message", "field"}

# A write-protected endpoint shaped like the ones other apps add, to test the auth on its own.
_router = Router()


@_router.post("/whoami/{lg_code}", auth=token_auth, include_in_schema=False)
def whoami(request: HttpRequest, lg_code: str) -> dict[str, str]:
    government = MemberGovernment.objects.get(lg_code=lg_code)
    require(can_act_for(request.user, government), f"may not act for {government.name_ja}")
    return {"username": request.user.get_username()}


api.add_router("/_tests_auth", _router)


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def test_it_creates_a_token_stored_only_as_a_hash(bureau_staff: User, osaka_editor: User) -> None:
    new = create_api_token(bureau_staff, osaka_editor, "Osaka sync")
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert new.plaintext.startswith("ap_") and len(new.plaintext) > 40
    assert stored.prefix == new.plaintext[:11]
    assert new.plaintext not in (stored.token_hash, stored.name)
    assert len(stored.token_hash) == 64
    assert stored.owner == osaka_editor and stored.revoked_at is None
    assert stored.history.count() == 1


def test_a_token_acts_for_its_owner(client: Client, bureau_staff: User, osaka_editor: User) -> None:
    new = create_api_token(bureau_staff, osaka_editor, "Osaka sync")
    response = client.post("/api/v1/_tests_auth/whoami/270008", headers=bearer(new.plaintext))
    assert response.status_code == 200
    assert response.json() == {"username": "osaka"}
    assert ApiToken.objects.get(pk=new.token.pk).last_used is not None


def test_an_editor_token_gets_the_same_permission_checks_as_the_web(
    client: Client, bureau_staff: User, osaka_editor: User
) -> None:
    new = create_api_token(bureau_staff, osaka_editor, "Osaka sync")
    response = client.post("/api/v1/_tests_auth/whoami/260002", headers=bearer(new.plaintext))
    assert response.status_code == 403
    body = response.json()
    assert set(body) == SHAPE and body["code"] == "forbidden"


def test_a_revoked_token_is_refused(client: Client, bureau_staff: User, osaka_editor: User) -> None:
    new = create_api_token(bureau_staff, osaka_editor, "Osaka sync")
    revoke_api_token(bureau_staff, new.token)
    response = client.post("/api/v1/_tests_auth/whoami/270008", headers=bearer(new.plaintext))
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "code": "unauthenticated",
        "message": "a valid API token is required",
        "field": None,
    }


@pytest.mark.parametrize("header", [None, "Bearer ap_unknown-token", "Basic Zm9vOmJhcg=="])
def test_an_unknown_or_missing_token_is_refused(
    client: Client, reference: None, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/_tests_auth/whoami/270008", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == SHAPE and body["code"] == "unauthenticated"


def test_a_token_of_a_deactivated_user_is_refused(
    client: Client, bureau_staff: User, osaka_editor: User
) -> None:
    new = create_api_token(bureau_staff, osaka_editor, "Osaka sync")
    osaka_editor.is_active = False
    osaka_editor.save()
    response = client.post("/api/v1/_tests_auth/whoami/270008", headers=bearer(new.plaintext))
    assert response.status_code == 401


def test_only_bureau_staff_create_or_revoke_tokens(
    osaka_editor: User, kyoto_editor: User, outsider: User, bureau_admin: User
) -> None:
    for person in (osaka_editor, outsider):
        with pytest.raises(PermissionDenied):
            create_api_token(person, osaka_editor, "mine")
    new = create_api_token(bureau_admin, kyoto_editor, "Kyoto")
    with pytest.raises(PermissionDenied):
        revoke_api_token(kyoto_editor, new.token)
    assert ApiToken.objects.get().revoked_at is None


def test_the_command_creates_lists_and_revokes(client: Client, osaka_editor: User) -> None:
    out = StringIO()
    call_command("api_token", "create", "osaka", "nightly sync", stdout=out)
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert plaintext.startswith(token.prefix) and token.name == "nightly sync"

    out = StringIO()
    call_command("api_token", "list", stdout=out)
    assert token.prefix in out.getvalue() and "active" in out.getvalue()

    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client.post("/api/v1/_tests_auth/whoami/270008", headers=bearer(plaintext))
    assert response.status_code == 401


def test_the_command_names_an_unknown_user(reference: None) -> None:
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("api_token", "create", "nobody", "x")


def test_the_admin_shows_a_new_token_once(client: Client, bureau_admin: User) -> None:
    bureau_admin.is_staff = bureau_admin.is_superuser = True
    bureau_admin.save()
    client.force_login(bureau_admin)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"owner": bureau_admin.pk, "name": "from the admin"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.name == "from the admin"
    assert token.prefix in response.content.decode()
