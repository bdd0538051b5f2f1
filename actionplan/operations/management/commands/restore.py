"""actionplan restore DIR: a backup brought back into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `actionplan backup` into the configured database, which "
        "must be empty, and its files into MEDIA_ROOT; a damaged backup (checksums) is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore_backup(options["folder"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored {summary.records} records and {summary.files} files from {summary.folder}"
        )
