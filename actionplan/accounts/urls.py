from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="portal:home"), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/active/", views.set_active, name="set_active"),
    path("users/<int:user_id>/role/", views.change_role, name="change_role"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:attempt_id>/unlock/", views.unlock, name="unlock"),
]
