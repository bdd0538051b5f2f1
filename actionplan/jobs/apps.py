from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "actionplan.jobs"
    verbose_name = _("バックグラウンド処理")
    default_auto_field = "django.db.models.BigAutoField"
