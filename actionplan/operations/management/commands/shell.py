"""`actionplan shell`, quiet when it runs a script.

Django's shell imports every model for the interactive prompt and reports what it imported;
the history models of django-simple-history live in their app's ``models`` module although
their ``__module__`` names the app package, so Django reported each of them as "could not be
automatically imported". Here they are imported from where they are, and a script given with
``-c`` or on standard input prints only its own output, so deployment scripts can read it.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.commands import shell


class Command(shell.Command):
    def get_auto_imports(self) -> list[str]:
        paths = []
        for model in reversed(apps.get_models()):
            name = model.__name__
            candidates = [model.__module__, f"{model._meta.app_config.name}.models"]
            for module_name in candidates:
                try:
                    module = import_module(module_name)
                except ImportError:
                    continue
                if getattr(module, name, None) is model:
                    paths.append(f"{module_name}.{name}")
                    break
        return paths

    def handle(self, **options: Any) -> None:
        if options["command"] or not sys.stdin.isatty():
            # A script: its own output only, not the list of imported names.
            options["verbosity"] = 0
        super().handle(**options)
