"""API tokens: how programs act for a person on the write endpoints.

Only a SHA-256 hash of a token is stored; the token itself is shown once, when it is created.
A short prefix stays visible so that people can tell their tokens apart in lists and logs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名前"), max_length=100)
    prefix = models.CharField(_("接頭辞"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("作成日時"), auto_now_add=True)
    last_used = models.DateTimeField(_("最終使用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used"])

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name} ({self.owner})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
