from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "member_government")
    list_filter = ("role", "member_government")
    search_fields = ("user__username", "user__email")
