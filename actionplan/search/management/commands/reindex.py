from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from actionplan.search.actions import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index from the current plan version, partnerships and hubs."

    def handle(self, *args: Any, **options: Any) -> None:
        count = rebuild_index()
        self.stdout.write(f"indexed {count} records")
