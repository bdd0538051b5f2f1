"""The site header: a visitor is offered the staff sign-in; a signed-in person their menu and a
way to sign out, on every page including the cached public ones."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import PlanVersion


def _header(page: str) -> str:
    return page.split('<header class="site-header">')[1].split("</header>")[0]


@pytest.mark.parametrize(
    ("prefix", "sign_in", "menu", "sign_out"),
    [
        ("", "職員サインイン", "職員メニュー", "サインアウト"),
        ("/en", "Staff sign-in", "Staff menu", "Sign out"),
    ],
)
def test_the_header_follows_the_sign_in(
    plan_version: PlanVersion,
    bureau_staff: User,
    osaka_editor: User,
    prefix: str,
    sign_in: str,
    menu: str,
    sign_out: str,
) -> None:
    # A cached public page, a staff page and a desk page.
    paths = ["/", "/themes/carbon_neutral/", "/progress/", "/desk/proposals/"]
    visitor = Client()
    first = _header(visitor.get(f"{prefix}/").content.decode())  # now cached for everyone
    assert f'href="{prefix}/accounts/login/"' in first and sign_in in first
    assert menu not in first and sign_out not in first
    for user in (bureau_staff, osaka_editor):
        staff = client_for(user)
        for path in paths:
            response = staff.get(f"{prefix}{path}", follow=True)
            assert response.status_code == 200, path
            header = _header(response.content.decode())
            assert sign_in not in header, path
            assert f'<a href="{prefix}/progress/" class="staff-menu">{menu}</a>' in header, path
            form = header.split('<form method="post"')[1].split("</form>")[0]
            assert f'action="{prefix}/accounts/logout/"' in form, path
            assert "csrfmiddlewaretoken" in form, path
            assert f'<button type="submit">{sign_out}</button>' in form, path
    # A signed-in visit is neither served from nor kept as the visitors' copy.
    personal = client_for(bureau_staff).get(f"{prefix}/")
    assert "no-cache" in personal["Cache-Control"] and "private" in personal["Cache-Control"]
    assert "ETag" not in personal
    again = visitor.get(f"{prefix}/")
    assert _header(again.content.decode()) == first
    assert "csrfmiddlewaretoken" not in again.content.decode()
    # Signing out from the header's form ends the session.
    staff = client_for(bureau_staff)
    assert staff.post(f"{prefix}/accounts/logout/").status_code == 302
    assert sign_in in _header(staff.get(f"{prefix}/").content.decode())


def test_a_signed_in_visitor_keeps_the_site_frame_when_the_database_is_down(
    client: Client, bureau_staff: User
) -> None:
    # The session cannot be read: the outage page still has its header, offering the sign-in.
    client.force_login(bureau_staff)
    refused = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=refused):
        response = client.get("/progress/")
    assert response.status_code == 503
    header = _header(response.content.decode())
    assert "職員サインイン" in header and "職員メニュー" not in header


def test_a_staff_page_offers_one_sign_out(plan_version: PlanVersion, bureau_staff: User) -> None:
    # The header's sign-out replaces the staff menu's own: one button, not two of one name.
    staff = client_for(bureau_staff)
    for path, label in (("/progress/", "サインアウト"), ("/en/progress/", "Sign out")):
        page = staff.get(path).content.decode()
        assert page.count(f">{label}</button>") == 1, path
