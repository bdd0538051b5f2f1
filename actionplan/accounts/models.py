"""Who a signed-in person is for the platform: their role and, for member-government editors,
the government they act for. Django's own User holds the login itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from actionplan.plans.models import MemberGovernment


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("広域産業振興局 管理者")
    BUREAU_STAFF = "bureau_staff", _("広域産業振興局 職員")
    MEMBER_EDITOR = "member_editor", _("構成府県市 担当者")
    REVIEWER = "reviewer", _("閲覧・確認者")


class NotificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("すぐに（1件ごとに1通）")
    DIGEST = "digest", _("1日1回まとめて（日次のお知らせ）")


class MailLanguage(models.TextChoices):
    """The language of the staff mail a person receives (subject, body, dates, links)."""

    JA = "ja", pgettext_lazy("mail language", "日本語")
    EN = "en", pgettext_lazy("mail language", "英語")


BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)


def default_notification_mode(role: str) -> str:
    """Without a choice of their own, the bureau hears of submissions in the daily digest (not
    one mail per report) and everyone else gets a mail per event."""
    return NotificationMode.DIGEST if role in BUREAU_ROLES else NotificationMode.IMMEDIATE


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    member_government = models.ForeignKey(
        MemberGovernment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="editors",
        help_text=_("required for member-government editors, empty for everyone else"),
    )
    # Empty: the role's default (default_notification_mode).
    notification_mode = models.CharField(
        max_length=10, choices=NotificationMode.choices, blank=True, default=""
    )
    mail_language = models.CharField(
        max_length=2, choices=MailLanguage.choices, default=MailLanguage.JA
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.MEMBER_EDITOR, member_government__isnull=False)
                    | (
                        ~models.Q(role=Role.MEMBER_EDITOR)
                        & models.Q(member_government__isnull=True)
                    )
                ),
                name="editor_has_exactly_one_government",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def effective_notification_mode(self) -> str:
        return self.notification_mode or default_notification_mode(self.role)


class Invitation(models.Model):
    """An invitation by the bureau: whoever holds the token chooses a user name and password and
    gets the role (and government) set here. Only the token's hash is stored."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    member_government = models.ForeignKey(
        MemberGovernment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The language of the invitation mail and of the new person's staff mail (Profile).
    mail_language = models.CharField(
        max_length=2, choices=MailLanguage.choices, default=MailLanguage.JA
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["token_hash"])

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"
