from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from rq import Worker

from actionplan.jobs.queue import redis_queue
from actionplan.jobs.schedule import start_clock


class Command(BaseCommand):
    help = (
        "Run the task queue worker (RQ on REDIS_URL): mail, annual PDFs, open data builds, "
        "index rebuilds, and the scheduled jobs (unless SCHEDULER=false)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="run the jobs waiting now, then stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASK_QUEUE != "rq":
            raise CommandError(
                f"TASK_QUEUE is {settings.TASK_QUEUE!r}: jobs run inside the app processes. "
                "Set REDIS_URL (or TASK_QUEUE=rq) to run them in a worker."
            )
        # Each job runs in a forked child: it must not share the parent's database connections.
        connections.close_all()
        queue = redis_queue()
        # The clock of the scheduled jobs (actionplan/jobs/schedule.py) ticks in a thread of
        # the worker; a run it hands over is a queue job like any other.
        if not options["burst"]:
            start_clock()
        # The scheduler runs the delayed jobs (retries with backoff); only one worker holds it.
        Worker([queue], connection=queue.connection).work(
            burst=options["burst"], with_scheduler=True
        )
        self.stdout.write("worker stopped")
