"""Stale-if-error: during a database outage, a public page or API answer fetched before is served
from its last good copy in the cache (Redis in production; here Django's memory cache stands in
for it, since the default database cache is down with the database). Anything else stays a 503.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from actionplan.faults.classify import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.usefixtures("plan_version")


@pytest.fixture
def reachable_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_CACHES = True
    yield
    from django.core.cache import cache

    cache.clear()


def database_down() -> Any:
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')
    return mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=refused)


def assert_outage_page(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "X-Served-Stale" not in response


@pytest.mark.usefixtures("reachable_cache")
@pytest.mark.parametrize("path", ["/themes/", "/en/themes/", "/themes/carbon_neutral/"])
def test_a_page_fetched_before_the_outage_is_served_stale(client: Client, path: str) -> None:
    fresh = client.get(path)
    assert fresh.status_code == 200 and "X-Served-Stale" not in fresh
    with database_down():
        stale = client.get(path)
    assert stale.status_code == 200
    assert stale.content == fresh.content
    assert stale["X-Served-Stale"] == "1"
    assert int(stale["Age"]) >= 0
    assert stale["Cache-Control"].startswith("max-age=0, stale-if-error=")
    assert stale["Content-Language"] == ("en" if path.startswith("/en/") else "ja")
    assert "ETag" not in stale  # nothing can be confirmed current without the database


@pytest.mark.usefixtures("reachable_cache")
def test_a_page_never_fetched_is_a_503(client: Client) -> None:
    client.get("/themes/")
    with database_down():
        assert_outage_page(client.get("/themes/life_science/"))
        # The same page in the other language is another page.
        assert_outage_page(client.get("/en/themes/"))


@pytest.mark.usefixtures("reachable_cache")
def test_the_api_answers_stale_json_for_a_url_read_before_and_503_json_otherwise(
    client: Client,
) -> None:
    fresh = client.get("/api/v1/themes")
    assert fresh.status_code == 200
    with database_down():
        stale = client.get("/api/v1/themes")
        missing = client.get("/api/v1/actions?limit=3")
        search = client.get("/api/v1/search?q=水素")  # never cached: follows the index
    assert stale.status_code == 200 and stale["X-Served-Stale"] == "1"
    assert stale.json() == fresh.json()
    assert stale["Access-Control-Allow-Origin"] == "*"
    for answer in (missing, search):
        assert_outage_page(answer)
        assert answer.json()["code"] == "unavailable"


@pytest.mark.usefixtures("reachable_cache")
def test_a_request_with_a_session_or_credentials_never_gets_a_stale_copy(client: Client) -> None:
    client.get("/themes/")
    with database_down():
        assert client.get("/themes/").status_code == 200
        client.cookies["sessionid"] = "whoever"
        assert_outage_page(client.get("/themes/"))
        del client.cookies["sessionid"]
        assert_outage_page(client.get("/themes/", headers={"Authorization": "Bearer ap_x"}))


@pytest.mark.usefixtures("reachable_cache")
def test_a_signed_in_persons_page_is_never_kept(client: Client) -> None:
    from actionplan.conftest import make_person

    client.force_login(make_person("someone"))
    assert client.get("/themes/").status_code == 200
    client.logout()
    with database_down():
        assert_outage_page(Client().get("/themes/"))


@pytest.mark.usefixtures("reachable_cache")
def test_last_good_copies_are_bounded_by_cache_max_entries(client: Client, settings: Any) -> None:
    settings.CACHE_MAX_ENTRIES = 1
    first = client.get("/themes/")
    client.get("/en/themes/")  # takes the only slot
    with database_down():
        assert client.get("/en/themes/")["X-Served-Stale"] == "1"
        assert_outage_page(client.get("/themes/"))
    assert first.status_code == 200


def test_without_a_reachable_cache_every_page_is_a_503(client: Client) -> None:
    # The default cache is the database table: it goes down with the database.
    client.get("/themes/")
    with database_down():
        assert_outage_page(client.get("/themes/"))
