from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.importer.document import PlanFormatError, read_plan_document
from actionplan.plans.importer.themes import theme_code
from actionplan.plans.translations import load_translations, missing_entries


class Command(BaseCommand):
    help = (
        "Print, as a translation file to fill in, every text of a plan document that the "
        "bundled translation does not cover yet (new or reworded items of a revision)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the plan document")
        parser.add_argument("--language", default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            doc = read_plan_document(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        except PlanFormatError as exc:
            raise CommandError(f"{path}:{exc.line}: {exc.message}") from None
        codes = {t.name: theme_code(t.name, t.heading) for t in doc.themes}
        missing = missing_entries(doc, codes, load_translations(options["language"]))
        self.stdout.write(json.dumps(missing, ensure_ascii=False, indent=1))
