"""Writes to the jobs people start and follow: start one, mark it running, done or failed."""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LOST, Job
from .queue import enqueue
from .schedule import MISSED_WITHIN

logger = logging.getLogger(__name__)


def job_file_root() -> Path:
    """Where job results are kept: beside uploads, outside the public media URLs, so that a
    result is only served to the person who started the job."""
    return Path(settings.MEDIA_ROOT) / "private" / "jobs"


def start_job(user: Any | None, kind: str, argument: str, run: Callable[[int], Any]) -> Job:
    """Record a job and hand ``run(job_id)`` to the queue once the record is committed. The
    caller has checked the permission; ``user`` None is the system (after an import, say). A
    job of the same kind and argument that the same person (or the system) started and that
    is still waiting or running is returned instead of a second."""
    expire_lost()
    with transaction.atomic():
        running = (
            Job.objects.select_for_update()
            .filter(
                kind=kind,
                argument=argument,
                requested_by=user,
                state__in=(Job.State.QUEUED, Job.State.RUNNING),
            )
            .first()
        )
        if running is not None:
            return running
        job = Job.objects.create(kind=kind, argument=argument, requested_by=user)
        enqueue(run, job.pk)
    return job


def expire_lost(now: datetime.datetime | None = None) -> int:
    """Mark failed the jobs (and scheduled runs) still waiting or running ``JOB_LOST_SECONDS``
    after they were started: their process died (a killed worker, a restart) or their queue
    lost them. Without this such a job would show "in progress" forever, and asking again
    would only return it. Returns how many were marked."""
    from .models import ScheduledRun

    now = now or timezone.now()
    before = now - datetime.timedelta(seconds=settings.JOB_LOST_SECONDS)
    marked = Job.objects.filter(
        state__in=(Job.State.QUEUED, Job.State.RUNNING), created_at__lt=before
    ).update(state=Job.State.FAILED, finished_at=now, error=LOST)
    # A scheduled run is claimed up to MISSED_WITHIN after its time (a clock that was down
    # catches up), so a waiting one is lost only that much later; a running one counts from
    # its start. Judged by its time alone, a run caught up 40 minutes late was marked lost by
    # the expire-jobs run claimed with it, before the worker reached it.
    marked += ScheduledRun.objects.filter(
        Q(state=ScheduledRun.State.QUEUED, due_at__lt=before - MISSED_WITHIN)
        | Q(state=ScheduledRun.State.RUNNING, started_at__lt=before)
    ).update(state=ScheduledRun.State.FAILED, finished_at=now, output=LOST)
    return marked


def begin(job_id: int) -> Job | None:
    """Mark a queued job running; None when it is not waiting any more (run twice)."""
    if not Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    ):
        return None
    return Job.objects.get(pk=job_id)


def finish(job: Job, content: bytes, suffix: str) -> None:
    """Store the job's result and mark it done. The file is written under a temporary name,
    synced, then renamed, so that a half-written result is never offered for download. When it
    cannot be written (a full disk, a read-only folder) the job is failed with the error's kind
    and first line, and nothing is left behind."""
    root = job_file_root()
    name = f"{job.kind}-{job.pk}{suffix}"
    temporary = ""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=root, prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, root / name)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        logger.warning("job %s: result not stored (%s)", job.pk, type(error).__name__)
        # The kind and the error number's text only: paths of the server stay off the page.
        fail(job, f"{type(error).__name__}: {error.strerror or ''}".strip())
        return
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, finished_at=timezone.now(), file_name=name, error=""
    )


def complete(job: Job) -> None:
    """Mark a job done that leaves no file to download (it published something instead)."""
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, finished_at=timezone.now(), error="")


def fail(job: Job, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.FAILED, finished_at=timezone.now(), error=error[:500]
    )
