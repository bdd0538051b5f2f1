"""An address only a form's button sends to, opened as a link: the site's own 405 page in the
page's language and frame, not Django's empty answer; the API keeps its error shape."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.test import Client, RequestFactory

from actionplan.conftest import client_for
from actionplan.plans.models import Action, PlanVersion
from actionplan.portal.errors import MethodNotAllowedPageMiddleware


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


def test_machine_endpoints_keep_their_own_answer(client: Client, plan_version: PlanVersion) -> None:
    # The health probe answers a POST with Django's empty 405, as a monitor expects; the API
    # with its own text.
    probe = client.post("/healthz")
    assert probe.status_code == 405 and probe.content == b""
    api = client.delete("/api/v1/themes")
    assert api.status_code == 405 and "<html" not in api.content.decode()


def _through(response: HttpResponseBase) -> HttpResponseBase:
    request = RequestFactory().get("/desk/needs/x/restore/")
    return MethodNotAllowedPageMiddleware(lambda _request: response)(request)


def test_a_streamed_or_written_405_is_left_as_it_is(plan_version: PlanVersion) -> None:
    streamed = StreamingHttpResponse(iter([b"x"]), status=405)
    assert _through(streamed) is streamed
    written = HttpResponse(b"not this way", status=405)
    assert _through(written) is written


def test_no_allow_header_is_made_up(plan_version: PlanVersion) -> None:
    page = _through(HttpResponse(status=405))
    assert page.status_code == 405 and "Allow" not in page
    assert "このアドレスは直接開けません" in page.content.decode()  # type: ignore[attr-defined]
