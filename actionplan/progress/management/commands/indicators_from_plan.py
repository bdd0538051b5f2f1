from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.queries import current_version
from actionplan.progress.actions import indicators_from_plan


class Command(BaseCommand):
    help = (
        "Make every figure the current plan gives in its developments (with its year and "
        "source) an indicator of its theme, with that value as baseline; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        version = current_version()
        if version is None:
            raise CommandError("no plan imported yet (actionplan import PATH)")
        made = indicators_from_plan(version)
        self.stdout.write(f"{len(made)} indicator(s) from the plan's own figures")
