from __future__ import annotations

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running a deployment: backups, the scripting shell, the server's access log."""

    name = "actionplan.operations"
    label = "operations"
    verbose_name = "Operations"
