from __future__ import annotations

import datetime
import email
import email.policy
import socket
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from actionplan.conftest import client_for
from actionplan.mail.models import OutgoingMail
from actionplan.mail.outbox import deliver, enqueue_mail, flush_outbox
from actionplan.partnerships.models import Proposal
from actionplan.partnerships.tests.test_views import form_data
from actionplan.plans.models import PlanVersion

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# The ports this project's tests may listen on.
TEST_PORTS = range(8150, 8160)


def free_port() -> int:
    """A port of the test range that nothing listens on: connecting to it is refused."""
    for port in TEST_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in the test range")


class Collector:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_port(settings: Any) -> int:
    port = free_port()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def later() -> datetime.datetime:
    """Past every backoff the tests' failures schedule."""
    return timezone.now() + datetime.timedelta(days=1)


def smtp_server(port: int, collector: Collector) -> Controller:
    controller = Controller(collector, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    return controller


def body_of(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_proposal_submitted_while_the_mail_server_is_down_is_received_and_mailed_later(
    client: Client,
    plan_version: PlanVersion,
    smtp_port: int,
    later: datetime.datetime,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/proposals/new/", form_data())
    # The proposer is sent to the status page with the receipt number, mail or no mail.
    assert response.status_code == 302
    assert response["Location"].startswith("/proposals/status/")
    proposal = Proposal.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200 and proposal.receipt_number in page.content.decode()
    queued = OutgoingMail.objects.get()
    assert queued.state == OutgoingMail.State.PENDING and queued.attempts == 1
    assert "ConnectionRefusedError" in queued.last_error
    assert queued.next_attempt_at > timezone.now()

    collector = Collector()
    server = smtp_server(smtp_port, collector)
    try:
        assert flush_outbox(later) == (1, 0)
        # Flushing again, or a late retry of the same mail, sends nothing more.
        assert flush_outbox(later) == (0, 0)
        assert deliver(queued.pk, later) is False
    finally:
        server.stop()
    assert len(collector.messages) == 1
    message = collector.messages[0]
    assert message["To"] == proposal.email
    assert proposal.receipt_number in str(message["Subject"])
    assert response["Location"] in body_of(message)
    queued.refresh_from_db()
    assert queued.state == OutgoingMail.State.SENT and queued.attempts == 2
    # The private status link does not stay in the database once the mail has left.
    assert queued.body == ""


def test_retries_back_off_exponentially_then_give_up(
    db: None, smtp_port: int, settings: Any
) -> None:
    settings.MAIL_RETRY_SECONDS = 60
    settings.MAIL_MAX_ATTEMPTS = 3
    with transaction.atomic():
        queued = enqueue_mail("件名", "本文", ["someone@example.jp"])
    assert queued is not None
    now = timezone.now()
    waits = []
    for _ in range(3):
        deliver(queued.pk, now)
        queued.refresh_from_db()
        waits.append((queued.next_attempt_at - now).total_seconds())
        now = queued.next_attempt_at
    assert waits == [60, 120, 240]
    assert queued.state == OutgoingMail.State.FAILED and queued.attempts == 3
    # A mail that was given up is not tried again by the scheduled flush.
    assert flush_outbox(now + datetime.timedelta(days=1)) == (0, 0)


def test_a_mail_of_a_rolled_back_change_is_never_sent(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue_mail("件名", "本文", ["someone@example.jp"])
            raise RuntimeError("the change failed")
    assert not OutgoingMail.objects.exists() and mail.outbox == []


def test_a_mail_another_sender_holds_is_not_sent_twice(db: None) -> None:
    queued = enqueue_mail("件名", "本文", ["someone@example.jp"])
    assert queued is not None
    now = timezone.now()
    OutgoingMail.objects.filter(pk=queued.pk).update(
        claimed_until=now + datetime.timedelta(minutes=5)
    )
    assert deliver(queued.pk, now) is False
    assert mail.outbox == []
    # Once the other sender's claim has lapsed (it died), the mail goes out, once.
    assert deliver(queued.pk, now + datetime.timedelta(minutes=6)) is True
    assert deliver(queued.pk, now + datetime.timedelta(minutes=7)) is False
    assert len(mail.outbox) == 1


def test_the_log_names_the_mail_but_not_its_address(
    db: None, smtp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    queued = enqueue_mail("件名", "秘密のリンク", ["private-person@example.jp"])
    assert queued is not None
    deliver(queued.pk, timezone.now())
    assert f"mail {queued.pk}" in caplog.text
    assert "private-person" not in caplog.text and "秘密" not in caplog.text


@pytest.fixture
def failed_mail(db: None, smtp_port: int) -> Iterator[OutgoingMail]:
    queued = enqueue_mail("【受付】テストの提案", "本文", ["private-person@example.jp"])
    assert queued is not None
    deliver(queued.pk, timezone.now())
    queued.refresh_from_db()
    yield queued


def test_bureau_staff_see_failed_deliveries_in_their_language(
    failed_mail: OutgoingMail, bureau_staff: User
) -> None:
    page = client_for(bureau_staff).get("/jobs/").content.decode()
    assert "【受付】テストの提案" in page and "ConnectionRefusedError" in page
    assert "送信待ち" in page
    assert "private-person@example.jp" not in page
    english = client_for(bureau_staff).get("/en/jobs/").content.decode()
    assert "Waiting to be sent" in english and "Unsent mail" in english


def test_outsiders_do_not_see_the_outbox(
    failed_mail: OutgoingMail, osaka_editor: User, outsider: User
) -> None:
    assert client_for(osaka_editor).get("/jobs/").status_code == 403
    assert client_for(outsider).get("/jobs/").status_code == 403
    anonymous = Client().get("/jobs/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_flush_outbox_command_sends_what_is_due(db: None) -> None:
    enqueue_mail("件名", "本文", ["someone@example.jp"])  # not sent: no commit in this test
    out = StringIO()
    call_command("flush_outbox", stdout=out)
    assert out.getvalue().strip() == "sent 1 mail(s), 0 still waiting"
    assert [m.to for m in mail.outbox] == [["someone@example.jp"]]
