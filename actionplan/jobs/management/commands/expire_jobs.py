from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.jobs.actions import expire_lost


class Command(BaseCommand):
    help = (
        "Mark failed the jobs and scheduled runs still waiting or running JOB_LOST_SECONDS after "
        "they started (their process died), so that they can be asked for again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"marked {expire_lost()} lost job(s) failed")
