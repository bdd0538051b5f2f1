from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.plans.models import Theme
from actionplan.plans.queries import current_version
from actionplan.progress import annual


class Command(BaseCommand):
    help = (
        "Write the annual follow-up report of a fiscal year (accepted reports only): the "
        "workbook and the A4 page, and with --pdf the page printed to PDF, whole and per theme."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="fiscal year, e.g. 2025")
        parser.add_argument("--output", default=".", help="directory to write to (default: .)")
        parser.add_argument(
            "--pdf", action="store_true", help="also print PDFs with headless Chromium"
        )
        parser.add_argument(
            "--chromium", default="", help="Chromium executable (default: found on PATH)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = current_version()
        if version is None:
            raise CommandError("no plan imported yet (actionplan import PATH)")
        year: int = options["year"]
        output = Path(options["output"])
        output.mkdir(parents=True, exist_ok=True)
        stem = f"progress-annual-{year}"
        written = [output / f"{stem}.xlsx", output / f"{stem}.html"]
        written[0].write_bytes(annual.build_annual_workbook(version, year))
        written[1].write_text(annual.render_page(version, year), encoding="utf-8")
        if options["pdf"]:
            chromium = options["chromium"] or annual.find_chromium()
            if not chromium:
                raise CommandError("Chromium not found: install it or pass --chromium PATH")
            pages = [("", output / f"{stem}.pdf")] + [
                (code, output / f"{stem}-{code}.pdf")
                for code in Theme.objects.filter(version=version)
                .order_by("position")
                .values_list("code", flat=True)
            ]
            for theme_code, target in pages:
                try:
                    annual.print_pdf(
                        annual.render_page(version, year, theme_code), target, chromium
                    )
                except annual.PdfError as exc:
                    raise CommandError(str(exc)) from exc
                written.append(target)
        self.stdout.write(
            f"wrote {len(written)} file(s) to {output}: " + ", ".join(path.name for path in written)
        )
