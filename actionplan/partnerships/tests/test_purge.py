"""Purging personal data also reaches notes that quote the proposer and the attachments."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from actionplan.partnerships import actions
from actionplan.partnerships.contacts import REDACTED, redact_contact_details
from actionplan.partnerships.models import Attachment, Note

from .conftest import EMAIL, PHONE


@pytest.mark.parametrize(
    "text",
    [
        "hanako@example.co.jp",
        "hanako＠example.co.jp",
        "06-6543-2109",
        "0665432109",
        "090 1234 5678",
        "（０６）６５４３－２１０９",
        "+81 6-6543-2109",
        "075(123)4567",
    ],
)
def test_it_recognises_contact_details(text: str) -> None:
    assert redact_contact_details(f"連絡先 {text} です") == f"連絡先 {REDACTED} です"


@pytest.mark.parametrize(
    "text",
    ["2025-11-01", "受付番号 P-2025-0012", "予算 1,200万円", "10時から12時", "7000012050002"],
)
def test_it_leaves_dates_and_figures_alone(text: str) -> None:
    assert redact_contact_details(text) == text


def test_purge_clears_quoted_contacts_and_deletes_attachments(
    submitted: actions.Submitted,
    bureau_staff: User,
    private_folder: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    proposal = submitted.proposal
    stored = [Path(a.file.path) for a in proposal.attachments.all()]
    assert stored and all(path.is_file() for path in stored)
    note = actions.add_note(
        bureau_staff, proposal, f"担当者に電話（{PHONE}）し、{EMAIL} に資料を送付。次回は12月。"
    )
    actions.decline_proposal(bureau_staff, proposal, "対象外です。")
    later = timezone.now() + datetime.timedelta(days=31)

    # The files are deleted once the purge has committed.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.purge_personal_data(older_than_days=30, now=later) == 1
    assert len(callbacks) == 1

    note.refresh_from_db()
    assert PHONE not in note.body and EMAIL not in note.body
    assert note.body == f"担当者に電話（{REDACTED}）し、{REDACTED} に資料を送付。次回は12月。"
    assert not Attachment.objects.filter(proposal=proposal).exists()
    assert not any(path.exists() for path in stored)
    assert not proposal.history.exclude(email="").exists()
    # The staff page of the proposal still opens, without the deleted attachment.
    client = Client()
    client.force_login(bureau_staff)
    page = client.get(f"/desk/proposals/{proposal.pk}/")
    assert page.status_code == 200
    assert EMAIL not in page.content.decode() and PHONE not in page.content.decode()


def test_notes_of_open_proposals_are_kept(submitted: actions.Submitted, bureau_staff: User) -> None:
    proposal = submitted.proposal
    actions.add_note(bureau_staff, proposal, f"{EMAIL} に連絡済み")
    later = timezone.now() + datetime.timedelta(days=31)
    assert actions.purge_personal_data(older_than_days=30, now=later) == 0
    assert Note.objects.get(proposal=proposal).body == f"{EMAIL} に連絡済み"
    assert proposal.attachments.count() == 1


def test_privacy_page_states_how_long_attachments_are_kept(
    settings: object, client: Client
) -> None:
    settings.PROPOSAL_PERSONAL_DATA_RETENTION_DAYS = 200  # type: ignore[attr-defined]
    japanese = client.get("/proposals/privacy/").content.decode()
    assert "添付ファイルは、提案が終了してから200日を過ぎると" in japanese
    # The request switches the thread's language: give it back afterwards.
    with translation.override("ja"):
        english = client.get("/en/proposals/privacy/").content.decode()
    assert "Attachments are deleted together with the contact details 200 days after" in english
