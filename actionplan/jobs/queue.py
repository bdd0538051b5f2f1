"""The task queue: slow or fallible work (mail, PDFs, index rebuilds) runs outside requests.

Why RQ rather than Celery: production already runs Redis, and RQ needs nothing else (Celery
brings a broker abstraction, kombu, billiard and a beat process this project has no use for).
RQ jobs are plain importable functions, like the project's ``actions`` functions; its worker,
retry intervals and delayed jobs (``enqueue_in``) cover what the project needs.

Which runner is used is the ``TASK_QUEUE`` setting:

- ``rq``: jobs go to Redis (``REDIS_URL``) and ``actionplan worker`` runs them;
- ``thread`` (the default without Redis, as in ``make run``): each job runs in a daemon thread
  of the process that enqueued it, so one command is still enough;
- ``immediate``: the job runs in the calling thread (tests, and one-off commands).

Jobs must be idempotent: a job whose process died is run again (by the worker, or by the
scheduled command that sweeps what is still due, such as ``actionplan flush-outbox``).
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

logger = logging.getLogger(__name__)

QUEUE_NAME = "actionplan"
Job = Callable[..., Any]

# Thread mode: the ids of jobs queued or running in this process, so that a job enqueued with an
# id (one index rebuild at a time) is not started twice.
_running: set[str] = set()
_running_lock = threading.Lock()


@cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def redis_queue() -> Queue:
    return Queue(QUEUE_NAME, connection=_redis(settings.REDIS_URL))


def enqueue(func: Job, *args: Any, job_id: str = "", after_commit: bool = True) -> None:
    """Run ``func(*args)`` as a job. With ``after_commit`` (the default) it is handed to the
    queue only when the current transaction commits, so that it sees what the caller wrote and
    never runs for a change that was rolled back. A ``job_id`` makes the job unique: while one
    with that id is waiting or running, enqueuing it again does nothing."""
    if after_commit:
        transaction.on_commit(lambda: _dispatch(func, args, job_id, 0.0))
    else:
        _dispatch(func, args, job_id, 0.0)


def enqueue_in(delay: float, func: Job, *args: Any) -> None:
    """Run ``func(*args)`` after ``delay`` seconds (a retry with backoff). In ``immediate``
    mode nothing is scheduled: the scheduled sweep commands pick the work up."""
    _dispatch(func, args, "", delay)


def _dispatch(func: Job, args: tuple[Any, ...], job_id: str, delay: float) -> None:
    mode = settings.TASK_QUEUE
    if mode == "immediate":
        if delay <= 0:
            func(*args)
        return
    if mode == "rq":
        _to_redis(func, args, job_id, delay)
        return
    if job_id:
        with _running_lock:
            if job_id in _running:
                return
            _running.add(job_id)
    starter: threading.Thread
    if delay > 0:
        # A retry hours away must not keep a stopping process alive: if the process ends
        # first, the scheduled sweep (`actionplan flush-outbox`) does the work instead.
        starter = threading.Timer(delay, _run_in_thread, (func, args, job_id))
        starter.daemon = True
    else:
        # Not a daemon: a command such as `actionplan import` waits for the index rebuild it
        # started before it exits, and a server process finishes its jobs when it stops.
        starter = threading.Thread(target=_run_in_thread, args=(func, args, job_id))
    starter.start()


def _to_redis(func: Job, args: tuple[Any, ...], job_id: str, delay: float) -> None:
    queue = redis_queue()
    try:
        if delay > 0:
            queue.enqueue_in(datetime.timedelta(seconds=delay), func, *args)
            return
        if job_id:
            existing = queue.fetch_job(job_id)
            if existing is not None and existing.get_status(refresh=False) in (
                "queued",
                "started",
                "deferred",
                "scheduled",
            ):
                return
            queue.enqueue(func, *args, job_id=job_id)
        else:
            queue.enqueue(func, *args)
    except RedisError:
        # The work is not lost: every job's state is also in the database, and the scheduled
        # sweep commands run what is still due. Only the name of the job is logged.
        logger.warning("queue unreachable: %s not enqueued", getattr(func, "__name__", func))


def _run_in_thread(func: Job, args: tuple[Any, ...], job_id: str) -> None:
    try:
        func(*args)
    except Exception:
        logger.exception("background job %s failed", getattr(func, "__name__", func))
    finally:
        if job_id:
            with _running_lock:
                _running.discard(job_id)
        # A thread's database connection is its own: close it rather than leak it.
        connection.close()
        close_old_connections()


def queue_ready() -> tuple[bool, str]:
    """Readiness of the task queue, for ``/readyz``: whether jobs can be handed over now."""
    mode = settings.TASK_QUEUE
    if mode != "rq":
        return True, f"jobs run in-process ({mode})"
    try:
        queue = redis_queue()
        queue.connection.ping()
        waiting = queue.count
    except RedisError as error:
        return False, f"redis unreachable: {type(error).__name__}"
    return True, f"redis reachable, {waiting} job(s) waiting"
