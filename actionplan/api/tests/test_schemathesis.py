"""Property-based checks of the whole API against its own OpenAPI document, with every check
schemathesis has (`--checks all`): no server error, every answer matches the documented status
codes, content types, headers and schemas, valid input is accepted and invalid input refused.
Both generation modes run: negative cases put NUL into every free-text string (the document
forbids it), which on PostgreSQL used to answer 500. `SCHEMATHESIS_EXAMPLES` sets the examples
per operation and mode (10 by default; README states the figures of a larger run).

Each operation is driven through its Hypothesis strategy (schemathesis' lazy pytest fixture
loader does not run on this pytest) with a few examples, so the whole run stays under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from actionplan.api.api import api
from actionplan.faults.middleware import UNUSABLE
from actionplan.plans.models import PlanVersion

EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))


def _holds_unusable_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(UNUSABLE.search(value))
    if isinstance(value, Mapping):
        return any(_holds_unusable_text(k) or _holds_unusable_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_unusable_text(item) for item in value)
    return False


def positive_data_acceptance_without_nul(ctx: Any, response: Any, case: Any) -> bool | None:
    # NUL is refused anywhere in a request, also inside free-form objects whose keys and values
    # JSON Schema leaves open (the document can only forbid it on typed strings). A request that
    # holds it is checked by every other check (no 5xx, a documented 422), not by this one.
    parts = (case.path_parameters, case.query, case.headers, case.cookies, case.body)
    if _holds_unusable_text(parts):
        return None
    return positive_data_acceptance(ctx, response, case)


# `--checks all`: every check schemathesis has for an OpenAPI document.
ALL_CHECKS = [
    positive_data_acceptance_without_nul if check is positive_data_acceptance else check
    for check in CHECKS.get_all()
]
PREFIX = "/api/v1/"


def _operations() -> list[Any]:
    """(label, mode) pairs: negative cases only where the operation takes such input."""
    document = api.get_openapi_schema(path_prefix=PREFIX)
    cases = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            cases.append((label, schemathesis.GenerationMode.POSITIVE))
            # Invalid path segments are left out by schemathesis (they would change the URL):
            # an operation needs a query parameter or a body to have negative cases.
            queried = [p for p in operation.get("parameters", []) if p["in"] != "path"]
            if queried or operation.get("requestBody"):
                cases.append((label, schemathesis.GenerationMode.NEGATIVE))
    return sorted(cases, key=lambda case: (case[0], case[1].value))


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
@pytest.mark.parametrize(("label", "mode"), _operations(), ids=lambda v: getattr(v, "value", v))
@override_settings(API_RATE_LIMIT=0)
def test_the_operation_keeps_its_openapi_contract(
    plan_version: PlanVersion, label: str, mode: schemathesis.GenerationMode
) -> None:
    # Positive cases must be accepted (or found missing); negative ones — a NUL in a string,
    # a number out of range, a missing field — must be refused with a 4xx, never a 5xx.
    method, path = label.split(" ", 1)
    schema = schemathesis.openapi.from_wsgi(PREFIX + "openapi.json", get_wsgi_application())
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Any) -> None:
        case.call_and_validate(checks=ALL_CHECKS)

    conforms()
