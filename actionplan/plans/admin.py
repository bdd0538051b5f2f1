"""Admin for bureau staff: every record can be viewed and corrected, with its history."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import models as m
from .queries import diff_versions


class ReadOnlySourceMixin:
    """Where a record came from in the document is a fact of the import, not editable."""

    readonly_fields: tuple[str, ...] = ("key", "source_line")


@admin.register(m.Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ("title_ja", "title_en", "slug")


@admin.register(m.PlanVersion)
class PlanVersionAdmin(SimpleHistoryAdmin):
    change_form_template = "admin/plans/planversion/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        diff = path(
            "<int:pk>/diff/",
            self.admin_site.admin_view(self.diff_view),
            name="plans_planversion_diff",
        )
        return [diff, *super().get_urls()]

    def diff_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """What this version changed against the one before it (or ?against=<number>)."""
        new = get_object_or_404(m.PlanVersion, pk=pk)
        if not self.has_view_permission(request, new):
            raise PermissionDenied
        against = request.GET.get("against", "")
        older = m.PlanVersion.objects.filter(plan=new.plan)
        if against.isdigit():
            old = older.filter(number=int(against)).first()
        else:
            old = older.filter(number__lt=new.number).order_by("-number").first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("版の比較"),
            "new": new,
            "old": old,
            "diff": diff_versions(old, new) if old else None,
            "versions": older.exclude(pk=new.pk).order_by("number"),
        }
        return TemplateResponse(request, "admin/plans/planversion/diff.html", context)

    list_display = (
        "plan",
        "number",
        "edition_ja",
        "published_year",
        "published_month",
        "is_current",
        "imported_at",
    )
    list_filter = ("plan", "is_current")
    # Which version is current changes only through `actionplan activate N`, which verifies it.
    readonly_fields = (
        "checksum",
        "encoding",
        "line_count",
        "source_name",
        "imported_at",
        "number",
        "is_current",
        "activated_at",
        "imported_by",
    )


@admin.register(m.VisionStatement)
class VisionStatementAdmin(ReadOnlySourceMixin, SimpleHistoryAdmin):
    list_display = ("text_ja", "text_en", "kind", "version")
    list_filter = ("version", "kind")
    readonly_fields = ("key",)


@admin.register(m.Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ("position", "name_ja", "name_en", "code", "version")
    list_filter = ("version",)
    readonly_fields = ("code", "source_line")
    search_fields = ("name_ja", "name_en", "desired_state_ja", "desired_state_en")


@admin.register(m.Period)
class PeriodAdmin(SimpleHistoryAdmin):
    list_display = ("fiscal_year_start", "fiscal_year_end", "label_ja", "label_en", "version")
    list_filter = ("version",)


@admin.register(m.YearTheme)
class YearThemeAdmin(ReadOnlySourceMixin, SimpleHistoryAdmin):
    list_display = ("text_ja", "text_en", "theme", "period")
    list_filter = ("version", "theme__code")
    search_fields = ("text_ja", "text_en")


class AssignmentInline(admin.TabularInline[m.ActionAssignment, m.Action]):
    model = m.ActionAssignment
    extra = 0
    autocomplete_fields = ("member_government",)


@admin.register(m.Action)
class ActionAdmin(ReadOnlySourceMixin, SimpleHistoryAdmin):
    list_display = ("text_ja", "theme", "period", "actor", "group_ja", "position")
    list_filter = ("version", "theme__code", "period__fiscal_year_start", "actor")
    search_fields = ("text_ja", "text_en", "key")
    raw_id_fields = ("parent",)
    inlines = (AssignmentInline,)
    list_select_related = ("theme", "period")


@admin.register(m.MemberGovernment)
class MemberGovernmentAdmin(SimpleHistoryAdmin):
    list_display = ("name_ja", "name_en", "lg_code", "kind")
    search_fields = ("name_ja", "name_en", "lg_code")


@admin.register(m.Milestone)
class MilestoneAdmin(ReadOnlySourceMixin, SimpleHistoryAdmin):
    list_display = ("text_ja", "theme", "date_year", "date_month", "date_day", "figure_value")
    list_filter = ("version", "theme__code")
    search_fields = ("text_ja", "text_en")


@admin.register(m.Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("name_ja", "name_en", "kind", "corporate_number")
    list_filter = ("kind",)
    search_fields = ("name_ja", "name_en", "normalized_name")


class PartnershipItemInline(admin.TabularInline[m.PartnershipItem, m.Partnership]):
    model = m.PartnershipItem
    extra = 0


@admin.register(m.Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    list_display = ("title_ja", "theme_code", "date_year", "date_month", "date_day", "version")
    list_filter = ("version", "theme_code", "date_kind")
    search_fields = ("title_ja", "title_en", "outline_ja")
    filter_horizontal = ("member_governments", "partners")
    readonly_fields = ("key", "source_line")
    inlines = (PartnershipItemInline,)


@admin.register(m.Hub)
class HubAdmin(SimpleHistoryAdmin):
    list_display = ("name_ja", "name_en", "lat", "lon", "location_precision")
    search_fields = ("name_ja", "name_en")
