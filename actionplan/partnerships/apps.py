from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "actionplan.partnerships"
    verbose_name = _("公民連携窓口")
    default_auto_field = "django.db.models.BigAutoField"
