from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from rq import SimpleWorker

from actionplan.jobs.queue import enqueue, queue_ready, redis_queue
from actionplan.mail.models import OutgoingMail
from actionplan.mail.outbox import enqueue_mail


def run_waiting_jobs() -> None:
    """What `actionplan worker --burst` does, in this process so that the jobs see the test's
    database transaction."""
    queue = redis_queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_a_queued_mail_is_sent_by_the_worker(
    db: None, rq_settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = enqueue_mail("件名", "本文", ["someone@example.jp"])
    assert queued is not None
    assert redis_queue().count == 1 and mail.outbox == []
    run_waiting_jobs()
    assert [m.to for m in mail.outbox] == [["someone@example.jp"]]
    queued.refresh_from_db()
    assert queued.state == OutgoingMail.State.SENT


def test_the_queue_is_ready_when_redis_answers(db: None, rq_settings: Any) -> None:
    ready, detail = queue_ready()
    assert ready is True and "0 job(s) waiting" in detail


def test_the_queue_is_not_ready_when_redis_does_not_answer(settings: Any) -> None:
    settings.TASK_QUEUE = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:8159/0"  # a test port nothing listens on
    ready, detail = queue_ready()
    assert ready is False and detail.startswith("redis unreachable")


def test_in_process_jobs_are_always_ready(settings: Any) -> None:
    settings.TASK_QUEUE = "thread"
    assert queue_ready() == (True, "jobs run in-process (thread)")


def test_in_process_jobs_run_in_a_thread_once_per_job_id(settings: Any) -> None:
    settings.TASK_QUEUE = "thread"
    release = threading.Event()
    done = threading.Event()
    runs: list[str] = []

    def slow_job(name: str) -> None:
        runs.append(name)
        release.wait(5)
        done.set()

    enqueue(slow_job, "first", job_id="one-at-a-time", after_commit=False)
    # The caller is not kept waiting, and a second job with the same id is not started.
    enqueue(slow_job, "second", job_id="one-at-a-time", after_commit=False)
    release.set()
    assert done.wait(5)
    assert runs == ["first"]


def test_the_worker_command_needs_the_redis_queue(settings: Any) -> None:
    settings.TASK_QUEUE = "thread"
    with pytest.raises(CommandError, match="Set REDIS_URL"):
        call_command("worker", burst=True)


def test_the_worker_command_runs_the_queue(db: None, rq_settings: Any) -> None:
    out = StringIO()
    call_command("worker", burst=True, stdout=out)
    assert out.getvalue().strip() == "worker stopped"
