from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from actionplan.accounts.permissions import is_bureau

from .actions import create_api_token, revoke_api_token
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    list_display = ("prefix", "name", "owner", "created", "last_used", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "owner__username")
    fields = ("owner", "name", "prefix", "created", "last_used", "revoked_at")
    readonly_fields = ("prefix", "created", "last_used", "revoked_at")
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A token is created or revoked, never edited.
        return obj is None and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_bureau(request.user) or bool(request.user.is_superuser)

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[Any], change: bool
    ) -> None:
        actor = None if request.user.is_superuser else request.user
        new = create_api_token(actor, form.cleaned_data["owner"], form.cleaned_data["name"])
        obj.pk = new.token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            f"New API token (shown only once, copy it now): {new.plaintext}",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = None if request.user.is_superuser else request.user
        for token in queryset:
            revoke_api_token(actor, token)
        messages.success(request, f"{queryset.count()} token(s) revoked")
