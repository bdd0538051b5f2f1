"""Every page that reads a number from its query string refuses a bad one with a 400 naming it.

The pages read ``?year=``, ``?page=``, ``?version=`` or ``?theme=`` through
``actionplan.faults.params``; text that is no whole number, or a number beyond what the page
can use, is the client's error in the page's language, never a 500 nor silently ignored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.plans.models import PlanVersion

# (path, parameter, other parameters the page needs to read it, staff page?)
Target = tuple[str, str, dict[str, str], bool]
PAGES: list[Target] = [
    ("/progress/", "year", {}, True),
    ("/progress/dashboard/", "year", {}, True),
    ("/progress/review/", "year", {}, True),
    ("/progress/assignments/matrix/", "year", {}, True),
    ("/progress/translations/", "version", {}, True),
    ("/progress/translations/", "theme", {}, True),
    ("/partnerships/", "year", {}, False),
    ("/search/", "year", {"q": "水素"}, False),
    ("/search/", "page", {"q": "水素"}, False),
]
BAD_VALUES = ["abc", "1e3", "2025.5", "１２", "²", "-5", "0x10", "99999999999999999999", "9" * 400]
MESSAGES = {
    "": "項目「{name}」の値を受け付けられません。",
    "/en": "The value of “{name}” cannot be accepted.",
}


def _ids(target: Target) -> str:
    return f"{target[0]}?{target[1]}"


def _get(bureau_staff: User, target: Target, query: str, prefix: str = "") -> Any:
    """``target``'s page with ``query`` (already encoded) as its parameter's value."""
    path, name, others, staff = target
    client = client_for(bureau_staff) if staff else Client()
    pairs = [f"{key}={quote(value)}" for key, value in others.items()] + [f"{name}={query}"]
    return client.get(f"{prefix}{path}?{'&'.join(pairs)}")


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("target", PAGES, ids=_ids)
def test_a_bad_number_in_the_query_answers_400_naming_it(
    plan_version: PlanVersion, bureau_staff: User, prefix: str, target: Target, value: str
) -> None:
    response = _get(bureau_staff, target, quote(value), prefix)
    assert response.status_code == 400
    page = response.content.decode()
    assert MESSAGES[prefix].format(name=target[1]) in page
    assert "Traceback" not in page


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("target", PAGES, ids=_ids)
def test_a_nul_in_a_number_parameter_answers_400_naming_it(
    plan_version: PlanVersion, bureau_staff: User, prefix: str, target: Target
) -> None:
    response = _get(bureau_staff, target, "20%0025", prefix)
    assert response.status_code == 400
    assert MESSAGES[prefix].format(name=target[1]) in response.content.decode()


@pytest.mark.parametrize("target", PAGES, ids=_ids)
def test_a_good_number_is_still_read(
    plan_version: PlanVersion, bureau_staff: User, target: Target
) -> None:
    theme = plan_version.themes.order_by("position").first()
    assert theme is not None
    good = {
        "year": "2025",
        "page": "1",
        "version": str(plan_version.number),
        "theme": str(theme.pk),
    }
    assert _get(bureau_staff, target, good[target[1]]).status_code == 200
