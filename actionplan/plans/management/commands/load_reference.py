from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.actions import REFERENCE_DIR, ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = "Create or update the member governments and hubs from the reference CSV files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--directory",
            type=Path,
            default=REFERENCE_DIR,
            help="folder holding member-governments.csv and hubs.csv",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_reference_data(options["directory"])
        except ReferenceDataError as exc:
            raise CommandError(f"{exc}; nothing was loaded") from None
        self.stdout.write("loaded " + ", ".join(f"{n} {name}" for name, n in counts.items()))
