"""Writes on accounts: invitations by the bureau and their acceptance, deactivation."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets

from axes.models import AccessAttempt  # type: ignore[import-untyped]
from axes.utils import reset  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actionplan.mail.contact import contact_lines
from actionplan.mail.outbox import enqueue_mail
from actionplan.plans.models import MemberGovernment

from .models import Invitation, MailLanguage, NotificationMode, Profile, Role
from .permissions import PermissionDenied, is_bureau, is_bureau_admin, require

AnyUser = AbstractBaseUser | AnonymousUser
logger = logging.getLogger(__name__)


class InvitationError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_user(
    user: AnyUser,
    email: str,
    role: str,
    government: MemberGovernment | None,
    site: str,
    mail_language: str = MailLanguage.JA,
) -> tuple[Invitation, str]:
    """Create an invitation and mail its link in ``mail_language`` (also the new person's mail
    language), to the acceptance page on ``site`` (scheme and host). Only a bureau admin may
    invite another bureau admin."""
    require(is_bureau(user), _("利用者の招待は広域産業振興局だけができます"))
    _check_role(user, role, government)
    if mail_language not in MailLanguage.values:
        raise InvitationError(_("メールの言語を選んでください"), "mail_language")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).exists():
            # A second pending invitation would be a second valid link and a second row to
            # revoke; the pending one is sent again with "resend" on the users page.
            raise InvitationError(
                _(
                    "このメールアドレスには招待中の招待があります。"
                    "「招待中」の一覧から「送り直す」を使ってください"
                ),
                "email",
            )
        invitation = Invitation(
            email=email,
            role=role,
            member_government=government,
            mail_language=mail_language,
            token_hash=_hash(token),
            invited_by_id=int(user.pk or 0),
            expires_at=timezone.now() + datetime.timedelta(days=settings.ACCOUNTS_INVITATION_DAYS),
        )
        invitation._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        invitation.save()
        _mail_invitation(invitation, site, token)
    return invitation, token


def _check_role(user: AnyUser, role: str, government: MemberGovernment | None) -> None:
    """A role must exist, an editor needs exactly one government and nobody else has one, and
    only a bureau admin hands out the admin role."""
    if role not in Role.values:
        raise InvitationError(_("役割が正しくありません"), "role")
    if role == Role.BUREAU_ADMIN:
        require(is_bureau_admin(user), _("管理者の役割は管理者だけが与えられます"))
    if (role == Role.MEMBER_EDITOR) != (government is not None):
        raise InvitationError(
            _("構成府県市の担当者には府県市を一つ選び、それ以外は選ばないでください"),
            "member_government",
        )


def _mail_invitation(invitation: Invitation, site: str, token: str) -> None:
    """The invitation mail in the invitation's language, linking the acceptance page of that
    language on ``site``: who invited, to which role (and government), until when, and whom to
    ask. Through the outbox: call inside the transaction that stores the invitation."""
    language = invitation.mail_language
    with translation.override(language):
        path = reverse("accounts:accept", args=[token])
        inviter = invitation.invited_by
        expires = timezone.localtime(invitation.expires_at).date().isoformat()
        lines = [
            _("関西広域産業ビジョン アクションプランの職員用ページの利用者として招待されました。"),
            "",
            _("招待した人：%(name)s") % {"name": inviter.get_full_name() or inviter.get_username()},
            _("役割：%(role)s") % {"role": Role(invitation.role).label},
        ]
        if invitation.member_government is not None:
            government = invitation.member_government
            name = government.name_en if language == "en" and government.name_en else None
            lines.append(_("構成府県市：%(name)s") % {"name": name or government.name_ja})
        lines += [
            _("有効期限：%(date)s（%(days)s日間有効）")
            % {"date": expires, "days": settings.ACCOUNTS_INVITATION_DAYS},
            "",
            _("次のリンクから利用者名とパスワードを設定してください。"),
            "",
            f"{site.rstrip('/')}{path}",
            "",
            _("心当たりのない場合は、このメールを破棄し、下記の問い合わせ先へお知らせください。"),
            "",
        ]
        enqueue_mail(
            _("【関西広域産業ビジョン アクションプラン】利用者登録のご案内"),
            "\n".join(lines) + contact_lines(language),
            [invitation.email],
        )


def _open_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None or locked.accepted_at is not None:
        raise InvitationError(_("この招待は使用済みか、取り消されています"), "invitation")
    return locked


def resend_invitation(user: AnyUser, invitation: Invitation, site: str) -> Invitation:
    """Send a pending invitation again with a new link and a new validity period; the old
    link stops working."""
    require(is_bureau(user), _("利用者の招待は広域産業振興局だけができます"))
    if invitation.role == Role.BUREAU_ADMIN:
        require(is_bureau_admin(user), _("管理者の役割は管理者だけが与えられます"))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = _open_invitation(invitation)
        invitation.token_hash = _hash(token)
        invitation.expires_at = timezone.now() + datetime.timedelta(
            days=settings.ACCOUNTS_INVITATION_DAYS
        )
        invitation._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        invitation._change_reason = "resend"  # type: ignore[attr-defined]  # noqa: SLF001
        invitation.save()
        _mail_invitation(invitation, site, token)
    return invitation


def revoke_invitation(user: AnyUser, invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working; the history keeps the record."""
    require(is_bureau(user), _("招待の取り消しは広域産業振興局だけができます"))
    with transaction.atomic():
        invitation = _open_invitation(invitation)
        invitation._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        invitation._change_reason = "revoke"  # type: ignore[attr-defined]  # noqa: SLF001
        invitation.delete()


def change_role(
    user: AnyUser, target: User, role: str, government: MemberGovernment | None
) -> Profile:
    """A bureau admin changes someone's role (and government); the profile's history keeps who
    and when."""
    require(is_bureau_admin(user), _("役割の変更は管理者だけができます"))
    if target.pk == user.pk:
        raise InvitationError(_("自分自身の役割は変更できません"), "role")
    _check_role(user, role, government)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=target).first() or Profile(
            user=target
        )
        profile.role = role
        profile.member_government = government
        profile._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        profile._change_reason = "role"  # type: ignore[attr-defined]  # noqa: SLF001
        profile.save()
    return profile


def set_notification_mode(user: AnyUser, mode: str, language: str | None = None) -> Profile:
    """A signed-in person chooses, for themselves only, a mail per event or the daily digest,
    and (unless ``language`` is None) the language of their mail; history kept."""
    if mode not in NotificationMode.values:
        raise InvitationError(_("受け取り方を選んでください"), "notification_mode")
    if language is not None and language not in MailLanguage.values:
        raise InvitationError(_("メールの言語を選んでください"), "mail_language")
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update().filter(user_id=user.pk).first()
            if user.pk is not None
            else None
        )
        if profile is None:
            raise PermissionDenied(_("この画面は職員のアカウントだけが使えます"))
        reasons = []
        if language is not None and language != profile.mail_language:
            profile.mail_language = language
            reasons.append("mail_language")
        if mode != profile.notification_mode or not reasons:
            reasons.insert(0, "notification_mode")
        profile.notification_mode = mode
        profile._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        profile._change_reason = ",".join(reasons)  # type: ignore[attr-defined]  # noqa: SLF001
        profile.save()
    return profile


def invitation_for(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at <= timezone.now():
        return None
    return invitation


def accept_invitation(token: str, username: str, password: str) -> User:
    with transaction.atomic():
        invitation = invitation_for(token)
        if invitation is None:
            raise InvitationError(_("招待リンクが無効か、期限切れか、使用済みです"), "token")
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        model = get_user_model()
        if model.objects.filter(username__iexact=username).exists():
            raise InvitationError(_("この利用者名は使われています"), "username")
        candidate = model(username=username, email=invitation.email)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise InvitationError(" ".join(exc.messages), "password") from exc
        user: User = model.objects.create_user(
            username=username, email=invitation.email, password=password
        )
        Profile.objects.create(
            user=user,
            role=invitation.role,
            member_government=invitation.member_government,
            mail_language=invitation.mail_language,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation._history_user = user  # type: ignore[attr-defined]  # noqa: SLF001
        invitation.save()
    return user


def set_active(user: AnyUser, target: User, active: bool) -> None:
    require(is_bureau_admin(user), _("利用者の停止・再開は管理者だけができます"))
    if target.pk == user.pk:
        raise InvitationError(_("自分自身は停止できません"), "user")
    with transaction.atomic():
        target.is_active = active
        target.save(update_fields=["is_active"])


def unlock_sign_in(user: AnyUser, attempt_id: int) -> AccessAttempt | None:
    """Lift the lock-out of one user name at one client address (django-axes's record of its
    failures). Only a bureau admin may; returns the record removed, or None if it was gone."""
    require(is_bureau_admin(user), "サインインのロック解除は管理者だけができます")
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is not None:
            reset(ip=attempt.ip_address, username=attempt.username)
    if attempt is not None:
        logger.info("sign-in lock-out lifted for user name %r by %s", attempt.username, user)
    return attempt
