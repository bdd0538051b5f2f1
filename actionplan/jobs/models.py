from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The error of a job or scheduled run that never finished (its process died): shown to staff
# in their language by ``_outcome``, not stored as text.
LOST = "lost"


def _outcome(text: str) -> str:
    if text == LOST:
        return str(
            _(
                "終わらないまま時間が過ぎました（処理が中断されたとみられます）。もう一度依頼してください。"
            )
        )
    return text


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
    def error_text(self) -> str:
        return _outcome(self.error)

    @property
    def in_progress(self) -> bool:
        """Waiting or running, and not so long ago that its process must have died (such a job
        is marked failed by ``actions.expire_lost``; until then it is not shown as running)."""
        if self.state not in (self.State.QUEUED, self.State.RUNNING):
            return False
        lost_before = timezone.now() - datetime.timedelta(seconds=settings.JOB_LOST_SECONDS)
        return self.created_at is None or self.created_at >= lost_before


class ScheduledRun(models.Model):
    """One run of a scheduled job (actionplan/jobs/schedule.py), claimed by the first clock to
    insert it: the unique (name, due time) is what keeps several clocks from running it twice."""

    class State(models.TextChoices):
        QUEUED = "queued", _("順番待ち")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    name = models.CharField(_("処理"), max_length=40)
    due_at = models.DateTimeField(_("予定日時"))
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.QUEUED)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    # What the command printed (a count), or the kind and first line of its error.
    output = models.CharField(_("結果"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("定期処理の実行")
        verbose_name_plural = _("定期処理の実行")
        constraints = [
            models.UniqueConstraint(fields=["name", "due_at"], name="one_run_per_due_time")
        ]
        indexes = [models.Index(fields=["name", "-due_at"])]

    def __str__(self) -> str:
        return f"{self.name} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def output_text(self) -> str:
        return _outcome(self.output)
