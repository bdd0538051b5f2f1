from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.actions import import_plan_file
from actionplan.plans.importer.document import PlanFormatError


class Command(BaseCommand):
    help = (
        "Import a plan document: a new version if its text differs from every stored one, "
        "nothing otherwise. On any error nothing is written."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the plan document (text extracted from PDF)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            result = import_plan_file(path)
        except PlanFormatError as exc:
            where = f"{path}:{exc.line}" if exc.line else str(path)
            raise CommandError(f"{where}: {exc.message}; nothing was imported") from None
        self.stdout.write(result.summary())
