"""The mail outbox: the one way the application sends mail.

``enqueue_mail`` stores the mail in the caller's transaction; once that commits, the task queue
sends it. A failed attempt is retried with exponential backoff; staff see the state, attempts
and last error in the admin. A mail whose sender died is picked up by ``flush_outbox`` (the
``actionplan flush-outbox`` command, run from cron), so nothing is lost and a mail that was sent
is never sent again.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from actionplan.jobs.queue import enqueue, enqueue_in

from .models import OutgoingMail

logger = logging.getLogger(__name__)

# How long one attempt may hold a mail before another sender may take it over.
CLAIM_SECONDS = 300
# The longest wait between two attempts, whatever the backoff says.
MAX_RETRY_SECONDS = 6 * 3600


def enqueue_mail(
    subject: str, body: str, recipients: Sequence[str], from_email: str = ""
) -> OutgoingMail | None:
    """Store a mail to send once the current transaction commits; returns the stored row, or
    None when there is nobody to send it to. Call it inside the transaction of the change the
    mail is about: if that change rolls back, no mail is sent."""
    addresses = sorted({a.strip() for a in recipients if a and a.strip()})
    if not addresses:
        return None
    with transaction.atomic():
        mail = OutgoingMail.objects.create(
            recipients=addresses,
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            subject=" ".join(subject.split()),
            body=body,
            next_attempt_at=timezone.now(),
        )
        enqueue(deliver, mail.pk)
    return mail


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: doubling each time."""
    return float(min(settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def _claim(mail_id: int, now: datetime.datetime) -> bool:
    # One conditional UPDATE: of two senders racing for the same mail, exactly one wins.
    return bool(
        OutgoingMail.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=mail_id,
            state=OutgoingMail.State.PENDING,
            next_attempt_at__lte=now,
        ).update(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS))
    )


def deliver(mail_id: int, now: datetime.datetime | None = None) -> bool:
    """Send one mail of the outbox if it is due and nobody else is sending it; returns whether
    it was sent by this call. A failure is recorded and a retry scheduled."""
    now = now or timezone.now()
    if not _claim(mail_id, now):
        return False
    mail = OutgoingMail.objects.get(pk=mail_id)
    message = EmailMessage(mail.subject, mail.body, mail.from_email, list(mail.recipients))
    try:
        message.send()
    except Exception as error:  # noqa: BLE001  # any backend failure must be recorded, not raised
        attempts = mail.attempts + 1
        gave_up = attempts >= settings.MAIL_MAX_ATTEMPTS
        delay = retry_delay(attempts)
        OutgoingMail.objects.filter(pk=mail_id).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:500],
            state=OutgoingMail.State.FAILED if gave_up else OutgoingMail.State.PENDING,
            next_attempt_at=now + datetime.timedelta(seconds=delay),
            claimed_until=None,
        )
        # The log names the mail, never its addresses or text (personal data).
        logger.warning("mail %s: attempt %s failed (%s)", mail_id, attempts, type(error).__name__)
        if not gave_up:
            enqueue_in(delay, deliver, mail_id)
        return False
    OutgoingMail.objects.filter(pk=mail_id).update(
        attempts=mail.attempts + 1,
        state=OutgoingMail.State.SENT,
        sent_at=timezone.now(),
        body="",
        last_error="",
        claimed_until=None,
    )
    return True


def flush_outbox(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send every mail that is due now; delete sent mails older than ``MAIL_KEEP_DAYS``.
    Returns (sent, still pending)."""
    now = now or timezone.now()
    due = OutgoingMail.objects.filter(
        state=OutgoingMail.State.PENDING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    sent = sum(deliver(pk, now) for pk in list(due))
    OutgoingMail.objects.filter(
        state=OutgoingMail.State.SENT,
        sent_at__lt=now - datetime.timedelta(days=settings.MAIL_KEEP_DAYS),
    ).delete()
    return sent, OutgoingMail.objects.filter(state=OutgoingMail.State.PENDING).count()
