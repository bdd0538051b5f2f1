"""Sign-in pages and the bureau's user management."""

from __future__ import annotations

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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import actions
from .forms import AcceptForm, InviteForm
from .models import Invitation, Profile
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
def users(request: HttpRequest) -> HttpResponse:
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("広域産業振興局だけが使える画面です"))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_url = request.build_absolute_uri(reverse("accounts:accept", args=["TOKEN"]))
        try:
            actions.invite_user(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                form.cleaned_data["member_government"],
                accept_url.replace("TOKEN", "{token}"),
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
        {"form": form, "profiles": profiles, "invitations": invitations},
    )


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
