from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.progress.notifications import send_submission_mails


class Command(BaseCommand):
    help = (
        "Mail the bureau staff who want a mail per event the submissions gathered for them "
        "whose collection window has passed (one mail per person listing them all). The job "
        "queue does this after each window; run this from cron so that nothing waits for a "
        "job lost with its worker."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        mails = send_submission_mails()
        self.stdout.write(f"queued {mails} mail(s) of gathered submissions")
