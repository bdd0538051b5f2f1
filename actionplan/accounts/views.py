"""Sign-in pages and the bureau's user management."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplan.plans.models import MemberGovernment

from . import actions
from .forms import AcceptForm, InviteForm, NotificationForm
from .models import Invitation, MailLanguage, Profile, Role
from .permissions import PermissionDenied, is_bureau, is_bureau_admin


class SignInView(LoginView):
    template_name = "accounts/login.html"


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes's AXES_LOCKOUT_CALLABLE: the sign-in page, saying that this user name is
    locked from this address for a while (429, in the page's language)."""
    locked = _(
        "サインインの失敗が続いたため、この利用者名はこの端末から%(minutes)s分間"
        "サインインできません。"
    ) % {"minutes": settings.ACCOUNTS_LOCKOUT_MINUTES}
    context = {"form": AuthenticationForm(request), "locked": locked}
    return render(request, "accounts/login.html", context, status=429)


@login_required
@require_safe
def lockouts(request: HttpRequest) -> HttpResponse:
    """The bureau admins' list of user names locked from an address, with a button to unlock."""
    if not is_bureau_admin(request.user):
        raise DjangoPermissionDenied(_("管理者だけが使える画面です"))
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
    response = render(request, "accounts/lockouts.html", {"attempts": attempts})
    response["Cache-Control"] = "no-store"  # user names and addresses
    return response


@login_required
@require_POST
def unlock(request: HttpRequest, attempt_id: int) -> HttpResponse:
    try:
        attempt = actions.unlock_sign_in(request.user, attempt_id)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    if attempt is not None:
        messages.success(
            request,
            _("%(username)s のロックを解除しました") % {"username": attempt.username},
        )
    return redirect("accounts:lockouts")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own choice: a mail per event or the daily digest, and the
    language of their mail. There is no user in the URL or the form: nobody can change another
    person's choice here."""
    profile = Profile.objects.filter(user_id=request.user.pk or 0).first()
    if profile is None:
        raise DjangoPermissionDenied(_("この画面は職員のアカウントだけが使えます"))
    form = NotificationForm(
        request.POST or None,
        initial={
            "notification_mode": profile.effective_notification_mode,
            "mail_language": profile.mail_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_notification_mode(
                request.user,
                form.cleaned_data["notification_mode"],
                form.cleaned_data.get("mail_language") or None,
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except actions.InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("お知らせメールの受け取り方を保存しました"))
            return redirect("accounts:notifications")
    response = render(
        request,
        "accounts/notifications.html",
        {"form": form, "profile": profile, "is_bureau": is_bureau(request.user)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def users(request: HttpRequest) -> HttpResponse:
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("広域産業振興局だけが使える画面です"))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.invite_user(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                form.cleaned_data["member_government"],
                _site(request),
                form.cleaned_data.get("mail_language") or MailLanguage.JA,
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except actions.InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("招待メールを送りました"))
            return redirect("accounts:users")
    profiles = Profile.objects.select_related("user", "member_government").order_by(
        "role", "user__username"
    )
    invitations = Invitation.objects.filter(accepted_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "accounts/users.html",
        {
            "form": form,
            "profiles": profiles,
            "invitations": invitations,
            "roles": Role.choices,
            "governments": MemberGovernment.objects.order_by("id"),
            "is_admin": is_bureau_admin(request.user),
        },
    )


def _site(request: HttpRequest) -> str:
    """This site's scheme and host as the request reached it, for links in mail."""
    return f"{request.scheme}://{request.get_host()}"


def _invitation_step(
    request: HttpRequest, invitation: Invitation, step: Callable[[], object], done: str
) -> HttpResponse:
    """Runs one action on a pending invitation and says on the users page how it went: a
    refusal of the role is a 403, a refusal of the step (already accepted …) a message."""
    try:
        step()
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    except actions.InvitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"email": invitation.email})
    return redirect("accounts:users")


@login_required
@require_POST
def resend_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    return _invitation_step(
        request,
        invitation,
        lambda: actions.resend_invitation(request.user, invitation, _site(request)),
        _("%(email)s に招待メールを送り直しました"),
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("広域産業振興局だけが使える画面です"))
    if request.POST.get("confirmed") != "yes":
        return render(request, "accounts/confirm_revoke.html", {"invitation": invitation})
    return _invitation_step(
        request,
        invitation,
        lambda: actions.revoke_invitation(request.user, invitation),
        _("%(email)s への招待を取り消しました"),
    )


@login_required
@require_POST
def change_role(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=user_id)
    government_id = request.POST.get("member_government") or None
    government = (
        MemberGovernment.objects.filter(pk=government_id).first() if government_id else None
    )
    try:
        actions.change_role(request.user, target, request.POST.get("role", ""), government)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    except actions.InvitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s の役割を変更しました") % {"name": target.get_username()}
        )
    return redirect("accounts:users")


@login_required
@require_POST
def set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=user_id)
    try:
        actions.set_active(request.user, target, request.POST.get("active") == "1")
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    except actions.InvitationError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:users")


def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.invitation_for(token)
    if invitation is None:
        return render(request, "accounts/accept.html", {"invalid": True}, status=404)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.accept_invitation(
                token, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except actions.InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("progress:home")
    return render(request, "accounts/accept.html", {"form": form, "invitation": invitation})
