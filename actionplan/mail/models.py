from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    """One mail of the outbox: written in the transaction of the change that causes it, sent
    afterwards by the task queue. Its text is dropped once sent (it may hold a private link)."""

    class State(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗（再送を中止）")

    recipients = models.JSONField(_("宛先"), default=list)
    from_email = models.CharField(_("差出人"), max_length=254)
    subject = models.CharField(_("件名"), max_length=998)
    body = models.TextField(_("本文"), blank=True)
    state = models.CharField(
        _("状態"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("送信回数"), default=0)
    last_error = models.CharField(_("直近のエラー"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("次の送信予定"), db_index=True)
    # Set while one sender holds the mail, so that two senders never send it twice.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
