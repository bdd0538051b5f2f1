"""actionplan purge-personal-data: blank proposers' contact details after the retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from actionplan.partnerships.actions import purge_personal_data


class Command(BaseCommand):
    help = (
        "Remove the contact person, e-mail and phone of proposals closed longer ago than "
        "PROPOSAL_PERSONAL_DATA_RETENTION_DAYS (or --older-than-days), also from their history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, default=None, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        if days is not None and days < 0:
            self.stderr.write("--older-than-days must be 0 or more")
            raise SystemExit(2)
        count = purge_personal_data(days)
        self.stdout.write(f"removed contact details from {count} closed proposal(s)")
