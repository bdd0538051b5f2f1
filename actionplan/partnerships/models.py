"""The 公民連携 desk: proposals from outside, their files, internal notes and receipt numbers.

The registry itself (partnerships, organizations, hubs, member governments) lives in ``plans``;
an agreed proposal points at the partnership it became. A proposal holds the proposer's contact
details, which are personal data: they never leave the staff pages and are purged after the
retention period (see ``actions.purge_personal_data``).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from actionplan.files import CommitStagedStorage
from actionplan.plans.models import MemberGovernment, Organization, Partnership, Plan


class State(models.TextChoices):
    RECEIVED = "received", _("受付")
    SCREENING = "screening", _("内容確認中")
    REFERRED = "referred", _("担当へ回付")
    IN_DISCUSSION = "in_discussion", _("協議中")
    AGREED = "agreed", _("合意")
    DECLINED = "declined", _("見送り")
    WITHDRAWN = "withdrawn", _("取り下げ")


CLOSED_STATES = frozenset({State.AGREED, State.DECLINED, State.WITHDRAWN})
# The fields that hold the proposer's personal data: never public, purged after retention.
PERSONAL_FIELDS = ("contact_name", "email", "phone")


def _attachment_location() -> str:
    # A callable so that tests and deployments can move the folder through the setting.
    return str(settings.PROPOSAL_ATTACHMENT_ROOT)


class PrivateStorage(CommitStagedStorage):
    """Files with no public URL: they are only ever streamed by a permission-checked view.
    A new file appears only when the proposal that holds it is committed."""

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self) -> str:
        return _attachment_location()

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("proposal attachments have no public URL")


private_storage = PrivateStorage()


class ReceiptCounter(models.Model):
    """The last receipt number given out in a year; rows are locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Proposal(models.Model):
    receipt_number = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    language = models.CharField(max_length=5, default="ja")

    organization_name = models.CharField(_("組織名"), max_length=200)
    organization_kind = models.CharField(
        _("組織の種類"), max_length=20, choices=Organization.Kind.choices
    )
    contact_name = models.CharField(_("担当者名"), max_length=100, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)

    theme_codes = models.JSONField(pgettext_lazy("proposal", "テーマ"), default=list)
    title = models.CharField(_("件名"), max_length=200)
    summary = models.TextField(pgettext_lazy("proposal", "概要"))
    details = models.TextField(_("詳細"), blank=True)
    member_governments = models.ManyToManyField(
        MemberGovernment, related_name="proposals_of_interest", blank=True
    )

    consented_at = models.DateTimeField()
    status_token_hash = models.CharField(max_length=64, unique=True)
    submitted_at = models.DateTimeField()
    first_response_due = models.DateField()
    first_responded_at = models.DateTimeField(null=True, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_proposals",
    )
    referred_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred_proposals",
        help_text=_("the theme owner the proposal was referred to"),
    )
    referred_governments = models.ManyToManyField(
        MemberGovernment, related_name="referred_proposals", blank=True
    )
    answer = models.TextField(_("回答"), blank=True, help_text=_("shown to the proposer"))
    decline_reason = models.TextField(_("見送りの理由"), blank=True)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="%Y/%m")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Note(models.Model):
    """An internal note or comment by staff or a referred government; never shown outside."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal.receipt_number}: {self.body[:30]}"


class AgreementDraft(models.Model):
    """The agreement an agreed proposal leads to, as staff write it before it is published.

    Nothing here is public: the registry's pages, the API, open data and search read
    ``plans.Partnership`` only, which ``actions.publish_agreement`` creates from this draft.
    Partners new to the registry stay names here (``new_partners``) until then, because every
    organization of the registry is listed publicly.
    """

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="agreement_draft"
    )
    title_ja = models.CharField(_("協定名"), max_length=300)
    title_en = models.CharField(_("協定名（英語）"), max_length=300, blank=True)
    outline_ja = models.TextField(pgettext_lazy("agreement", "概要"), blank=True)
    outline_en = models.TextField(_("概要（英語）"), blank=True)
    theme_code = models.SlugField(max_length=60, blank=True)
    partners = models.ManyToManyField(Organization, related_name="+", blank=True)
    # Partners not in the registry yet: [{"name_ja", "name_en", "kind", "corporate_number"}].
    new_partners = models.JSONField(default=list, blank=True)
    member_governments = models.ManyToManyField(MemberGovernment, related_name="+", blank=True)
    date_year = models.PositiveIntegerField(null=True, blank=True)
    date_month = models.PositiveSmallIntegerField(null=True, blank=True)
    # Empty when the source gives the month only.
    date_day = models.PositiveSmallIntegerField(null=True, blank=True)
    date_kind = models.CharField(
        max_length=10, choices=Partnership.DateKind.choices, default=Partnership.DateKind.SIGNED
    )
    # Numbered content items, in order: [{"text_ja", "text_en"}].
    items = models.JSONField(default=list, blank=True)
    source_name_ja = models.CharField(_("出典"), max_length=200, blank=True)
    source_name_en = models.CharField(_("出典（英語）"), max_length=200, blank=True)
    source_url = models.URLField(_("出典のURL"), max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[partners, member_governments])

    def __str__(self) -> str:
        return f"{self.proposal.receipt_number}: {self.title_ja}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ActionNeeds(models.Model):
    """What proposers write when an action is what they need, as staff keep it on a page.

    A row replaces the bundled file's entry (``data/partnerships/action_needs.json``) for its
    action key entirely; an emptied row means the action has no needs. Keys are the actions'
    stable keys, which the importer keeps across editions, so a row outlives an edition.
    Phrases are stored one per line, stripped, without blank lines.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    action_key = models.CharField(max_length=120)
    phrases_ja = models.TextField(_("ニーズの表現（日本語）"), blank=True)
    phrases_en = models.TextField(_("ニーズの表現（英語）"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "action_key"], name="unique_action_needs"),
        ]

    def __str__(self) -> str:
        return self.action_key

    @property
    def japanese(self) -> list[str]:
        return [line for line in self.phrases_ja.splitlines() if line]

    @property
    def english(self) -> list[str]:
        return [line for line in self.phrases_en.splitlines() if line]


class ProposalAction(models.Model):
    """An action of the plan that staff recorded as one a proposal truly relates to.

    Keys are the actions' stable keys, so a record outlives an edition. The desk's suggestions
    learn from the records (each recorded proposal is an example, see ``suggest``); the
    proposal's text stays internal all the same: it is never shown, published or logged.
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="recorded_actions"
    )
    action_key = models.CharField(max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "action_key"], name="unique_proposal_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.action_key}"
