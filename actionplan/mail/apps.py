from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "actionplan.mail"
    verbose_name = _("メール送信")
    default_auto_field = "django.db.models.BigAutoField"
