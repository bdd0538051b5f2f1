from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from actionplan.plans.models import PlanVersion
from actionplan.plans.verification import version_counts


class Command(BaseCommand):
    help = "List the plan versions: number, edition, state, counts, imported when and by whom."

    def handle(self, *args: Any, **options: Any) -> None:
        versions = PlanVersion.objects.select_related("plan").order_by("plan_id", "number")
        for v in versions:
            counts = ", ".join(f"{n} {name}" for name, n in version_counts(v).items())
            when = timezone.localtime(v.imported_at).strftime("%Y-%m-%d %H:%M")
            who = f" by {v.imported_by}" if v.imported_by else ""
            self.stdout.write(
                f"{v.number}\t{v.edition_ja}\t{v.state}\t{counts}\timported {when}{who}"
            )
        if not versions:
            self.stdout.write("no plan version yet; `actionplan import PATH` imports one")
