from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.jobs.actions import expire_lost
from actionplan.jobs.schedule import forget_old_runs


class Command(BaseCommand):
    help = (
        "Mark failed the jobs and scheduled runs still waiting or running JOB_LOST_SECONDS after "
        "they started (their process died), so that they can be asked for again; forget the "
        "records of scheduled runs older than 30 days."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        marked = expire_lost()
        forgotten = forget_old_runs()
        self.stdout.write(
            f"marked {marked} lost job(s) failed, forgot {forgotten} old scheduled run(s)"
        )
