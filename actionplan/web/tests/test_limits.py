"""Rate limits per real client: proxies, atomic counting, windows, refused forms not counted."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.http import HttpRequest
from django.test import Client, override_settings

from actionplan.partnerships.models import Proposal
from actionplan.partnerships.tests.test_views import form_data
from actionplan.plans.models import PlanVersion
from actionplan.web import ratelimit
from actionplan.web.client import client_address
from actionplan.web.models import RateCounter

pytestmark = pytest.mark.django_db


def post_form(client: Client, headers: dict[str, str] | None = None, **changes: Any) -> Any:
    return client.post("/proposals/new/", form_data(**changes), headers=headers or {})


def request_from(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.1"])
def test_the_client_address_is_read_from_trusted_proxies_only() -> None:
    assert client_address(request_from("10.1.2.3", "198.51.100.7")) == "198.51.100.7"
    # A client that writes its own header: the proxy appends the real address last.
    spoofed = request_from("10.1.2.3", "203.0.113.9, 198.51.100.7")
    assert client_address(spoofed) == "198.51.100.7"
    # Two trusted proxies in a row (CDN, then nginx).
    assert client_address(request_from("10.1.2.3", "198.51.100.7, 192.0.2.1")) == "198.51.100.7"
    # Not a trusted proxy: its header is ignored.
    assert client_address(request_from("198.51.100.50", "203.0.113.9")) == "198.51.100.50"
    assert client_address(request_from("10.1.2.3", "garbage")) == "10.1.2.3"
    assert client_address(request_from("10.1.2.3", "[2001:db8::5]:443")) == "2001:db8::5"


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(request_from("198.51.100.50", "203.0.113.9")) == "198.51.100.50"


@override_settings(TRUSTED_PROXIES=["127.0.0.1"], PROPOSAL_RATE_LIMIT=5)
def test_seven_clients_behind_a_trusted_proxy_each_have_their_own_allowance(
    plan_version: PlanVersion,
) -> None:
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    codes = [
        post_form(proxy, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n in range(1, 8)
    ]
    assert codes == [302] * 7
    assert Proposal.objects.count() == 7


@override_settings(TRUSTED_PROXIES=["127.0.0.1"], PROPOSAL_RATE_LIMIT=5)
def test_spoofed_forwarded_headers_from_an_untrusted_address_are_ignored(
    plan_version: PlanVersion,
) -> None:
    outsider = Client(REMOTE_ADDR="203.0.113.66")
    codes = [
        post_form(outsider, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n in range(1, 8)
    ]
    assert codes == [302] * 5 + [429] * 2
    assert Proposal.objects.count() == 5


@override_settings(PROPOSAL_RATE_LIMIT=2)
def test_refused_forms_do_not_count_against_the_proposal_limit(
    client: Client, plan_version: PlanVersion
) -> None:
    for _ in range(4):
        assert post_form(client, title="").status_code == 400  # a typing mistake
    assert [post_form(client).status_code for _ in range(3)] == [302, 302, 429]


@override_settings(PROPOSAL_RATE_LIMIT=1, PROPOSAL_RATE_WINDOW_SECONDS=3600)
def test_the_proposal_window_lasts_the_configured_hour(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = 1_800_000_000  # the start of a window (a multiple of 3600)
    monkeypatch.setattr(ratelimit, "_clock", lambda: start)
    assert post_form(client).status_code == 302
    counter = RateCounter.objects.get()
    assert counter.expires - counter.window_start == 3600
    # Still refused 5 minutes and 59 minutes later (the old counter was reset after 300 s).
    for later in (301, 3599):
        monkeypatch.setattr(ratelimit, "_clock", lambda later=later: start + later)
        assert post_form(client).status_code == 429
    monkeypatch.setattr(ratelimit, "_clock", lambda: start + 3600)
    assert post_form(client).status_code == 302
    # Windows that are over are cleared.
    assert RateCounter.objects.filter(window_start=start).count() == 0


def _burst(limit: int, attempts: int) -> list[int]:
    """`attempts` concurrent hits from one client, released at once; the waits they got."""
    barrier = threading.Barrier(attempts)
    waits: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        from django.db import OperationalError, connection

        try:
            barrier.wait()
            for _ in range(200):
                try:
                    wait = ratelimit.hit(
                        request_from("198.51.100.9"), "burst", limit=limit, window=60
                    )
                    break
                except OperationalError as exc:
                    # The SQLite test database lives in shared-cache memory, whose table locks
                    # fail at once instead of waiting like the file database does (its busy
                    # timeout): ask again. Each statement is atomic either way.
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
            with lock:
                waits.append(wait)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return waits


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_thirty_concurrent_requests_accepts_exactly_the_limit_in_the_database() -> None:
    waits = _burst(5, 30)
    assert len(waits) == 30
    assert sum(1 for w in waits if w == 0) == 5
    assert RateCounter.objects.get().hits == 30


REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to a Redis database for tests")
def test_a_burst_of_thirty_concurrent_requests_accepts_exactly_the_limit_in_redis(
    settings: Any,
) -> None:
    settings.REDIS_URL = REDIS_URL
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    caches["default"].clear()
    try:
        waits = _burst(5, 30)
        assert sum(1 for w in waits if w == 0) == 5 and len(waits) == 30
        assert not RateCounter.objects.exists()  # counted in Redis, not in the database
    finally:
        caches["default"].clear()


def test_the_counters_never_hold_a_client_address_in_the_clear(
    client: Client, plan_version: PlanVersion
) -> None:
    post_form(client)
    bucket = RateCounter.objects.get().bucket
    assert "127.0.0.1" not in bucket and form_data()["email"] not in bucket


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_the_access_log_shows_the_forwarded_client_address() -> None:
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from actionplan.web.accesslog import ClientAddressLogger

    logger = ClientAddressLogger(Config())
    response = SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[])
    request = SimpleNamespace(method="GET", path="/", query="", version=(1, 1), headers=[])
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "198.51.100.7",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }

    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=0.01))
    assert atoms["h"] == "198.51.100.7"
    environ["REMOTE_ADDR"] = "203.0.113.1"  # not a trusted proxy: its header is not believed
    assert logger.atoms(response, request, environ, datetime.timedelta(0))["h"] == "203.0.113.1"
