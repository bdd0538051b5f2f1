"""The site's own 403 pages: a page a person may not see, and a form sent with a missing or
stale CSRF token. In the site frame and the page's language, like the 404 and 500 pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from actionplan.conftest import client_for
from actionplan.partnerships.models import Proposal
from actionplan.plans.models import PlanVersion


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("prefix", "lang", "heading", "reason"),
    [
        ("", "ja", "このページを表示する権限がありません", "広域産業振興局だけが使える画面です"),
        ("/en", "en", "You are not allowed to see this page", "This page is for the bureau only"),
    ],
)
def test_a_member_editor_on_a_bureau_page_gets_the_sites_own_403(
    plan_version: PlanVersion, osaka_editor: User, prefix: str, lang: str, heading: str, reason: str
) -> None:
    response = client_for(osaka_editor).get(f"{prefix}/progress/review/")
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert '<header class="site-header">' in page
    assert f"<h1>{heading}</h1>" in page
    assert reason in page
    assert "403 Forbidden" not in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("prefix", "lang", "heading", "advice"),
    [
        ("", "ja", "送信を受け付けられませんでした", "入力した内容は保存されていません"),
        ("/en", "en", "Your form could not be accepted", "Your input has not been saved"),
    ],
)
def test_a_form_sent_without_a_valid_csrf_token_gets_the_sites_own_page(
    plan_version: PlanVersion, prefix: str, lang: str, heading: str, advice: str
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(f"{prefix}/proposals/new/")  # sets the CSRF cookie; the form's token is not sent
    response = client.post(f"{prefix}/proposals/new/", {"csrfmiddlewaretoken": "stale" * 8})
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert '<header class="site-header">' in page
    assert f"<h1>{heading}</h1>" in page
    assert advice in page
    assert "CSRF" not in page
    assert Proposal.objects.count() == 0
