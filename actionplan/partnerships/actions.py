"""Writes of the partnership desk and the registry.

Every function owns its transaction, checks who asks, and leaves a history row (simple-history
records each save of a proposal, with the transition's name as the change reason). Views, the
command line and tests call these; nothing else saves these records.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.debug import sensitive_variables
from simple_history.models import HistoricalRecords

from actionplan.accounts.models import Role
from actionplan.accounts.permissions import (
    can_read_internal,
    government_of,
    is_bureau,
    require,
    role_of,
)
from actionplan.files import storing_files, sweep_unreferenced_files
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.importer.partners import normalized_name
from actionplan.plans.localized import is_english
from actionplan.plans.models import (
    Action,
    Hub,
    MemberGovernment,
    Organization,
    Partnership,
    PartnershipItem,
    Theme,
)
from actionplan.plans.queries import current_version

from .contacts import redact_contact_details
from .models import (
    CLOSED_STATES,
    PERSONAL_FIELDS,
    AgreementDraft,
    Attachment,
    Note,
    Proposal,
    ProposalAction,
    ReceiptCounter,
    State,
    private_storage,
)
from .uploads import detect_content_type

AnyUser = AbstractBaseUser | AnonymousUser


class ProposalError(ValueError):
    """Input refused; `field` names the form field it is about, `message` says why in the
    language of the request (the pages show it as it is, never the field's key)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


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


# What each step of the history is called on the pages; the rows store the step's code.
STEP_LABELS = {
    "submit": gettext_lazy("提案の受付"),
    "screen": gettext_lazy("内容確認の開始"),
    "refer": gettext_lazy("回付"),
    "discuss": gettext_lazy("協議の開始"),
    "agree": gettext_lazy("合意"),
    "decline": gettext_lazy("見送り"),
    "withdraw": gettext_lazy("取り下げ"),
    "assign": gettext_lazy("担当者の割り当て"),
    "publish": gettext_lazy("協定の公開"),
    "draft": gettext_lazy("協定案の編集"),
    "actions": gettext_lazy("関連する取組の記録"),
}
# Steps that close the proposal or publish something: the pages ask before doing them.
IRREVERSIBLE = frozenset({"agree", "decline", "withdraw"})
_BY_PROPOSER = "by the proposer"


def transition_label(name: str) -> str:
    return str(STEP_LABELS.get(name, name))


def step_description(reason: str | None) -> str:
    """A history row's change reason (``refer: 大阪府``) as people read it, in the page's
    language (「回付: 大阪府」)."""
    if not reason:
        return ""
    name, _sep, extra = reason.partition(": ")
    label = transition_label(name)
    if extra == _BY_PROPOSER:
        extra = _("提案者による")
    elif name == "refer":
        extra = _referred_names(extra)
    elif name == "actions":
        extra = _recorded_counts(extra)
    return f"{label}: {extra}" if extra else label


def _referred_names(names: str) -> str:
    """The governments a referral names, stored in Japanese, in the page's language."""
    if not is_english():
        return names
    english = dict(MemberGovernment.objects.values_list("name_ja", "name_en"))
    return ", ".join(english.get(name) or name for name in names.split(", "))


def _recorded_counts(counts: str) -> str:
    """A record's change (``+2 -1``: two actions added, one removed) in the page's language."""
    added, _sep, removed = counts.partition(" ")
    parts = []
    if added.lstrip("+") not in ("", "0"):
        parts.append(_("%(count)s件追加") % {"count": added.lstrip("+")})
    if removed.lstrip("-") not in ("", "0"):
        parts.append(_("%(count)s件削除") % {"count": removed.lstrip("-")})
    return (", " if is_english() else "、").join(parts)


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
            _("添付できるファイルは%(limit)d件までです（%(count)d件選ばれています）。")
            % {"limit": settings.PROPOSAL_MAX_ATTACHMENTS, "count": len(files)},
        )
    types = []
    for upload in files:
        name = upload.name or "?"
        if (upload.size or 0) > settings.PROPOSAL_MAX_ATTACHMENT_BYTES:
            raise ProposalError(
                "attachments",
                _("%(name)s は大きすぎます（%(size)s。上限は%(limit)s）。")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size or 0),
                    "limit": filesizeformat(settings.PROPOSAL_MAX_ATTACHMENT_BYTES),
                },
            )
        mime = detect_content_type(upload.file) if upload.file is not None else None
        if mime is None:
            raise ProposalError(
                "attachments",
                _(
                    "%(name)s は、中身がPDF・Office文書・画像のいずれでもないため受け付けられ"
                    "ません。"
                )
                % {"name": name},
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
        raise ProposalError("consent", _("個人情報の取扱いへの同意が必要です。"))
    for name in ("organization_name", "contact_name", "email", "title", "summary"):
        if not str(getattr(data, name)).strip():
            raise ProposalError(name, _("この項目は必須です。"))
    if data.organization_kind not in Organization.Kind.values:
        raise ProposalError("organization_kind", _("組織の種類を選んでください。"))
    types = check_attachments(files)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    # A full disk or an unwritable folder: FilesNotStored, nothing stored, no file left behind.
    with storing_files("proposal attachments"):
        proposal = _store_proposal(data, files, types, token, now, site_url)
    return Submitted(proposal=proposal, status_token=token)


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
        raise ProposalError(
            "state",
            _("この提案は「%(state)s」のため、「%(step)s」はできません。")
            % {"state": proposal.get_state_display(), "step": transition_label(name)},
        )
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
        raise ProposalError(
            "referred_governments", _("回付先のテーマ担当か構成府県市を選んでください。")
        )
    if owner is not None and not is_bureau(owner):
        raise ProposalError("referred_owner", _("テーマ担当は事務局の職員から選んでください。"))
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
        raise ProposalError("decline_reason", _("見送るには理由の記入が必要です。"))
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
        raise ProposalError("token", _("この状況確認リンクの提案はありません。"))
    with transaction.atomic():
        proposal = _lock(found)
        _move(None, proposal, "withdraw", "", _BY_PROPOSER)
    return proposal


def agree_proposal(
    user: AnyUser,
    proposal: Proposal,
    *,
    signed_on: datetime.date | None = None,
    theme_code: str = "",
    title_ja: str = "",
    corporate_number: str = "",
    answer: str = "",
) -> Proposal:
    """Close as agreed and open a draft agreement for staff to edit and publish.

    Nothing becomes public here: the proposer's title and summary only seed the draft, and the
    organization is named in it without entering the registry (see `publish_agreement`)."""
    require(can_transition(user, proposal, "agree"), "only bureau staff agree proposals")
    number = _check_corporate_number(corporate_number)
    with transaction.atomic():
        proposal = _lock(proposal)
        _move(user, proposal, "agree", answer)
        draft = AgreementDraft(
            proposal=proposal,
            title_ja=title_ja.strip() or proposal.title,
            outline_ja=proposal.summary,
            theme_code=theme_code or (proposal.theme_codes[0] if proposal.theme_codes else ""),
            date_year=signed_on.year if signed_on else None,
            date_month=signed_on.month if signed_on else None,
            date_day=signed_on.day if signed_on else None,
        )
        known = Organization.objects.filter(
            normalized_name=normalized_name(proposal.organization_name)
        ).first()
        if known is None:
            draft.new_partners = [
                {
                    "name_ja": proposal.organization_name,
                    "name_en": "",
                    "kind": proposal.organization_kind,
                    "corporate_number": number,
                }
            ]
        _save_draft(
            user,
            draft,
            "agree",
            partners=[known] if known is not None else [],
            member_governments=list(proposal.referred_governments.all())
            or list(proposal.member_governments.all()),
        )
    return proposal


def _save_draft(
    user: AnyUser,
    draft: AgreementDraft,
    reason: str,
    *,
    partners: Iterable[Organization] | None = None,
    member_governments: Iterable[MemberGovernment] | None = None,
) -> None:
    """Save a draft agreement and set its many-to-many fields as one step of its history.

    django-simple-history writes a row on `save()` and another on every change of a tracked
    many-to-many field, so one step (agree, edit, publish) showed as two or three rows. The
    relations are set without rows of their own, and the row of the save records them."""
    draft._history_user = user  # type: ignore[attr-defined]
    draft._change_reason = reason  # type: ignore[attr-defined]
    draft.save()
    if partners is None and member_governments is None:
        return
    draft.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        if partners is not None:
            draft.partners.set(partners)
        if member_governments is not None:
            draft.member_governments.set(member_governments)
    finally:
        del draft.skip_history_when_saving  # type: ignore[attr-defined]
    record = draft.history.order_by("-history_id").first()  # the row of the save above
    if record is None:  # history is off
        return
    for name in ("partners", "member_governments"):
        relation = AgreementDraft._meta.get_field(name)
        m2m_history = HistoricalRecords.m2m_models[relation]
        m2m_history.objects.filter(history=record).delete()  # taken before the change
        through = relation.remote_field.through  # type: ignore[union-attr]
        columns = [f.name for f in through._meta.fields]
        m2m_history.objects.bulk_create(
            m2m_history(history=record, **{column: getattr(row, column) for column in columns})
            for row in through.objects.filter(**{relation.m2m_field_name(): draft})  # type: ignore[union-attr]
        )


@dataclass
class AgreementInput:
    """What staff write in the draft agreement form."""

    title_ja: str
    outline_ja: str
    theme_code: str
    date_year: int | None
    date_month: int | None
    title_en: str = ""
    outline_en: str = ""
    date_day: int | None = None
    date_kind: str = Partnership.DateKind.SIGNED
    partners: Sequence[Organization] = ()
    new_partners: Sequence[dict[str, str]] = ()
    member_governments: Sequence[MemberGovernment] = ()
    items: Sequence[dict[str, str]] = ()
    source_name_ja: str = ""
    source_name_en: str = ""
    source_url: str = ""


def _check_agreement(data: AgreementInput) -> None:
    """Refuses what could not be stored: the draft may be incomplete, but never wrong."""
    if not data.title_ja.strip():
        raise ProposalError("title_ja", _("協定名を入力してください。"))
    if data.theme_code and not Theme.objects.filter(code=data.theme_code).exists():
        raise ProposalError("theme_code", _("テーマを選び直してください。"))
    if data.date_kind not in Partnership.DateKind.values:
        raise ProposalError("date_kind", _("日付の種類を選び直してください。"))
    if data.date_month is not None and not 1 <= data.date_month <= 12:
        raise ProposalError("date_month", _("月は1〜12で入力してください。"))
    if data.date_day is not None:
        if data.date_year is None or data.date_month is None:
            raise ProposalError("date_day", _("日を入れるときは年と月も入力してください。"))
        try:
            datetime.date(data.date_year, data.date_month, data.date_day)
        except ValueError as error:
            raise ProposalError("date_day", _("その日付はありません。")) from error
    if data.date_year is not None and not 1900 <= data.date_year <= 2200:
        raise ProposalError("date_year", _("年は西暦4桁で入力してください。"))
    url = urlsplit(data.source_url.strip())
    if data.source_url.strip() and (url.scheme not in ("http", "https") or not url.netloc):
        raise ProposalError(
            "source_url", _("出典のURLは http:// か https:// で始まるアドレスで入力してください。")
        )
    for number, partner in enumerate(data.new_partners, start=1):
        if not partner.get("name_ja", "").strip():
            raise ProposalError(
                "new_partners",
                _("新しい連携先 %(number)d 件目: 団体名を入力してください。") % {"number": number},
            )
        if (partner.get("kind") or Organization.Kind.OTHER) not in Organization.Kind.values:
            raise ProposalError(
                "new_partners",
                _("新しい連携先 %(number)d 件目: 組織の種類を選び直してください。")
                % {"number": number},
            )
        _check_corporate_number(partner.get("corporate_number", ""))
    for number, item in enumerate(data.items, start=1):
        if not item.get("text_ja", "").strip():
            raise ProposalError(
                "items",
                _("連携内容 %(number)d 件目: 日本語の文を入力してください。") % {"number": number},
            )


def update_agreement_draft(
    user: AnyUser, draft: AgreementDraft, data: AgreementInput
) -> AgreementDraft:
    """Staff edit the draft agreement of an agreed proposal until it is published."""
    require(is_bureau(user), "only bureau staff edit agreements")
    _check_agreement(data)
    with transaction.atomic():
        draft = AgreementDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.is_published:
            raise ProposalError("state", _("公開済みの協定は、この画面では変更できません。"))
        draft.title_ja = data.title_ja.strip()
        draft.title_en = data.title_en.strip()
        draft.outline_ja = data.outline_ja.strip()
        draft.outline_en = data.outline_en.strip()
        draft.theme_code = data.theme_code
        draft.date_year = data.date_year
        draft.date_month = data.date_month
        draft.date_day = data.date_day
        draft.date_kind = data.date_kind
        draft.new_partners = [
            {
                "name_ja": p.get("name_ja", "").strip(),
                "name_en": p.get("name_en", "").strip(),
                "kind": p.get("kind") or Organization.Kind.OTHER,
                "corporate_number": p.get("corporate_number", "").strip(),
            }
            for p in data.new_partners
        ]
        draft.items = [
            {"text_ja": i.get("text_ja", "").strip(), "text_en": i.get("text_en", "").strip()}
            for i in data.items
        ]
        draft.source_name_ja = data.source_name_ja.strip()
        draft.source_name_en = data.source_name_en.strip()
        draft.source_url = data.source_url.strip()
        _save_draft(
            user,
            draft,
            "draft",
            partners=data.partners,
            member_governments=data.member_governments,
        )
    return draft


def _date_labels(year: int, month: int, day: int | None) -> tuple[str, str]:
    if day is None:
        return f"{year}年{month}月", f"{year}-{month:02d}"
    return f"{year}年{month}月{day}日", datetime.date(year, month, day).isoformat()


def publish_agreement(user: AnyUser, draft: AgreementDraft) -> Partnership:
    """Make the draft a public partnership of the registry (version NULL), creating the new
    partners as organizations. It must be complete: title, outline, theme, year and month,
    and at least one partner."""
    require(is_bureau(user), "only bureau staff publish agreements")
    with transaction.atomic():
        draft = AgreementDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.is_published:
            raise ProposalError("state", _("この協定は公開済みです。"))
        missing = [
            label
            for label, present in (
                (_("協定名"), draft.title_ja),
                (pgettext("agreement", "概要"), draft.outline_ja),
                (pgettext("agreement", "テーマ"), draft.theme_code),
                (_("年月"), draft.date_year and draft.date_month),
                (_("連携先"), draft.new_partners or draft.partners.exists()),
            )
            if not present
        ]
        if missing:
            raise ProposalError(
                "publish",
                _("公開するには次の項目を入力してください: %(fields)s")
                % {"fields": "、".join(str(m) for m in missing)},
            )
        assert draft.date_year is not None and draft.date_month is not None  # noqa: S101 - checked
        partners = list(draft.partners.all()) + [
            get_or_create_organization(
                user,
                name_ja=p["name_ja"],
                name_en=p.get("name_en", ""),
                kind=p.get("kind", ""),
                corporate_number=p.get("corporate_number", ""),
            )
            for p in draft.new_partners
        ]
        version = current_version()
        theme = Theme.objects.filter(version=version, code=draft.theme_code).first()
        label_ja, label_en = _date_labels(draft.date_year, draft.date_month, draft.date_day)
        partnership = Partnership(
            version=None,
            theme_code=draft.theme_code,
            theme=theme,
            key=f"desk.{draft.proposal.receipt_number.lower()}",
            title_ja=draft.title_ja,
            title_en=draft.title_en,
            date_year=draft.date_year,
            date_month=draft.date_month,
            date_day=draft.date_day,
            date_kind=draft.date_kind,
            date_label_ja=label_ja,
            date_label_en=label_en,
            outline_ja=draft.outline_ja,
            outline_en=draft.outline_en,
            source_name_ja=draft.source_name_ja,
            source_name_en=draft.source_name_en,
            source_url=draft.source_url,
        )
        partnership._history_user = user  # type: ignore[attr-defined]
        partnership.save()
        for number, item in enumerate(draft.items, start=1):
            PartnershipItem.objects.create(
                partnership=partnership,
                number=number,
                text_ja=item["text_ja"],
                text_en=item.get("text_en", ""),
            )
        partnership.member_governments.set(draft.member_governments.all())
        partnership.partners.set(partners)
        draft.new_partners = []
        draft.published_at = timezone.now()
        draft.partnership = partnership
        _save_draft(user, draft, "publish", partners=partners)
        proposal = _lock(draft.proposal)
        proposal.partnership = partnership
        proposal.organization = partners[0]
        proposal._change_reason = f"publish: {partnership.key}"  # type: ignore[attr-defined]
        proposal._history_user = user  # type: ignore[attr-defined]
        proposal.save()
    return partnership


def assign_proposal(
    user: AnyUser, proposal: Proposal, assignee: AbstractBaseUser | None
) -> Proposal:
    require(is_bureau(user), "only bureau staff assign proposals")
    if assignee is not None and not is_bureau(assignee):
        raise ProposalError("assignee", _("提案の担当者は事務局の職員から選んでください。"))
    with transaction.atomic():
        proposal = _lock(proposal)
        proposal.assignee = assignee  # type: ignore[assignment]
        proposal._change_reason = f"assign: {assignee}"  # type: ignore[attr-defined]
        proposal._history_user = user  # type: ignore[attr-defined]
        proposal.save()
    return proposal


def can_record_actions(user: AnyUser) -> bool:
    """Who assigns a proposal records the actions it relates to: the bureau."""
    return is_bureau(user)


def record_actions(
    user: AnyUser,
    proposal: Proposal,
    keys: Iterable[str],
    shown: Iterable[str] | None = None,
) -> bool:
    """The actions (stable keys) the proposal truly relates to, as staff tick them: of the
    records the page showed (`shown`; all stored ones when not given), those not ticked are
    removed. A record someone else saved since the page was shown stays: two staff saving at
    once add up instead of undoing each other. A key must name an action of the current
    edition, unless it is already recorded (a record outlives an edition). False when nothing
    changed: then nothing is written, no history row either."""
    require(can_record_actions(user), "only bureau staff record a proposal's actions")
    wanted = list(dict.fromkeys(key.strip() for key in keys if key.strip()))
    with transaction.atomic():
        proposal = _lock(proposal)
        stored = {row.action_key: row for row in proposal.recorded_actions.all()}
        version = current_version()
        known = set(
            Action.objects.filter(version=version, key__in=wanted).values_list("key", flat=True)
        )
        unknown = [key for key in wanted if key not in known and key not in stored]
        if unknown:
            raise ProposalError(
                "actions",
                _("計画にない取組は記録できません: %(keys)s") % {"keys": ", ".join(unknown)},
            )
        added = [key for key in wanted if key not in stored]
        on_page = set(stored) if shown is None else set(shown)
        removed = [row for key, row in stored.items() if key not in wanted and key in on_page]
        if not added and not removed:
            return False
        for row in removed:
            row._history_user = user  # type: ignore[attr-defined]
            row.delete()
        for key in added:
            row = ProposalAction(
                proposal=proposal, action_key=key, recorded_by_id=int(str(user.pk))
            )
            row._history_user = user  # type: ignore[attr-defined]
            row.save()
        # The proposal's history names the change; each action's own rows keep who and when.
        proposal._change_reason = f"actions: +{len(added)} -{len(removed)}"  # type: ignore[attr-defined]
        proposal._history_user = user  # type: ignore[attr-defined]
        proposal.save()
    return True


def add_note(user: AnyUser, proposal: Proposal, body: str) -> Note:
    require(
        can_view(user, proposal) and (is_bureau(user) or can_read_internal(user)),
        "you may not comment on this proposal",
    )
    if not body.strip():
        raise ProposalError("body", _("メモが空です。"))
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
        raise ProposalError(
            "corporate_number",
            _("%(number)s は正しい法人番号（13桁、先頭はチェックディジット）ではありません。")
            % {"number": number},
        )
    return number


def get_or_create_organization(
    user: AnyUser, *, name_ja: str, kind: str = "", name_en: str = "", corporate_number: str = ""
) -> Organization:
    """One organization per normalised name: 「株式会社Ａ」 and 「A」 are the same partner."""
    require(is_bureau(user), "only bureau staff edit the registry")
    if not name_ja.strip():
        raise ProposalError("name_ja", _("団体名を入力してください。"))
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
        raise ProposalError("name_ja", _("団体名を入力してください。"))
    if kind not in Organization.Kind.values:
        raise ProposalError("kind", _("組織の種類を選んでください。"))
    clash = Organization.objects.filter(normalized_name=normalized).exclude(pk=organization.pk)
    if clash.exists():
        raise ProposalError(
            "name_ja",
            _("%(name)s は「%(existing)s」として登録済みです。")
            % {"name": name_ja, "existing": clash.first()},
        )
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
        raise ProposalError("title_ja", _("協定名を入力してください。"))
    version = current_version()
    theme = Theme.objects.filter(version=version, code=theme_code).first() if version else None
    if theme_code and theme is None:
        raise ProposalError("theme_code", _("テーマを選び直してください。"))
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
        raise ProposalError("name_ja", _("拠点名を入力してください。"))
    # Kansai and its surroundings: a swapped or mistyped coordinate lands far outside.
    if not Decimal(33) <= lat <= Decimal(36.5):
        raise ProposalError(
            "lat", _("緯度 %(value)s は関西の範囲（33〜36.5）の外です。") % {"value": lat}
        )
    if not Decimal(133) <= lon <= Decimal(137):
        raise ProposalError(
            "lon", _("経度 %(value)s は関西の範囲（133〜137）の外です。") % {"value": lon}
        )
    known = set(Theme.objects.values_list("code", flat=True))
    unknown = [code for code in theme_codes if code not in known]
    if unknown:
        raise ProposalError(
            "theme_codes", _("不明なテーマがあります: %(codes)s") % {"codes": ", ".join(unknown)}
        )
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
    return sweep_unreferenced_files(
        Path(settings.PROPOSAL_ATTACHMENT_ROOT),
        Attachment.objects.values_list("file", flat=True),
        older_than,
    )
