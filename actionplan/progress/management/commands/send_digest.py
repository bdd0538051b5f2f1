from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.progress.notifications import send_digest


class Command(BaseCommand):
    help = (
        "Mail each person who chose the daily digest one mail with the notices kept for them "
        "(returned, accepted and submitted reports) and their overdue proposals; mail those "
        "who chose a mail per event their overdue proposals."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        digest = send_digest()
        self.stdout.write(
            f"queued {digest.mails} mail(s): {digest.reports} submitted report(s), "
            f"{digest.overdue} overdue proposal(s)"
        )
