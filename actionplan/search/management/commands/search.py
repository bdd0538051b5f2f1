from __future__ import annotations

import json
from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.html import strip_tags

from actionplan.search.queries import MAX_LIMIT, SearchError, search


class Command(BaseCommand):
    help = "Search the plan, partnerships and hubs as the portal does; print hits or JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("query", nargs="+", help="words to look for (all must match)")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
        parser.add_argument(
            "--limit", type=int, default=20, help=f"number of hits, 1 to {MAX_LIMIT} (20)"
        )
        parser.add_argument("--kind", action="append", help="only this kind (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        query = " ".join(options["query"])
        try:
            results = search(query, kinds=options["kind"], limit=options["limit"])
        except SearchError as exc:
            raise CommandError(f"--{exc.field}: {exc}") from None
        if options["json"]:
            data = {
                "query": results.query,
                "total": results.total,
                "hits": [asdict(h) for h in results.hits],
                "facets": results.facets,
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for hit in results.hits:
            year = hit.fiscal_year if hit.fiscal_year is not None else "-"
            self.stdout.write(
                f"{hit.kind}\t{hit.id}\t{hit.theme_code or '-'}\t{year}\t{hit.actor or '-'}\t"
                f"{' '.join(hit.title.split())}\t{' '.join(strip_tags(hit.snippet_html).split())}"
            )
        self.stdout.write(f"{results.total} records match; {len(results.hits)} shown")
