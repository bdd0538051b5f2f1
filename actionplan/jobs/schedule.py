"""Scheduled work: the outbox, gathered submissions, reminders, digests, the personal-data purge
and the file sweeps run at set times as jobs of the task queue, in production and in the
embedded default alike.

Each scheduled job is one of the project's commands, run by name. Times are cron expressions in
``TIME_ZONE``, read with croniter (the parser RQ's own cron scheduler uses); ``SCHEDULE`` changes
a time or turns a job off, ``SCHEDULER=false`` turns the whole schedule off (for a site that
prefers the system's cron calling the same commands).

Who keeps the clock:

- ``TASK_QUEUE=rq``: each ``actionplan worker`` runs a clock thread that hands due jobs to the
  queue, where a worker runs them like any other job;
- ``TASK_QUEUE=thread`` (``make run``): each app process runs the clock thread and the job runs
  in a thread of that process, so that one command is still enough.

Why a clock here rather than RQ's ``CronScheduler``: that one needs Redis (the embedded default
has none) and remembers its runs only inside one scheduler process, so two of them (two app
processes, or two workers) would run every job twice. Here each run is claimed by inserting
a row keyed by the job and its due time (``ScheduledRun``, unique): of any number of clocks, one
runs it, and bureau staff see the last runs and their errors at ``/jobs/``. A clock started
after a due time (a restart) runs what fell due in the last ``MISSED_WITHIN`` once, never older
runs, and never twice.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from io import StringIO
from typing import TYPE_CHECKING

from croniter import croniter
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Max, Q
from django.db.utils import DatabaseError
from django.utils import timezone

from .queue import enqueue
from .timetable import DEFAULT_SCHEDULE, Scheduled

if TYPE_CHECKING:
    from .models import ScheduledRun

logger = logging.getLogger(__name__)

# A clock that was down when a job fell due runs it once if the due time is this recent
# (a restart, a deployment); a daily job missed by more waits for its next time.
MISSED_WITHIN = datetime.timedelta(hours=1)
# How often a clock looks at the schedule: every job's time is a whole minute.
TICK_SECONDS = 30
# How long the record of a run is kept (for /jobs/ and `actionplan schedule`): the five-minute
# jobs alone write some 860 a day.
RUNS_KEPT = datetime.timedelta(days=30)


def schedule() -> list[Scheduled]:
    """The jobs that run, with their times after ``SCHEDULE``."""
    overrides: dict[str, str] = settings.SCHEDULE
    jobs = []
    for job in DEFAULT_SCHEDULE:
        cron = overrides.get(job.name, job.cron)
        if cron != "off":
            jobs.append(Scheduled(job.name, cron, job.args))
    return jobs


def last_due(job: Scheduled, now: datetime.datetime) -> datetime.datetime:
    """The latest time at or before ``now`` when ``job`` fell due (aware, in TIME_ZONE)."""
    local = timezone.localtime(now)
    # croniter's get_prev is strictly before its start: start a second later to include now.
    due: datetime.datetime = croniter(job.cron, local + datetime.timedelta(seconds=1)).get_prev(
        datetime.datetime
    )
    return due


def next_due(job: Scheduled, now: datetime.datetime) -> datetime.datetime:
    due: datetime.datetime = croniter(job.cron, timezone.localtime(now)).get_next(datetime.datetime)
    return due


def claim_due(now: datetime.datetime | None = None) -> list[int]:
    """Claim every job due now that no clock has claimed: one ``ScheduledRun`` row each (the
    unique key makes a second claim fail). Returns the ids of the runs claimed."""
    from .models import ScheduledRun

    now = now or timezone.now()
    claimed = []
    for job in schedule():
        due = last_due(job, now)
        if now - due > MISSED_WITHIN:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=job.name, due_at=due)
        except IntegrityError:
            continue  # another clock (or an earlier tick) has it
        claimed.append(run.pk)
    return claimed


def run_scheduled(run_id: int) -> None:
    """The job: run the command of a claimed run and keep its outcome (and the first line of
    an error) on the run."""
    from .models import ScheduledRun

    if not ScheduledRun.objects.filter(pk=run_id, state=ScheduledRun.State.QUEUED).update(
        state=ScheduledRun.State.RUNNING, started_at=timezone.now()
    ):
        return  # run already (a job handed over twice)
    run = ScheduledRun.objects.get(pk=run_id)
    job = next((j for j in DEFAULT_SCHEDULE if j.name == run.name), None)
    output = StringIO()
    try:
        if job is None:
            raise ValueError(f"no scheduled job {run.name!r}")
        call_command(job.name.replace("-", "_"), *job.args, stdout=output, stderr=output)
    except Exception as error:
        # The kind and first line only: no paths or addresses of the server on the page.
        detail = str(error).splitlines()[0][:300] if str(error) else ""
        logger.warning("scheduled %s failed: %s", run.name, type(error).__name__)
        ScheduledRun.objects.filter(pk=run_id).update(
            state=ScheduledRun.State.FAILED,
            finished_at=timezone.now(),
            output=f"{type(error).__name__}: {detail}",
        )
        return
    ScheduledRun.objects.filter(pk=run_id).update(
        state=ScheduledRun.State.DONE,
        finished_at=timezone.now(),
        output=output.getvalue().strip()[:500],
    )


def last_runs(names: list[str]) -> dict[str, ScheduledRun]:
    """The latest run of each named job (two queries, whatever the number of runs kept)."""
    from .models import ScheduledRun

    latest = (
        ScheduledRun.objects.filter(name__in=names)
        .values("name")
        .annotate(due=Max("due_at"))
        .values_list("name", "due")
    )
    wanted = Q(pk__in=[])
    for name, due in latest:
        wanted |= Q(name=name, due_at=due)
    return {run.name: run for run in ScheduledRun.objects.filter(wanted)}


def forget_old_runs(now: datetime.datetime | None = None) -> int:
    """Delete the records of runs due longer ago than ``RUNS_KEPT``; returns how many."""
    from .models import ScheduledRun

    before = (now or timezone.now()) - RUNS_KEPT
    deleted, _ = ScheduledRun.objects.filter(due_at__lt=before).delete()
    return deleted


def tick(now: datetime.datetime | None = None) -> int:
    """One look at the schedule: claim what is due and hand it to the queue. Returns the number
    of runs started."""
    claimed = claim_due(now)
    for run_id in claimed:
        enqueue(run_scheduled, run_id, after_commit=False)
    return len(claimed)


_clock_started = False
_clock_lock = threading.Lock()


def start_clock() -> bool:
    """Start this process's clock thread (once per process); False when the schedule is off."""
    global _clock_started
    if not settings.SCHEDULER:
        return False
    with _clock_lock:
        if _clock_started:
            return True
        _clock_started = True
    threading.Thread(target=_clock, name="actionplan-clock", daemon=True).start()
    return True


def _clock() -> None:
    while True:
        try:
            tick()
        except DatabaseError:
            # A database outage: the next tick tries again (what fell due meanwhile is run then).
            logger.warning("scheduled jobs: database unavailable, trying again")
        except Exception:
            logger.exception("scheduled jobs: tick failed")
        finally:
            connection.close()
            close_old_connections()
        time.sleep(TICK_SECONDS)
