"""actionplan backup DIR: the database and the uploaded files, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database (SQLite online backup or pg_dump) and of the "
        "uploaded files (MEDIA_ROOT, proposal attachments) with a manifest of checksums into "
        "DIR, a new or empty folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(options["folder"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"backup written to {summary.folder}: {summary.records} records, {summary.files} files"
        )
