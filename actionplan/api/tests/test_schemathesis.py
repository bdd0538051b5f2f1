"""Property-based checks of the whole API against its own OpenAPI document: no server error,
every answer matches the documented status codes, content types and schemas.

Each operation is driven through its Hypothesis strategy (schemathesis' lazy pytest fixture
loader does not run on this pytest) with a few examples, so the whole run stays under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings

from actionplan.api.api import api
from actionplan.plans.models import PlanVersion

EXAMPLES_PER_OPERATION = 10
PREFIX = "/api/v1/"


def _operations() -> list[Any]:
    document = api.get_openapi_schema(path_prefix=PREFIX)
    labels = sorted(
        f"{method.upper()} {path}"
        for path, methods in document["paths"].items()
        for method in methods
    )
    return labels


@pytest.fixture
def connection_kept_open() -> Iterator[None]:
    # The WSGI handler closes the database connection after each request, which would end the
    # test's transaction (on PostgreSQL: "the connection is closed"). Django's test client does
    # the same as this, for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("connection_kept_open")
@pytest.mark.parametrize("label", _operations())
@override_settings(API_RATE_LIMIT=0)
def test_the_operation_keeps_its_openapi_contract(plan_version: PlanVersion, label: str) -> None:
    method, path = label.split(" ", 1)
    schema = schemathesis.openapi.from_wsgi(PREFIX + "openapi.json", get_wsgi_application())
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Any) -> None:
        case.call_and_validate()

    conforms()
