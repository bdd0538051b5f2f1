"""Scheduled jobs run by the task queue: claimed once per due time whatever the number of clocks,
run in the worker (RQ) or in-process, visible to bureau staff; lost jobs are failed, not left
"in progress" forever."""

from __future__ import annotations

import datetime
import errno
import os
import threading
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from actionplan.conftest import client_for
from actionplan.jobs import actions as jobs
from actionplan.jobs import schedule
from actionplan.jobs.models import LOST, Job, ScheduledRun
from actionplan.jobs.queue import enqueue
from actionplan.jobs.tests.test_queue import run_waiting_jobs
from actionplan.jobs.timetable import parse_schedule
from actionplan.mail.models import OutgoingMail
from actionplan.mail.outbox import enqueue_mail
from actionplan.settings import env_schedule

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int, minute: int) -> datetime.datetime:
    """A Monday-to-Sunday week of December 2026 (the 7th is a Monday), in Tokyo time."""
    return datetime.datetime(2026, 12, day, hour, minute, 20, tzinfo=TOKYO)


def claimed_names(now: datetime.datetime) -> list[str]:
    ids = schedule.claim_due(now)
    return sorted(ScheduledRun.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_each_due_job_is_claimed_once_whatever_the_number_of_clocks(db: None) -> None:
    # Monday 7 December, 08:02: the five-minute jobs (due 08:00) and the digest (08:00).
    now = at(7, 8, 2)
    assert claimed_names(now) == [
        "expire-jobs",
        "flush-outbox",
        "send-digest",
        "send-submissions",
    ]
    # A second clock (another app process or worker) a moment later claims nothing.
    assert claimed_names(now + datetime.timedelta(seconds=30)) == []
    assert ScheduledRun.objects.get(name="send-digest").due_at == at(7, 8, 0).replace(second=0)
    # The database itself refuses a second run of the same job at the same due time.
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledRun.objects.create(name="send-digest", due_at=at(7, 8, 0).replace(second=0))
    # The next due time of the five-minute jobs is claimed again; the digest only tomorrow.
    assert claimed_names(at(7, 8, 5)) == ["expire-jobs", "flush-outbox", "send-submissions"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's shared in-memory test database refuses concurrent writers at once "
    "(a database file waits for its busy timeout instead)",
)
def test_clocks_in_parallel_claim_each_run_once(transactional_db: None) -> None:
    now = at(7, 9, 1)  # Monday 09:01: the reminders are due too
    claimed: list[int] = []
    barrier = threading.Barrier(6)

    def clock() -> None:
        barrier.wait()
        try:
            claimed.extend(schedule.claim_due(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=clock) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = sorted(ScheduledRun.objects.filter(pk__in=claimed).values_list("name", flat=True))
    assert names == ["expire-jobs", "flush-outbox", "send-reminders", "send-submissions"]
    assert ScheduledRun.objects.count() == 4


def test_a_missed_run_is_made_up_only_while_recent(db: None) -> None:
    # The purge is due at 03:30: a clock starting at 03:50 (a restart) runs it once ...
    assert "purge-personal-data" in claimed_names(at(8, 3, 50))
    assert "purge-personal-data" not in claimed_names(at(8, 3, 55))
    # ... a clock that starts at 05:00 leaves it for the next night.
    assert "purge-personal-data" not in claimed_names(at(9, 5, 0))
    assert "purge-personal-data" in claimed_names(at(10, 3, 30))


def test_a_scheduled_run_does_its_work_and_keeps_its_outcome(db: None) -> None:
    # A mail left in the outbox (its commit's hand-over never ran, as after a crash).
    waiting = enqueue_mail("件名", "本文", ["someone@example.jp"])
    assert waiting is not None and mail.outbox == []
    started = schedule.tick(timezone.now())
    assert started >= 3
    assert [m.to for m in mail.outbox] == [["someone@example.jp"]]
    waiting.refresh_from_db()
    assert waiting.state == OutgoingMail.State.SENT
    run = ScheduledRun.objects.get(name="flush-outbox")
    assert run.state == ScheduledRun.State.DONE
    assert run.started_at is not None and run.finished_at is not None
    # Handed over twice (a queue that delivered a job again): run once.
    schedule.run_scheduled(run.pk)
    assert len(mail.outbox) == 1


def test_a_failing_scheduled_run_is_failed_with_the_kind_of_error(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(name: str, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(schedule, "call_command", broken)
    schedule.tick(at(7, 3, 46))
    run = ScheduledRun.objects.get(name="sweep-files")
    assert run.state == ScheduledRun.State.FAILED
    assert run.output == "OSError: [Errno 28] No space left on device"


def test_in_the_production_set_up_the_worker_runs_what_the_clock_hands_over(
    db: None, rq_settings: Any
) -> None:
    enqueue_mail("件名", "本文", ["someone@example.jp"])
    schedule.tick(timezone.now())
    # Handed to Redis, not run by the clock itself.
    assert mail.outbox == []
    assert ScheduledRun.objects.filter(state=ScheduledRun.State.QUEUED).count() >= 3
    run_waiting_jobs()
    assert [m.to for m in mail.outbox] == [["someone@example.jp"]]
    assert not ScheduledRun.objects.exclude(state=ScheduledRun.State.DONE).exists()


def test_schedule_changes_are_read_and_checked() -> None:
    assert parse_schedule("send-reminders=0 10 * * 3; purge-personal-data=off") == {
        "send-reminders": "0 10 * * 3",
        "purge-personal-data": "off",
    }
    with pytest.raises(ValueError, match="'send-remind=0 9 \\* \\* 1'"):
        parse_schedule("send-remind=0 9 * * 1")
    with pytest.raises(ValueError, match="is not a cron expression"):
        parse_schedule("send-digest=every morning")


def test_a_wrong_schedule_stops_the_settings_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCHEDULE", "sweep-files=61 * * * *")
    with pytest.raises(ImproperlyConfigured, match="SCHEDULE: 'sweep-files=61"):
        env_schedule("SCHEDULE")


def test_a_job_turned_off_or_moved_is_run_accordingly(db: None, settings: Any) -> None:
    settings.SCHEDULE = {"flush-outbox": "off", "send-digest": "15 7 * * *"}
    assert "flush-outbox" not in [job.name for job in schedule.schedule()]
    assert claimed_names(at(12, 7, 16)) == ["expire-jobs", "send-digest", "send-submissions"]


def test_the_clock_is_not_started_when_the_schedule_is_off(settings: Any) -> None:
    settings.SCHEDULER = False
    assert schedule.start_clock() is False


def test_the_command_lists_the_schedule_and_runs_what_is_due(db: None) -> None:
    out = StringIO()
    call_command("schedule", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == [job.name for job in schedule.schedule()]
    assert "last never" in lines[0]
    out = StringIO()
    call_command("schedule", "--run-due", stdout=out)
    assert out.getvalue().startswith("started ")
    assert ScheduledRun.objects.filter(name="flush-outbox", state="done").exists()


def test_bureau_staff_see_the_schedule_and_its_failures_in_their_language(
    db: None, bureau_staff: User
) -> None:
    ScheduledRun.objects.create(
        name="sweep-files",
        due_at=timezone.now() - datetime.timedelta(hours=1),
        state=ScheduledRun.State.FAILED,
        output="OSError: [Errno 28] No space left on device",
    )
    client = client_for(bureau_staff)
    page = client.get("/jobs/").content.decode()
    assert "定期処理" in page and "記録のないファイルの削除" in page
    assert "No space left on device" in page and "未実行" in page
    page = client.get("/en/jobs/").content.decode()
    assert "Scheduled jobs" in page and "Removing files without a record" in page
    assert "Not run yet" in page and "定期処理" not in page


def test_a_job_whose_process_died_is_failed_and_can_be_asked_for_again(
    db: None, bureau_staff: User, settings: Any
) -> None:
    def never_runs(job_id: int) -> None:
        pass

    stuck = jobs.start_job(bureau_staff, "annual_pdf", "2025", never_runs)
    Job.objects.filter(pk=stuck.pk).update(state=Job.State.RUNNING)
    # Asked again while it may still be running: the same job.
    assert jobs.start_job(bureau_staff, "annual_pdf", "2025", never_runs).pk == stuck.pk
    # Long after: it is not shown as in progress, and asking again starts a new one.
    Job.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.JOB_LOST_SECONDS + 60)
    )
    stuck.refresh_from_db()
    assert stuck.in_progress is False
    again = jobs.start_job(bureau_staff, "annual_pdf", "2025", never_runs)
    assert again.pk != stuck.pk
    stuck.refresh_from_db()
    assert (stuck.state, stuck.error) == (Job.State.FAILED, LOST)
    page = client_for(bureau_staff).get("/en/jobs/").content.decode()
    assert "did not finish in time" in page


def test_a_result_that_cannot_be_stored_fails_the_job_and_leaves_nothing(
    db: None, bureau_staff: User, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = jobs.start_job(bureau_staff, "annual_pdf", "2025", lambda job_id: None)
    job = jobs.begin(job.pk) or job

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    jobs.finish(job, b"%PDF-1.7", ".pdf")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "OSError: Read-only file system"
    assert list(jobs.job_file_root().iterdir()) == []


def test_expire_jobs_marks_lost_runs(db: None, settings: Any) -> None:
    now = timezone.now()
    lost = datetime.timedelta(seconds=settings.JOB_LOST_SECONDS + 60)
    # Waiting since it was claimed at the latest moment it could be (MISSED_WITHIN late).
    waiting = ScheduledRun.objects.create(
        name="send-digest", due_at=now - lost - schedule.MISSED_WITHIN
    )
    running = ScheduledRun.objects.create(
        name="sweep-files", due_at=now - lost, state="running", started_at=now - lost
    )
    out = StringIO()
    call_command("expire_jobs", stdout=out)
    assert out.getvalue().strip() == "marked 2 lost job(s) failed, forgot 0 old scheduled run(s)"
    for run in (waiting, running):
        run.refresh_from_db()
        assert (run.state, run.output) == (ScheduledRun.State.FAILED, LOST)


def test_runs_caught_up_late_are_not_lost(db: None, settings: Any) -> None:
    """A clock that was down claims what fell due within MISSED_WITHIN: such a run waits in
    the queue beside the expire-jobs run claimed with it, which must leave it be."""
    now = timezone.now()
    late = datetime.timedelta(seconds=settings.JOB_LOST_SECONDS + 600)
    assert late < schedule.MISSED_WITHIN + datetime.timedelta(seconds=settings.JOB_LOST_SECONDS)
    waiting = ScheduledRun.objects.create(name="purge-personal-data", due_at=now - late)
    started = ScheduledRun.objects.create(
        name="sweep-files", due_at=now - late, state="running", started_at=now
    )
    out = StringIO()
    call_command("expire_jobs", stdout=out)
    assert out.getvalue().strip() == "marked 0 lost job(s) failed, forgot 0 old scheduled run(s)"
    waiting.refresh_from_db()
    started.refresh_from_db()
    assert waiting.state == ScheduledRun.State.QUEUED
    assert started.state == ScheduledRun.State.RUNNING


def test_the_worker_runs_every_run_a_late_clock_catches_up(db: None, rq_settings: Any) -> None:
    """The nightly jobs claimed 50 minutes late, with an expire-jobs run ahead of them in the
    queue (a clock that was down, or the hour after 03:30 in Tokyo): the worker runs them all."""
    rq_settings.JOB_LOST_SECONDS = 1800
    now = timezone.now()
    late = now - datetime.timedelta(minutes=50)
    runs = [
        ScheduledRun.objects.create(name="expire-jobs", due_at=now),
        ScheduledRun.objects.create(name="purge-personal-data", due_at=late),
        ScheduledRun.objects.create(name="sweep-files", due_at=late),
    ]
    for run in runs:
        enqueue(schedule.run_scheduled, run.pk, after_commit=False)
    run_waiting_jobs()
    states = dict(ScheduledRun.objects.values_list("name", "state"))
    assert states == dict.fromkeys(
        ("expire-jobs", "purge-personal-data", "sweep-files"), ScheduledRun.State.DONE
    )


def test_old_runs_are_forgotten_and_the_last_run_of_each_job_is_read(db: None) -> None:
    now = timezone.now()
    for days in (40, 31, 2, 1):
        ScheduledRun.objects.create(
            name="send-digest", due_at=now - datetime.timedelta(days=days), state="done"
        )
    ScheduledRun.objects.create(name="sweep-files", due_at=now - datetime.timedelta(days=3))
    last = schedule.last_runs(["send-digest", "sweep-files", "send-reminders"])
    assert sorted(last) == ["send-digest", "sweep-files"]
    assert last["send-digest"].due_at == now - datetime.timedelta(days=1)
    out = StringIO()
    call_command("expire_jobs", stdout=out)
    assert out.getvalue().strip().endswith("forgot 2 old scheduled run(s)")
    assert ScheduledRun.objects.filter(name="send-digest").count() == 2
