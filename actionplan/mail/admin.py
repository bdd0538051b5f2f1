from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from actionplan.accounts.permissions import is_bureau

from .models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin[OutgoingMail]):
    """Staff follow the outbox here: what is waiting, what failed and why. Read-only: the
    outbox is written by the application and emptied by the sender."""

    list_display = ("subject", "state", "attempts", "last_error", "created_at", "next_attempt_at")
    list_filter = ("state",)
    search_fields = ("subject",)
    fields = (
        "subject",
        "recipients",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and is_bureau(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
