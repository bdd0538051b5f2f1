from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.progress.actions import send_reminders
from actionplan.progress.models import ReportingCycle


class Command(BaseCommand):
    help = "Mail every reporting body that has missing progress reports in an open cycle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, help="fiscal year of the cycle (default: every open cycle)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cycles = ReportingCycle.objects.filter(is_open=True)
        if options["year"] is not None:
            cycles = cycles.filter(fiscal_year=options["year"])
            if not cycles.exists():
                raise CommandError(f"no open reporting cycle for fiscal year {options['year']}")
        total = sum(send_reminders(None, cycle) for cycle in cycles)
        self.stdout.write(f"sent {total} reminder mail(s) for {cycles.count()} open cycle(s)")
