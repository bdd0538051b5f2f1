from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from actionplan.accounts.permissions import is_bureau
from actionplan.mail.models import OutgoingMail

from . import schedule
from .models import Job

SHOWN = 100

# The scheduled jobs by what they do, for the page (their names are the commands).
SCHEDULED_LABELS = {
    "flush-outbox": gettext_lazy("送信待ちメールの送信と再送"),
    "expire-jobs": gettext_lazy("中断された処理の整理"),
    "send-submissions": gettext_lazy("提出された報告のまとめ通知"),
    "send-digest": gettext_lazy("日次まとめメールと期限切れの提案"),
    "send-reminders": gettext_lazy("未提出の報告のリマインダー"),
    "purge-personal-data": gettext_lazy("終了した提案の個人情報の削除"),
    "sweep-files": gettext_lazy("記録のないファイルの削除"),
}


def _scheduled() -> list[dict[str, object]]:
    """Each scheduled job with its time, next run and last run (one query for the last runs)."""
    now = timezone.now()
    jobs = schedule.schedule()
    last = schedule.last_runs([j.name for j in jobs])
    return [
        {
            "name": job.name,
            "label": SCHEDULED_LABELS.get(job.name, job.name),
            "cron": job.cron,
            "next": schedule.next_due(job, now),
            "last": last.get(job.name),
        }
        for job in jobs
    ]


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Bureau staff: the outbox (what waits, what failed and why), the jobs they started and
    those the system started.
    Addresses are left out: the page is about delivery, not about who was written to."""
    if not is_bureau(request.user):
        raise PermissionDenied(_("この画面を見る権限がありません"))
    unsent = OutgoingMail.objects.exclude(state=OutgoingMail.State.SENT).order_by("next_attempt_at")
    sent = OutgoingMail.objects.filter(state=OutgoingMail.State.SENT).order_by("-sent_at")
    return render(
        request,
        "jobs/overview.html",
        {
            "unsent": unsent[:SHOWN],
            "unsent_count": unsent.count(),
            "sent": sent[:20],
            "jobs": Job.objects.filter(requested_by_id=request.user.pk).order_by("-created_at")[
                :SHOWN
            ],
            # Started by the system (open data builds after an activation): every bureau
            # member sees them, so that a failed build does not go unnoticed.
            "system_jobs": Job.objects.filter(requested_by__isnull=True).order_by("-created_at")[
                :20
            ],
            "scheduler_on": settings.SCHEDULER,
            "scheduled": _scheduled(),
        },
    )
