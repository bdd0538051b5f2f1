from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="portal:home"), name="logout"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/active/", views.set_active, name="set_active"),
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/<int:attempt_id>/unlock/", views.unlock, name="unlock"),
]
