from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A piece of slow work a person started (an annual report PDF …): its state is what they
    see while it runs, and its result file what they download."""

    class State(models.TextChoices):
        QUEUED = "queued", _("順番待ち")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    kind = models.CharField(_("種類"), max_length=40)
    argument = models.CharField(_("対象"), max_length=100, blank=True)
    # Empty for work the system started (an open data build after an activation).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    error = models.CharField(_("エラー"), max_length=500, blank=True)
    # Relative to jobs.files.JOB_FILE_ROOT; empty until the job is done.
    file_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("バックグラウンド処理")
        verbose_name_plural = _("バックグラウンド処理")
        indexes = [models.Index(fields=["kind", "argument", "requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.argument}"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
