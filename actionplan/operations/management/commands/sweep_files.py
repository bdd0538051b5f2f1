from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from actionplan.partnerships.actions import sweep_attachment_files
from actionplan.progress.actions import sweep_evidence_files


class Command(BaseCommand):
    help = (
        "Remove proposal attachment and progress evidence files that no row points to "
        "(left by a crash before commit or by a deletion)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="leave files younger than this alone: their transaction may still commit (60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        age = datetime.timedelta(minutes=max(options["older_than_minutes"], 0))
        removed = sweep_attachment_files(age) + sweep_evidence_files(age)
        self.stdout.write(f"removed {removed} file(s) without a row")
