from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaultsConfig(AppConfig):
    name = "actionplan.faults"
    verbose_name = _("障害時の応答")

    def ready(self) -> None:
        from . import middleware

        middleware.connect_signals()
