from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actionplan.accounts.permissions import is_bureau
from actionplan.mail.models import OutgoingMail

from .models import Job

SHOWN = 100


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
        },
    )
