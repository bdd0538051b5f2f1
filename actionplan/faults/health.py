"""Liveness and readiness, both JSON, for load balancers and orchestrators.

``/healthz`` says the process answers; it touches nothing else, so a database outage never makes
a load balancer restart healthy app processes. ``/readyz`` runs every check of
``READINESS_CHECKS`` and answers 200 when all pass, else 503 naming the ones that failed: a
component this app needs (a task queue, …) is one more function in that list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .classify import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

Check = Callable[[], None]
_PROBE_KEY = "faults:readiness-probe"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # A write and a read: a cache that accepts connections but not writes is not ready either.
    value = str(time.time())
    cache.set(_PROBE_KEY, value, 30)
    if cache.get(_PROBE_KEY) is None:
        raise RuntimeError("the cache did not keep a value")


def check_queue() -> None:
    from actionplan.jobs.queue import queue_ready

    ready, detail = queue_ready()
    if not ready:
        raise RuntimeError(detail)


# name → check; each raises when its component is not usable.
READINESS_CHECKS: dict[str, Check] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:
            # The kind of error only: messages can hold host names and user names.
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
