from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from redis.exceptions import RedisError

# The Redis database the queue tests may empty (override with TEST_REDIS_URL).
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


@pytest.fixture
def rq_settings(settings: Any) -> Iterator[Any]:
    """The production set-up: jobs go to a real Redis, an empty queue at the start and end."""
    try:
        Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError:
        message = f"no Redis at {TEST_REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    settings.REDIS_URL = TEST_REDIS_URL
    settings.TASK_QUEUE = "rq"
    connection = Redis.from_url(TEST_REDIS_URL)
    # The whole test database: the queue, its registries and the scheduler's keys.
    connection.flushdb()
    yield settings
    connection.flushdb()
