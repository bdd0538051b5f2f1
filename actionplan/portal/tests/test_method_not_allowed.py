"""An address only a form's button sends to, opened as a link: the site's own 405 page in the
page's language and frame, not Django's empty answer; the API keeps its error shape."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import Action, PlanVersion


@pytest.mark.parametrize(
    ("prefix", "lang", "heading"),
    [
        ("", "ja", "このアドレスは直接開けません"),
        ("/en", "en", "This address cannot be opened directly"),
    ],
)
def test_a_form_s_address_opened_as_a_link_gets_the_site_s_405_page(
    client: Client, plan_version: PlanVersion, prefix: str, lang: str, heading: str
) -> None:
    # Sign-out only takes a POST (a link must not sign anyone out).
    response = client.get(f"{prefix}/accounts/logout/")
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "<main" in page


def test_a_staff_confirmation_opened_as_a_link_says_so_in_japanese(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    response = client_for(bureau_staff).get(f"/desk/needs/{action.key}/restore/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "<h1>このアドレスは直接開けません</h1>" in page
    assert "Method Not Allowed" not in page


def test_the_api_keeps_its_own_answer_to_a_method_it_does_not_take(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.delete("/api/v1/themes")
    assert response.status_code == 405
    assert "<html" not in response.content.decode()
