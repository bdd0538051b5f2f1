"""A database that cannot be reached: 503 with Retry-After, never a 500; health answers JSON.

The outage is made at the network edge of the database driver: every attempt to use a
connection fails as it does when the server is down (``connection refused``). The fault test
in ``test_postgres_outage.py`` stops a real PostgreSQL server instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from actionplan.faults.classify import RETRY_AFTER_SECONDS
from actionplan.faults.logs import RepeatFilter
from actionplan.plans.models import PlanVersion

pytestmark = pytest.mark.usefixtures("plan_version")


@pytest.fixture
def database_down() -> Iterator[None]:
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=refused):
        yield


def assert_api_outage(response: object) -> None:
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)  # type: ignore[index]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == 503
    assert body["code"] == "unavailable"
    assert body["field"] is None
    assert "retry" in body["message"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/actions", "/api/v1/themes", "/api/v1/search?q=水素", "/api/v1/progress/reports"],
)
def test_it_answers_the_api_with_503_in_its_error_shape(
    client: Client, database_down: None, path: str
) -> None:
    assert_api_outage(client.get(path))


def test_it_answers_an_api_write_with_503_too(client: Client, database_down: None) -> None:
    response = client.put(
        "/api/v1/progress/reports/1/2025/union",
        {"revision": 0, "status": "in_progress"},
        content_type="application/json",
        headers={"Authorization": "Bearer ap_some-token"},
    )
    assert_api_outage(response)


def test_it_answers_a_page_with_a_japanese_503_in_the_site_frame(
    client: Client, database_down: None
) -> None:
    response = client.get("/themes/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert "一時的にご利用いただけません" in page
    assert f"{RETRY_AFTER_SECONDS}秒ほど" in page
    assert 'class="site-header"' in page  # the site frame, with its menu
    assert "Temporarily" not in page


def test_it_answers_an_english_page_in_english(client: Client, database_down: None) -> None:
    response = client.get("/en/themes/")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Temporarily unavailable" in page
    assert "一時的" not in page


def test_it_answers_a_form_post_with_503(client: Client, database_down: None) -> None:
    client = Client(enforce_csrf_checks=False)
    response = client.post("/proposals/new/", {"title": "水素の実証"})
    assert response.status_code == 503
    assert "フォームを送信していた場合" in response.content.decode()


def test_it_answers_a_signed_in_staff_page_with_503(client: Client) -> None:
    # The session is read from the database by a middleware, before any view runs.
    from actionplan.conftest import make_person

    client.force_login(make_person("someone"))
    refused = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=refused):
        response = client.get("/progress/")
    assert response.status_code == 503
    assert "一時的にご利用いただけません" in response.content.decode()


def test_healthz_answers_without_the_database(client: Client, database_down: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_ok_when_database_and_cache_answer(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }


def test_readyz_answers_503_naming_the_database_when_it_is_down(
    client: Client, database_down: None
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "failed: OperationalError"
    # The cache is the database table by default, so it is down with it.
    assert body["checks"]["cache"] == "failed: OperationalError"


def test_readyz_names_a_failing_cache_alone(client: Client) -> None:
    with mock.patch("actionplan.faults.health.cache.set", side_effect=ConnectionError("redis")):
        body = client.get("/readyz").json()
    assert body["checks"] == {"database": "ok", "cache": "failed: ConnectionError", "queue": "ok"}


def test_readyz_names_an_unreachable_task_queue(client: Client, settings: Any) -> None:
    # With RQ, the queue is ready only while its Redis answers; nothing listens on port 9 here.
    settings.TASK_QUEUE = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    with mock.patch("actionplan.jobs.queue.redis_queue") as queue:
        queue.return_value.connection.ping.side_effect = RedisConnectionError("refused")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == "failed: RuntimeError"


def test_the_outage_is_logged_once_by_the_app_and_not_again_by_django(
    client: Client, database_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/api/v1/themes")
        client.get("/themes/")
    app = [r for r in caplog.records if r.name == "actionplan.faults.middleware"]
    assert len(app) == 2
    assert all("503" in r.getMessage() and r.exc_info is None for r in app)
    django_lines = [r for r in caplog.records if r.name == "django.request"]
    assert not [r for r in django_lines if "Service Unavailable" in r.getMessage()]


def test_repeated_identical_errors_are_written_once_then_counted() -> None:
    repeats = RepeatFilter(interval=60)
    logger = logging.getLogger("actionplan.faults.test")

    def record(path: str) -> logging.LogRecord:
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            import sys

            info = sys.exc_info()
        return logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "Internal Server Error: %s", (path,), info
        )

    passed = [repeats.filter(record(f"/themes/{i}/")) for i in range(1000)]
    assert passed.count(True) == 1
    assert passed[0] is True
    other = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "disk full", (), None)
    assert repeats.filter(other) is True

    repeats.interval = 0  # the interval has passed: the next one goes out with the count
    later = record("/themes/")
    assert repeats.filter(later) is True
    assert "(999 identical records suppressed in" in later.getMessage()


def test_the_console_handler_folds_repeats(plan_version: PlanVersion) -> None:
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert any(isinstance(f, RepeatFilter) for f in handler.filters)
