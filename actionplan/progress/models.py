"""Yearly progress follow-up: who reports on which action, what they reported, and the cycles
in which the bureau collects the reports.

The reporting body of a report is a ``MemberGovernment``, or NULL for the Union itself (the bureau
carries every ``union`` action). Writes go through ``actions.py``; every model keeps its history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplan.partnerships.models import PrivateStorage
from actionplan.plans.localized import localized
from actionplan.plans.models import Action, MemberGovernment, Theme


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    IN_PROGRESS = "in_progress", _("実施中")
    DONE = "done", _("完了")
    ONGOING = "ongoing", _("継続実施")
    REVISED = "revised", _("見直し")
    STOPPED = "stopped", _("中止")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    ACCEPTED = "accepted", _("承認済み")
    RETURNED = "returned", _("差し戻し")


class ReportingCycle(models.Model):
    """The bureau opens one cycle per fiscal year; reports for that year are collected in it."""

    fiscal_year = models.PositiveIntegerField(unique=True)
    deadline = models.DateField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    is_open = models.BooleanField(default=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year"]

    def __str__(self) -> str:
        return f"FY{self.fiscal_year}"


class ProgressReport(models.Model):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_reports")
    fiscal_year = models.PositiveIntegerField()
    member_government = models.ForeignKey(
        MemberGovernment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_reports",
        help_text=_("the reporting body; empty means the Union (the bureau) itself"),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(default=0)
    narrative_ja = models.TextField(blank=True)
    narrative_en = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT)
    review_comment = models.TextField(blank=True)
    # Optimistic concurrency: every write states the revision it was based on.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # When the bureau last reopened the report after accepting it (shown on the public page).
    corrected_at = models.DateTimeField(null=True, blank=True)
    # The revision the last submissions digest announced to the bureau (None: never): a report
    # submitted again after a return has a newer revision and is announced again.
    digest_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["fiscal_year", "action__theme__position", "action_id", "member_government_id"]
        constraints = [
            # Two constraints because NULL (the Union) is never equal to NULL in a unique index.
            models.UniqueConstraint(
                fields=["action", "fiscal_year", "member_government"],
                condition=Q(member_government__isnull=False),
                name="one_report_per_government",
            ),
            models.UniqueConstraint(
                fields=["action", "fiscal_year"],
                condition=Q(member_government__isnull=True),
                name="one_report_per_union_action",
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} FY{self.fiscal_year} {self.body_name}"

    @property
    def body_name(self) -> str:
        """In Japanese, as the workbooks and the API give it; pages use ``display_body_name``."""
        return self.member_government.name_ja if self.member_government else "関西広域連合"

    @property
    def display_body_name(self) -> str:
        return body_name(self.member_government)

    @property
    def body_code(self) -> str:
        """The reporting body in URLs and workbooks: an lg_code, or ``union``."""
        return self.member_government.lg_code if self.member_government else UNION_CODE


UNION_CODE = "union"


def body_name(government: MemberGovernment | None) -> str:
    """A reporting body's name in the page's language (the Union's name is a UI string)."""
    return localized(government, "name") if government else gettext("関西広域連合")


class Direction(models.TextChoices):
    UP = "up", _("増えるほど良い")
    DOWN = "down", _("減るほど良い")


class Indicator(models.Model):
    name_ja = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=300, blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators"
    )
    # Where the figure started and where the plan wants it; the status rule is in targets.py.
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveIntegerField(null=True, blank=True)
    target_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveIntegerField(null=True, blank=True)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    # Counts the changes of the baseline and target, which the API's writes state (409 when stale).
    revision = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_ja


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    fiscal_year = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    note = models.TextField(blank=True)
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_values",
        help_text=_("the report that gave the value, if any"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"], name="one_value_per_indicator_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} FY{self.fiscal_year}: {self.value}"


class ReportComment(models.Model):
    """A remark on a report by a reviewer, the bureau or the reporting body; never public."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class WorkbookUpload(models.Model):
    """An uploaded workbook kept between its preview and its application, in the database so
    that any app process can apply it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    fiscal_year = models.PositiveIntegerField()
    member_government = models.ForeignKey(
        MemberGovernment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.filename


class EvidenceStorage(PrivateStorage):
    """Evidence files have no public URL, like proposal attachments: a permission-checked view
    streams them. Their own folder, so that the setting can move them."""

    @property
    def base_location(self) -> str:
        return str(settings.PROGRESS_EVIDENCE_ROOT)


evidence_storage = EvidenceStorage()


class EvidenceFile(models.Model):
    """A file (PDF, Office document, image) attached to a report as evidence; staff only."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=evidence_storage, upload_to="%Y/%m")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class DigestKind(models.TextChoices):
    REVIEWED = "reviewed", _("差し戻し・承認された報告")
    SUBMITTED = "submitted", _("提出された報告")


class DigestItem(models.Model):
    """An event kept for the next daily digest of a person who chose the digest over a mail
    per event. The digest sends each item once, in one mail per person, and deletes it in the
    same transaction: every event goes into exactly one mail.

    An item with ``send_after`` is a submission gathered for someone who wants a mail per
    event: it goes, with the person's other gathered submissions, into one mail sent once the
    first of them is due (``notifications.send_submission_mails``), never into the digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items"
    )
    kind = models.CharField(max_length=10, choices=DigestKind.choices)
    report = models.ForeignKey(
        ProgressReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(help_text=_("the item as the digest lists it, links included"))
    send_after = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "kind", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
