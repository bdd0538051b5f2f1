"""Writes of the partnership desk and the registry.

Every function owns its transaction, checks who asks, and leaves a history row (simple-history
records each save of a proposal, with the transition's name as the change reason). Views, the
command line and tests call these; nothing else saves these records.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.debug import sensitive_variables

from actionplan.accounts.models import Role
from actionplan.accounts.permissions import (
    can_read_internal,
    government_of,
    is_bureau,
    require,
    role_of,
)
from actionplan.files import PARTIAL_PREFIX, staged_files, sweep_partial_files
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.importer.partners import normalized_name
from actionplan.plans.models import Hub, MemberGovernment, Organization, Partnership, Theme
from actionplan.plans.queries import current_version

from .contacts import redact_contact_details
from .models import (
    CLOSED_STATES,
    PERSONAL_FIELDS,
    Attachment,
    Note,
    Proposal,
    ReceiptCounter,
    State,
    private_storage,
)
from .uploads import detect_content_type

AnyUser = AbstractBaseUser | AnonymousUser
logger = logging.getLogger(__name__)


class ProposalError(ValueError):
    """Input refused; `field` names the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


# --- who may do what ----------------------------------------------------------------------


def _referred_editor(user: AnyUser, proposal: Proposal) -> bool:
    if role_of(user) != Role.MEMBER_EDITOR:
        return False
    government = government_of(user)
    return (
        government is not None and proposal.referred_governments.filter(pk=government.pk).exists()
    )


def can_view(user: AnyUser, proposal: Proposal) -> bool:
    """Bureau and reviewers see every proposal; a member editor once it is referred to them."""
    if is_bureau(user) or role_of(user) == Role.REVIEWER:
        return True
    return _referred_editor(user, proposal)


def can_see_contact(user: AnyUser) -> bool:
    """The proposer's contact details are for the bureau, which answers the proposer."""
    return is_bureau(user)


# Transition name → (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "screen": (frozenset({State.RECEIVED}), State.SCREENING),
    "refer": (frozenset({State.SCREENING, State.IN_DISCUSSION}), State.REFERRED),
    "discuss": (frozenset({State.SCREENING, State.REFERRED}), State.IN_DISCUSSION),
    "agree": (frozenset({State.IN_DISCUSSION}), State.AGREED),
    "decline": (
        frozenset({State.RECEIVED, State.SCREENING, State.REFERRED, State.IN_DISCUSSION}),
        State.DECLINED,
    ),
    "withdraw": (
        frozenset({State.RECEIVED, State.SCREENING, State.REFERRED, State.IN_DISCUSSION}),
        State.WITHDRAWN,
    ),
}


def can_transition(user: AnyUser, proposal: Proposal, name: str) -> bool:
    """The bureau moves every step; an editor of a referred government may open discussion."""
    if is_bureau(user):
        return True
    return name == "discuss" and _referred_editor(user, proposal)


def available_transitions(user: AnyUser, proposal: Proposal) -> list[str]:
    return [
        name
        for name, (sources, _target) in TRANSITIONS.items()
        if proposal.state in sources and can_transition(user, proposal, name)
    ]


# --- submitting -----------------------------------------------------------------------------


@dataclass
class ProposalInput:
    organization_name: str
    organization_kind: str
    contact_name: str
    email: str
    title: str
    summary: str
    phone: str = ""
    details: str = ""
    theme_codes: list[str] = field(default_factory=list)
    member_governments: Sequence[MemberGovernment] = ()
    consent: bool = False
    language: str = "ja"


@dataclass
class Submitted:
    proposal: Proposal
    # Shown once to the proposer and e-mailed; only its hash is stored.
    status_token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _next_receipt_number(year: int) -> str:
    # The counter row is locked until the transaction ends, so two processes never share a number.
    ReceiptCounter.objects.get_or_create(year=year)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"KP-{year}-{counter.last:04d}"


def check_attachments(files: Sequence[UploadedFile]) -> list[str]:
    """The content type of each file, in order; refuses too many, too large or unknown files."""
    if len(files) > settings.PROPOSAL_MAX_ATTACHMENTS:
        raise ProposalError(
            "attachments",
            f"at most {settings.PROPOSAL_MAX_ATTACHMENTS} files may be attached; got {len(files)}",
        )
    types = []
    for upload in files:
        name = upload.name or "?"
        if (upload.size or 0) > settings.PROPOSAL_MAX_ATTACHMENT_BYTES:
            raise ProposalError(
                "attachments",
                f"{name} is larger than {settings.PROPOSAL_MAX_ATTACHMENT_BYTES} bytes",
            )
        mime = detect_content_type(upload.file) if upload.file is not None else None
        if mime is None:
            raise ProposalError(
                "attachments", f"{name} is not a PDF, Office document or image by its content"
            )
        types.append(mime)
    return types


@sensitive_variables("data")
def submit_proposal(
    data: ProposalInput, files: Sequence[UploadedFile] = (), *, site_url: str = ""
) -> Submitted:
    """Record a proposal from the public form; anyone may submit. `site_url` (scheme and host)
    makes the status link in the receipt e-mail absolute."""
    if not data.consent:
        raise ProposalError("consent", "consent to the handling of personal data is required")
    for name in ("organization_name", "contact_name", "email", "title", "summary"):
        if not str(getattr(data, name)).strip():
            raise ProposalError(name, "this field is required")
    if data.organization_kind not in Organization.Kind.values:
        raise ProposalError("organization_kind", f"unknown kind {data.organization_kind!r}")
    types = check_attachments(files)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    try:
        with staged_files():
            proposal = _store_proposal(data, files, types, token, now, site_url)
    except OSError as error:
        # A full disk or an unwritable folder: nothing was stored, no file is left behind.
        logger.error("proposal attachments not stored: %s", type(error).__name__)
        raise AttachmentStorageError from error
    return Submitted(proposal=proposal, status_token=token)


class AttachmentStorageError(ProposalError):
    """The server could not store the attachments (disk full, read-only folder)."""

    def __init__(self) -> None:
        super().__init__("attachments", "the attachments could not be stored on the server")


def _store_proposal(
    data: ProposalInput,
    files: Sequence[UploadedFile],
    types: list[str],
    token: str,
    now: datetime.datetime,
    site_url: str,
) -> Proposal:
    with transaction.atomic():
        proposal = Proposal(
            receipt_number=_next_receipt_number(timezone.localdate(now).year),
            organization_name=data.organization_name.strip(),
            organization_kind=data.organization_kind,
            contact_name=data.contact_name.strip(),
            email=data.email.strip(),
            phone=data.phone.strip(),
            theme_codes=list(data.theme_codes),
            title=data.title.strip(),
            summary=data.summary.strip(),
            details=data.details.strip(),
            language=data.language if data.language in ("ja", "en") else "ja",
            consented_at=now,
            status_token_hash=hash_token(token),
            submitted_at=now,
            first_response_due=timezone.localdate(now)
            + datetime.timedelta(days=settings.PROPOSAL_FIRST_RESPONSE_DAYS),
        )
        proposal._change_reason = "submit"  # type: ignore[attr-defined]
        proposal.save()
        proposal.member_governments.set(data.member_governments)
        for upload, mime in zip(files, types, strict=True):
            Attachment.objects.create(
                proposal=proposal,
                file=upload,
                original_name=(upload.name or "attachment")[:255],
                content_type=mime,
                size=upload.size or 0,
            )
        # The receipt is stored in the outbox with the proposal and sent after commit: a mail
        # server that is down never costs the proposer the receipt page and its status link.
        _mail_receipt(proposal, token, site_url)
    return proposal


def _mail(proposal: Proposal, template: str, context: dict[str, object]) -> None:
    if not proposal.email:
        return
    with translation.override(proposal.language):
        subject = render_to_string(f"partnerships/mail/{template}_subject.txt", context).strip()
        body = render_to_string(f"partnerships/mail/{template}.txt", context)
    enqueue_mail(subject, body, [proposal.email])


def _mail_receipt(proposal: Proposal, token: str, site_url: str) -> None:
    with translation.override(proposal.language):
        path = reverse("partnerships:status", args=[token])
    status_url = f"{site_url.rstrip('/')}{path}"
    _mail(proposal, "receipt", {"proposal": proposal, "status_url": status_url})


def proposal_for_token(token: str) -> Proposal | None:
    return Proposal.objects.filter(status_token_hash=hash_token(token)).first()


# --- triage -----------------------------------------------------------------------------------


def _move(
    user: AnyUser | None, proposal: Proposal, name: str, answer: str, reason_extra: str = ""
) -> None:
    sources, target = TRANSITIONS[name]
    if proposal.state not in sources:
        raise ProposalError("state", f"cannot {name} a proposal that is {proposal.state}")
    now = timezone.now()
    proposal.state = target
    if answer.strip():
        proposal.answer = answer.strip()
    if proposal.first_responded_at is None and name != "withdraw":
        proposal.first_responded_at = now
    if target in CLOSED_STATES:
        proposal.closed_at = now
    proposal._change_reason = f"{name}{': ' + reason_extra if reason_extra else ''}"  # type: ignore[attr-defined]
    if user is not None and user.is_authenticated:
        proposal._history_user = user  # type: ignore[attr-defined]
    proposal.save()
    _mail(proposal, "answer", {"proposal": proposal})


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def screen_proposal(user: AnyUser, proposal: Proposal, answer: str = "") -> Proposal:
    require(can_transition(user, proposal, "screen"), "only bureau staff screen proposals")
    with transaction.atomic():
        proposal = _lock(proposal)
        _move(user, proposal, "screen", answer)
    return proposal


def refer_proposal(
    user: AnyUser,
    proposal: Proposal,
    *,
    governments: Iterable[MemberGovernment] = (),
    owner: AbstractBaseUser | None = None,
    answer: str = "",
) -> Proposal:
    """Refer to a theme owner (a bureau person) and/or member governments."""
    require(can_transition(user, proposal, "refer"), "only bureau staff refer proposals")
    governments = list(governments)
    if not governments and owner is None:
        raise ProposalError("referred_governments", "refer to a theme owner or a government")
    if owner is not None and not is_bureau(owner):
        raise ProposalError("referred_owner", "a theme owner must be bureau staff")
    with transaction.atomic():
        proposal = _lock(proposal)
        proposal.referred_owner = owner  # type: ignore[assignment]
        proposal.referred_governments.set(governments)
        names = [g.name_ja for g in governments] + ([str(owner)] if owner else [])
        _move(user, proposal, "refer", answer, ", ".join(names))
    return proposal


def start_discussion(user: AnyUser, proposal: Proposal, answer: str = "") -> Proposal:
    require(
        can_transition(user, proposal, "discuss"),
        "only bureau staff or a referred government open a discussion",
    )
    with transaction.atomic():
        proposal = _lock(proposal)
        _move(user, proposal, "discuss", answer)
    return proposal


def decline_proposal(user: AnyUser, proposal: Proposal, reason: str, answer: str = "") -> Proposal:
    require(can_transition(user, proposal, "decline"), "only bureau staff decline proposals")
    if not reason.strip():
        raise ProposalError("decline_reason", "a reason is required to decline")
    with transaction.atomic():
        proposal = _lock(proposal)
        proposal.decline_reason = reason.strip()
        _move(user, proposal, "decline", answer)
    return proposal


def withdraw_proposal(user: AnyUser, proposal: Proposal, answer: str = "") -> Proposal:
    """Staff record a withdrawal the proposer asked for by other means."""
    require(can_transition(user, proposal, "withdraw"), "only bureau staff withdraw proposals")
    with transaction.atomic():
        proposal = _lock(proposal)
        _move(user, proposal, "withdraw", answer)
    return proposal


def withdraw_by_token(token: str) -> Proposal:
    """The proposer withdraws from their private status page; the token is their permission."""
    found = proposal_for_token(token)
    if found is None:
        raise ProposalError("token", "no proposal has this status link")
    with transaction.atomic():
        proposal = _lock(found)
        _move(None, proposal, "withdraw", "", "by the proposer")
    return proposal


def agree_proposal(
    user: AnyUser,
    proposal: Proposal,
    *,
    signed_on: datetime.date,
    theme_code: str = "",
    title_ja: str = "",
    corporate_number: str = "",
    answer: str = "",
) -> Proposal:
    """Close as agreed and record the new partnership (version NULL) with the organization."""
    require(can_transition(user, proposal, "agree"), "only bureau staff agree proposals")
    with transaction.atomic():
        proposal = _lock(proposal)
        organization = get_or_create_organization(
            user,
            name_ja=proposal.organization_name,
            kind=proposal.organization_kind,
            corporate_number=corporate_number,
        )
        governments = list(proposal.referred_governments.all()) or list(
            proposal.member_governments.all()
        )
        partnership = create_partnership(
            user,
            title_ja=title_ja.strip() or proposal.title,
            outline_ja=proposal.summary,
            theme_code=theme_code or (proposal.theme_codes[0] if proposal.theme_codes else ""),
            signed_on=signed_on,
            governments=governments,
            partners=[organization],
            key=f"desk.{proposal.receipt_number.lower()}",
        )
        proposal.partnership = partnership
        proposal.organization = organization
        _move(user, proposal, "agree", answer, partnership.key)
    return proposal


def assign_proposal(
    user: AnyUser, proposal: Proposal, assignee: AbstractBaseUser | None
) -> Proposal:
    require(is_bureau(user), "only bureau staff assign proposals")
    if assignee is not None and not is_bureau(assignee):
        raise ProposalError("assignee", "proposals are assigned to bureau staff only")
    with transaction.atomic():
        proposal = _lock(proposal)
        proposal.assignee = assignee  # type: ignore[assignment]
        proposal._change_reason = f"assign: {assignee}"  # type: ignore[attr-defined]
        proposal._history_user = user  # type: ignore[attr-defined]
        proposal.save()
    return proposal


def add_note(user: AnyUser, proposal: Proposal, body: str) -> Note:
    require(
        can_view(user, proposal) and (is_bureau(user) or can_read_internal(user)),
        "you may not comment on this proposal",
    )
    if not body.strip():
        raise ProposalError("body", "a note cannot be empty")
    with transaction.atomic():
        return Note.objects.create(
            proposal=proposal, author_id=int(str(user.pk)), body=body.strip()
        )


# --- personal data --------------------------------------------------------------------------


def purge_personal_data(
    older_than_days: int | None = None, *, now: datetime.datetime | None = None
) -> int:
    """Blank the contact details of proposals closed longer ago than the retention period,
    in the proposals and in every history row that copied them, remove the e-mail addresses
    and telephone numbers quoted in their internal notes, and delete their attachments (rows
    and files). Returns how many proposals."""
    days = (
        settings.PROPOSAL_PERSONAL_DATA_RETENTION_DAYS
        if older_than_days is None
        else older_than_days
    )
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    blank = dict.fromkeys(PERSONAL_FIELDS, "")
    with transaction.atomic():
        due = Proposal.objects.filter(
            state__in=CLOSED_STATES, closed_at__lt=cutoff, personal_data_purged_at__isnull=True
        )
        ids = list(due.values_list("pk", flat=True))
        # A bulk update: saving would write one more history row holding the copy to remove.
        Proposal.objects.filter(pk__in=ids).update(
            **blank, personal_data_purged_at=now or timezone.now()
        )
        Proposal.history.filter(id__in=ids).update(**blank)
        for note in Note.objects.filter(proposal_id__in=ids):
            body = redact_contact_details(note.body)
            if body != note.body:
                Note.objects.filter(pk=note.pk).update(body=body)
        attachments = Attachment.objects.filter(proposal_id__in=ids)
        names = [name for name in attachments.values_list("file", flat=True) if name]
        attachments.delete()
        # The files go once the rows are gone for good: a rolled-back purge keeps them.
        transaction.on_commit(lambda: _delete_attachment_files(names))
    return len(ids)


def _delete_attachment_files(names: list[str]) -> None:
    for name in names:
        private_storage.delete(name)


# --- the registry -----------------------------------------------------------------------------


def corporate_number_is_valid(number: str) -> bool:
    """法人番号: 13 digits, the first being a check digit over the other twelve."""
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    base = number[1:]
    total = sum(
        int(digit) * (1 if position % 2 else 2)
        for position, digit in enumerate(reversed(base), start=1)
    )
    return int(number[0]) == 9 - total % 9


def _check_corporate_number(number: str) -> str:
    number = number.strip()
    if number and not corporate_number_is_valid(number):
        raise ProposalError("corporate_number", f"{number} is not a valid 13-digit 法人番号")
    return number


def get_or_create_organization(
    user: AnyUser, *, name_ja: str, kind: str = "", name_en: str = "", corporate_number: str = ""
) -> Organization:
    """One organization per normalised name: 「株式会社Ａ」 and 「A」 are the same partner."""
    require(is_bureau(user), "only bureau staff edit the registry")
    if not name_ja.strip():
        raise ProposalError("name_ja", "an organization needs a name")
    number = _check_corporate_number(corporate_number)
    with transaction.atomic():
        organization, created = Organization.objects.get_or_create(
            normalized_name=normalized_name(name_ja),
            defaults={
                "name_ja": name_ja.strip(),
                "name_en": name_en.strip(),
                "kind": kind or Organization.Kind.OTHER,
                "corporate_number": number,
            },
        )
        if not created and number and not organization.corporate_number:
            organization.corporate_number = number
            organization.save()
    return organization


def update_organization(
    user: AnyUser,
    organization: Organization,
    *,
    name_ja: str,
    name_en: str,
    kind: str,
    corporate_number: str,
) -> Organization:
    require(is_bureau(user), "only bureau staff edit the registry")
    number = _check_corporate_number(corporate_number)
    normalized = normalized_name(name_ja)
    if not name_ja.strip():
        raise ProposalError("name_ja", "an organization needs a name")
    if kind not in Organization.Kind.values:
        raise ProposalError("kind", f"unknown kind {kind!r}")
    clash = Organization.objects.filter(normalized_name=normalized).exclude(pk=organization.pk)
    if clash.exists():
        raise ProposalError("name_ja", f"{name_ja} is already in the registry as {clash.first()}")
    with transaction.atomic():
        organization.name_ja = name_ja.strip()
        organization.name_en = name_en.strip()
        organization.kind = kind
        organization.corporate_number = number
        organization.normalized_name = normalized
        organization.save()
    return organization


def create_partnership(
    user: AnyUser,
    *,
    title_ja: str,
    outline_ja: str,
    theme_code: str,
    signed_on: datetime.date,
    governments: Sequence[MemberGovernment] = (),
    partners: Sequence[Organization] = (),
    key: str = "",
    title_en: str = "",
) -> Partnership:
    """A partnership recorded by staff: it belongs to no plan edition (version NULL)."""
    require(is_bureau(user), "only bureau staff edit the registry")
    if not title_ja.strip():
        raise ProposalError("title_ja", "a partnership needs a title")
    version = current_version()
    theme = Theme.objects.filter(version=version, code=theme_code).first() if version else None
    if theme_code and theme is None:
        raise ProposalError("theme_code", f"unknown theme {theme_code!r}")
    with transaction.atomic():
        partnership = Partnership.objects.create(
            version=None,
            theme_code=theme_code,
            theme=theme,
            key=key or f"desk.{secrets.token_hex(5)}",
            title_ja=title_ja.strip(),
            title_en=title_en.strip(),
            date_year=signed_on.year,
            date_month=signed_on.month,
            date_day=signed_on.day,
            date_label_ja=f"{signed_on.year}年{signed_on.month}月{signed_on.day}日",
            date_label_en=signed_on.isoformat(),
            outline_ja=outline_ja.strip(),
        )
        partnership.member_governments.set(governments)
        partnership.partners.set(partners)
    return partnership


def update_hub(
    user: AnyUser,
    hub: Hub,
    *,
    name_ja: str,
    name_en: str,
    lat: Decimal,
    lon: Decimal,
    theme_codes: Sequence[str],
) -> Hub:
    """Staff correct a hub's name, coordinates (the plan gives none; ours are approximate) or
    themes."""
    require(is_bureau(user), "only bureau staff edit the registry")
    if not name_ja.strip():
        raise ProposalError("name_ja", "a hub needs a name")
    # Kansai and its surroundings: a swapped or mistyped coordinate lands far outside.
    if not Decimal(33) <= lat <= Decimal(36.5):
        raise ProposalError("lat", f"latitude {lat} is outside the Kansai region (33–36.5)")
    if not Decimal(133) <= lon <= Decimal(137):
        raise ProposalError("lon", f"longitude {lon} is outside the Kansai region (133–137)")
    known = set(Theme.objects.values_list("code", flat=True))
    unknown = [code for code in theme_codes if code not in known]
    if unknown:
        raise ProposalError("theme_codes", f"unknown themes {unknown}")
    with transaction.atomic():
        hub.name_ja = name_ja.strip()
        hub.name_en = name_en.strip()
        hub.lat = lat
        hub.lon = lon
        hub.theme_codes = list(theme_codes)
        hub._history_user = user  # type: ignore[attr-defined]
        hub.save()
    return hub


def sweep_attachment_files(older_than: datetime.timedelta) -> int:
    """Remove attachment files that no row points to (staged for a transaction that never
    committed, or left by a proposal deleted since), last changed longer ago than
    ``older_than``; returns how many. Only files under the attachment folder are touched."""
    root = Path(settings.PROPOSAL_ATTACHMENT_ROOT)
    if not root.is_dir():
        return 0
    removed = sweep_partial_files(root, older_than)
    known = set(Attachment.objects.values_list("file", flat=True))
    limit = (timezone.now() - older_than).timestamp()
    for path in root.rglob("*"):
        if not path.is_file() or path.name.startswith(PARTIAL_PREFIX):
            continue
        if path.relative_to(root).as_posix() not in known and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
