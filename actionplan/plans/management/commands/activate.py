from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actionplan.plans.actions import activate_version
from actionplan.plans.models import PlanVersion
from actionplan.plans.verification import EditionRefused


class Command(BaseCommand):
    help = (
        "Make plan version N current (a staged one, or an earlier one to undo a mistake), "
        "after the same verification as an import."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("number", type=int, help="version number (see `actionplan versions`)")
        parser.add_argument(
            "--force", action="store_true", help="activate although it lost sections or items"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = PlanVersion.objects.filter(number=options["number"]).first()
        if version is None:
            raise CommandError(
                f"no plan version {options['number']}; `actionplan versions` lists them"
            )
        if version.is_current:
            self.stdout.write(f"version {version.number} ({version.edition_ja}) is already current")
            return
        try:
            verification = activate_version(version, force=options["force"])
        except EditionRefused as exc:
            raise CommandError(f"version {version.number}: {exc}; nothing changed") from None
        if verification is not None:
            for line in verification.lines():
                self.stdout.write(line)
        self.stdout.write(f"version {version.number} ({version.edition_ja}) is now current")
