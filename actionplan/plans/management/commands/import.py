from __future__ import annotations

import getpass
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.actions import import_plan_file
from actionplan.plans.importer.document import PlanFormatError
from actionplan.plans.verification import EditionRefused
from actionplan.resources import BUNDLED_PLAN


class Command(BaseCommand):
    help = (
        "Import a plan document: stage it as a new version, verify it (values, search index, "
        "open data, comparison with the current version), then make it current. The same "
        "text as a stored version writes nothing. On any error or refusal nothing changes."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "path", type=Path, nargs="?", help="the plan document (text extracted from PDF)"
        )
        parser.add_argument(
            "--bundled", action="store_true", help="import the plan shipped with the package"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="publish although the document lost sections or items, or reuses a label",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the verification and the comparison, write nothing",
        )
        parser.add_argument(
            "--stage",
            action="store_true",
            help="verify and keep the version staged (see `actionplan activate N`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = BUNDLED_PLAN if options["bundled"] else options["path"]
        if path is None or (options["bundled"] and options["path"] is not None):
            raise CommandError("give either a PATH or --bundled")
        try:
            result = import_plan_file(
                path,
                force=options["force"],
                dry_run=options["dry_run"],
                activate=not options["stage"],
                imported_by=getpass.getuser(),
            )
        except PlanFormatError as exc:
            where = f"{path}:{exc.line}" if exc.line else str(path)
            raise CommandError(f"{where}: {exc.message}; nothing was imported") from None
        except EditionRefused as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported") from None
        if result.verification is not None and (options["dry_run"] or options["verbosity"] > 1):
            for line in result.verification.lines():
                self.stdout.write(line)
        self.stdout.write(result.summary())
