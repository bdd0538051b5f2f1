"""The plan as data: versions of the published document and everything read from them.

Records read from a document belong to a ``PlanVersion`` and carry the ``source_line`` they came
from and a ``key`` that stays the same across editions (see ``importer/keys.py``). The member
governments, organizations and hubs are a registry shared by all versions.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .fiscal import fiscal_year_label


class Actor(models.TextChoices):
    UNION = "union", _("関西広域連合")
    MEMBERS = "members", _("構成府県市")


class Plan(models.Model):
    slug = models.SlugField(unique=True)
    title_ja = models.CharField(_("名称（日本語）"), max_length=200, unique=True)
    title_en = models.CharField(_("名称（英語）"), max_length=200, blank=True)
    publisher_ja = models.CharField(max_length=200, blank=True)
    publisher_en = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("計画")

    def __str__(self) -> str:
        return self.title_ja

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions.filter(is_current=True).first()


class PlanVersionQuerySet(models.QuerySet["PlanVersion"]):
    def published(self) -> PlanVersionQuerySet:
        """Versions the public may see: the current one and those it superseded, never a
        staged one that is still waiting for its verification or its activation."""
        return self.filter(Q(is_current=True) | Q(activated_at__isnull=False))


class PlanVersion(models.Model):
    class State(models.TextChoices):
        STAGED = "staged", _("取込済み（未公開）")
        CURRENT = "current", _("公開中")
        SUPERSEDED = "superseded", _("過去の版")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text=_("最初に取り込んだ版が1、以降2、3…"))
    edition_ja = models.CharField(max_length=100)
    edition_en = models.CharField(max_length=100, blank=True)
    published_year = models.PositiveIntegerField()
    published_month = models.PositiveSmallIntegerField()
    plan_start_fy = models.PositiveIntegerField(help_text=_("計画の初年度"))
    plan_end_fy = models.PositiveIntegerField(help_text=_("計画の最終年度"))
    period_note_ja = models.TextField(blank=True)
    period_note_en = models.TextField(blank=True)
    appendix_note_ja = models.TextField(blank=True)
    introduction_ja = models.TextField(blank=True)
    introduction_en = models.TextField(blank=True)
    translation_notice = models.TextField(blank=True)
    source_name = models.CharField(max_length=255)
    checksum = models.CharField(max_length=64, help_text=_("本文のSHA-256"))
    encoding = models.CharField(max_length=20)
    line_count = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False)
    # Set each time the version becomes current; a version never activated is staged.
    activated_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.CharField(max_length=150, blank=True)
    history = HistoricalRecords()

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("計画の版")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["plan", "checksum"], name="unique_version_checksum"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(is_current=True), name="one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.edition_ja}"

    @property
    def state(self) -> str:
        if self.is_current:
            return self.State.CURRENT
        return self.State.STAGED if self.activated_at is None else self.State.SUPERSEDED

    @property
    def state_label(self) -> str:
        return str(self.State(self.state).label)

    @property
    def published_on(self) -> datetime.date:
        return datetime.date(self.published_year, self.published_month, 1)


class VisionStatement(models.Model):
    class Kind(models.TextChoices):
        FUTURE = "future", _("将来像")
        TARGET = "target", _("めざす姿")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="vision")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=120)
    text_ja = models.TextField()
    text_en = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "kind", "position"]

    def __str__(self) -> str:
        return self.text_ja


class Theme(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(max_length=60)
    position = models.PositiveIntegerField()
    name_ja = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    heading_ja = models.CharField(max_length=200, blank=True)
    desired_state_ja = models.TextField()
    desired_state_en = models.TextField(blank=True)
    desired_state_note_ja = models.TextField(blank=True)
    desired_state_note_en = models.TextField(blank=True)
    source_line = models.PositiveIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_theme_code"),
        ]

    def __str__(self) -> str:
        return self.name_ja


class Period(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="periods")
    position = models.PositiveIntegerField()
    fiscal_year_start = models.PositiveIntegerField()
    fiscal_year_end = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("2026～のように終期のない期間は空欄")
    )
    label_ja = models.CharField(max_length=50, blank=True)
    label_en = models.CharField(max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "fiscal_year_start"], name="unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year_start}{'～' if self.is_open_ended else ''} {self.label_ja}"

    @property
    def is_open_ended(self) -> bool:
        return self.fiscal_year_end is None

    def display_ja(self) -> str:
        return fiscal_year_label(self.fiscal_year_start, "ja", open_ended=self.is_open_ended)

    def display_en(self) -> str:
        return fiscal_year_label(self.fiscal_year_start, "en", open_ended=self.is_open_ended)


class YearTheme(models.Model):
    """The テーマ row: a headline for a theme and a fiscal year."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="year_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="year_themes")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="year_themes")
    key = models.CharField(max_length=120)
    text_ja = models.TextField()
    text_en = models.TextField(blank=True)
    source_line = models.PositiveIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["theme__position", "period__position"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "period"], name="unique_year_theme"),
        ]

    def __str__(self) -> str:
        return self.text_ja


class MemberGovernment(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("府県")
        DESIGNATED_CITY = "designated_city", _("政令指定都市")

    lg_code = models.CharField(
        _("全国地方公共団体コード"),
        max_length=6,
        unique=True,
        help_text=_("検査数字を含む6桁（文字列として保持）"),
    )
    name_ja = models.CharField(max_length=50, unique=True)
    name_en = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    office_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    office_lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "lg_code"]

    def __str__(self) -> str:
        return self.name_ja


class Action(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="actions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="actions")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="actions")
    actor = models.CharField(max_length=10, choices=Actor.choices)
    group_ja = models.CharField(max_length=100, blank=True)
    group_en = models.CharField(max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(help_text=_("表のセル内の順番（1から）"))
    key = models.CharField(max_length=120)
    text_ja = models.TextField()
    text_en = models.TextField(blank=True)
    source_line = models.PositiveIntegerField()
    # The action's place in its version's reading order (queries.actions_in_reading_order:
    # theme, the Union's row before the members', period, position in the cell, id), 1 to N,
    # set when the version is imported (positions never change within a version). A page of
    # the API's list is then one range of one index, whatever the plan's size.
    reading_position = models.PositiveIntegerField(default=0, editable=False)
    member_governments: models.ManyToManyField[MemberGovernment, ActionAssignment] = (
        models.ManyToManyField(
            MemberGovernment, through="ActionAssignment", related_name="actions", blank=True
        )
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["theme__position", "period__position", "actor", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="unique_action_key"),
        ]
        indexes = [
            # One cell of a theme's table in reading order, top-level items first: the portal
            # reads a cell's first items and counts the rest without scanning the theme.
            models.Index(
                fields=["theme", "period", "actor", "parent", "position"], name="action_cell"
            ),
            # The API's list in reading order: a page is a range of reading positions.
            models.Index(fields=["version", "reading_position"], name="action_reading_position"),
        ]

    def __str__(self) -> str:
        return self.text_ja


class ActionAssignment(models.Model):
    """Which member government carries a `members` action (the document does not say)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="assignments")
    member_government = models.ForeignKey(MemberGovernment, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "member_government"], name="unique_assignment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} → {self.member_government}"


class Milestone(models.Model):
    """A development (関西の動き) with a date of year, month or day precision, or none."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="milestones")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=120)
    group_ja = models.CharField(max_length=100, blank=True)
    group_en = models.CharField(max_length=100, blank=True)
    text_ja = models.TextField()
    text_en = models.TextField(blank=True)
    note_ja = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    date_year = models.PositiveIntegerField(null=True, blank=True)
    date_month = models.PositiveSmallIntegerField(null=True, blank=True)
    date_day = models.PositiveSmallIntegerField(null=True, blank=True)
    figure_label_ja = models.CharField(max_length=200, blank=True)
    figure_label_en = models.CharField(max_length=200, blank=True)
    figure_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    figure_unit = models.CharField(max_length=30, blank=True)
    figure_as_of_year = models.PositiveIntegerField(null=True, blank=True)
    figure_source_ja = models.TextField(blank=True)
    figure_source_en = models.TextField(blank=True)
    source_line = models.PositiveIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["theme__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="unique_milestone_key"),
        ]

    def __str__(self) -> str:
        return self.text_ja

    @property
    def date_precision(self) -> str:
        if self.date_year is None:
            return ""
        if self.date_month is None:
            return "year"
        return "month" if self.date_day is None else "day"

    @property
    def date_iso(self) -> str:
        """ISO 8601 at the precision given: 2024, 2024-06 or 2024-06-01."""
        return partial_iso(self.date_year, self.date_month, self.date_day)


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("企業")
        UNIVERSITY = "university", _("大学・研究機関")
        FOUNDATION = "foundation", _("財団・社団")
        GOVERNMENT = "government", _("行政機関")
        ASSOCIATION = "association", _("団体")
        OTHER = "other", _("その他")

    name_ja = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    normalized_name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    corporate_number = models.CharField(_("法人番号"), max_length=13, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_ja"]

    def __str__(self) -> str:
        return self.name_ja


class Partnership(models.Model):
    """A public-private partnership agreement (公民連携協定)."""

    class DateKind(models.TextChoices):
        SIGNED = "signed", _("締結日")
        ADOPTED = "adopted", _("策定日")
        OTHER = "other", _("その他")

    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.CASCADE,
        related_name="partnerships",
        null=True,
        blank=True,
        help_text=_("掲載している計画の版（職員が登録したものは空欄）"),
    )
    theme_code = models.SlugField(max_length=60)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="partnerships"
    )
    position = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=120)
    title_ja = models.TextField()
    title_en = models.TextField(blank=True)
    date_label_ja = models.CharField(max_length=50, blank=True)
    date_label_en = models.CharField(max_length=100, blank=True)
    date_kind = models.CharField(max_length=10, choices=DateKind.choices, default=DateKind.SIGNED)
    date_year = models.PositiveIntegerField()
    date_month = models.PositiveSmallIntegerField()
    date_day = models.PositiveSmallIntegerField(null=True, blank=True)
    outline_ja = models.TextField(help_text=_("段落は改行で区切る"))
    outline_en = models.TextField(blank=True)
    source_name_ja = models.CharField(max_length=200, blank=True)
    source_name_en = models.CharField(max_length=200, blank=True)
    # The page where the agreement was announced. The plan names its source ("兵庫県立大学HP")
    # without an address, so staff add it; a re-import carries it over by the record's key.
    source_url = models.URLField(_("出典のURL"), max_length=500, blank=True)
    member_governments = models.ManyToManyField(
        MemberGovernment, related_name="partnerships", blank=True
    )
    partners = models.ManyToManyField(Organization, related_name="partnerships", blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[member_governments, partners])

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title_ja

    @property
    def date_iso(self) -> str:
        return partial_iso(self.date_year, self.date_month, self.date_day)


class PartnershipItem(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField()
    text_ja = models.TextField()
    text_en = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "number"]

    def __str__(self) -> str:
        return f"({self.number}) {self.text_ja}"


class Hub(models.Model):
    """A hub (拠点) the plan names, with approximate coordinates that staff can correct."""

    name_ja = models.CharField(max_length=200, unique=True)
    name_en = models.CharField(max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6)
    lon = models.DecimalField(max_digits=9, decimal_places=6)
    location_precision = models.CharField(max_length=30, blank=True)
    theme_codes = models.JSONField(default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_ja


def partial_iso(year: int | None, month: int | None, day: int | None) -> str:
    if year is None:
        return ""
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"
