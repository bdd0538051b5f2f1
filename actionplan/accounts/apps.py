from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "actionplan.accounts"
    verbose_name = _("アカウント")

    def ready(self) -> None:
        # Connects the sign-in signal receivers that count failures for the lock-out.
        from . import lockout  # noqa: F401
