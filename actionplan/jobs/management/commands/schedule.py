from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from actionplan.jobs import schedule


class Command(BaseCommand):
    help = (
        "List the scheduled jobs with their times (TIME_ZONE), next run and last run; "
        "--run-due claims and runs what is due now, as a clock would (for a system cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--run-due", action="store_true", help="run the jobs due now that no clock has run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run_due"]:
            self.stdout.write(f"started {schedule.tick()} scheduled job(s)")
            return
        now = timezone.now()
        jobs = schedule.schedule()
        runs = schedule.last_runs([job.name for job in jobs])
        for job in jobs:
            last = runs.get(job.name)
            last_text = (
                f"{timezone.localtime(last.due_at):%Y-%m-%d %H:%M} {last.state}"
                if last
                else "never"
            )
            self.stdout.write(
                f"{job.name:<20} {job.cron:<14} next {schedule.next_due(job, now):%Y-%m-%d %H:%M}"
                f"  last {last_text}"
            )
        if not jobs:
            self.stdout.write("no scheduled jobs (SCHEDULE turns every one off)")
