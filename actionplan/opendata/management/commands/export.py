from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.opendata.export import FORMATS, ExportError, export_open_data
from actionplan.plans.models import PlanVersion


class Command(BaseCommand):
    help = "Write the open data set (CSV or JSON, with a data dictionary) to a directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", required=True, type=Path, help="directory to write to")
        parser.add_argument(
            "--plan-version",
            type=int,
            default=None,
            help="version number to export (default: the current one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = None
        if options["plan_version"] is not None:
            version = PlanVersion.objects.filter(number=options["plan_version"]).first()
            if version is None:
                raise CommandError(f"no plan version {options['plan_version']}")
        try:
            result = export_open_data(options["output"], options["format"], version)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(result.summary())
