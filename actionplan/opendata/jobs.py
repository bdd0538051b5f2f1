"""Open data builds as jobs of the task queue, never inside a request.

- After a plan version becomes current (an import or an activation) and when bureau staff ask
  for it, a build is started as a recorded job (``jobs.actions.start_job``): its state, and the
  error of a failed build, are shown to bureau staff at /jobs/.
- A request that finds the files older than the data starts an unrecorded build (one at a
  time) and is answered from the previous files meanwhile (``publish.current_publication``).

A failed build leaves nothing behind but its error: the previous files stay published.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from actionplan.jobs import actions as jobs
from actionplan.jobs.models import Job
from actionplan.jobs.queue import enqueue
from actionplan.plans import models as plans

from .export import ExportError

logger = logging.getLogger(__name__)

KIND = "opendata"
# The queue id of a build started by a request: while one waits or runs, requests start no other.
BUILD_JOB = "opendata-build"


def _build_now() -> None:
    from .publish import build_current

    build_current()


def build_in_background() -> None:
    enqueue(_build_now, job_id=BUILD_JOB, after_commit=False)


def build_open_data(job_id: int) -> None:
    """The recorded job: build the files of the current data; a failure is kept on the job."""
    job = jobs.begin(job_id)
    if job is None:
        return
    from .publish import build_current

    try:
        build_current()
    except (ExportError, OSError) as error:
        # The error's kind and first line only: paths of the server stay out of the page.
        detail = str(error).splitlines()[0][:200] if str(error) else ""
        logger.warning("open data build %s failed: %s", job_id, type(error).__name__)
        jobs.fail(job, f"{type(error).__name__}: {detail}")
        return
    jobs.complete(job)


def start_build(user: Any | None) -> Job:
    """Record a build and queue it once the caller's transaction commits (``user``: the staff
    member who asked, None after an activation). The caller has checked the permission."""
    return jobs.start_job(user, KIND, "", build_open_data)


def on_version_saved(
    sender: type[plans.PlanVersion], instance: plans.PlanVersion, **kwargs: Any
) -> None:
    fields = kwargs.get("update_fields")
    made_current = fields is None or "is_current" in fields
    if instance.is_current and made_current and not kwargs.get("raw"):
        # Inside the activation's transaction: the job row commits with it, the build after it.
        transaction.on_commit(lambda: start_build(None))
