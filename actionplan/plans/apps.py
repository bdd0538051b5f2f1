from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "actionplan.plans"
    verbose_name = _("アクションプラン")
    default_auto_field = "django.db.models.BigAutoField"
