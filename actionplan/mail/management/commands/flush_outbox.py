from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.mail.outbox import flush_outbox


class Command(BaseCommand):
    help = "Send the outbox mails that are due (retries included); run it from cron."

    def handle(self, *args: Any, **options: Any) -> None:
        sent, pending = flush_outbox()
        self.stdout.write(f"sent {sent} mail(s), {pending} still waiting")
