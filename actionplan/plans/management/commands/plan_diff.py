from __future__ import annotations

import json
from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.models import PlanVersion
from actionplan.plans.queries import change_lines, diff_versions


class Command(BaseCommand):
    help = "Show what changed between two plan versions: records added, removed, reworded or moved."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("old", type=int, help="version number (see the admin or API)")
        parser.add_argument("new", type=int, nargs="?", help="default: the current version")
        parser.add_argument("--json", action="store_true", help="print the changes as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        old = PlanVersion.objects.filter(number=options["old"]).first()
        if options["new"] is None:
            new = PlanVersion.objects.filter(is_current=True).first()
        else:
            new = PlanVersion.objects.filter(number=options["new"]).first()
        if old is None or new is None:
            raise CommandError("no such plan version; `actionplan export` lists the current one")
        diff = diff_versions(old, new)
        if options["json"]:
            self.stdout.write(
                json.dumps([asdict(c) for c in diff.changes], ensure_ascii=False, indent=1)
            )
            return
        for line in change_lines(diff):
            self.stdout.write(line)
        self.stdout.write(
            f"version {old.number} → {new.number}: {diff.count('added')} added, "
            f"{diff.count('changed')} changed, {diff.count('removed')} removed, "
            f"{diff.count('moved')} moved"
        )
