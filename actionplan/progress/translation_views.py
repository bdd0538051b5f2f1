"""The bureau's page for writing the unofficial English of the actions of a new edition that the
bundled translation file does not cover (alongside `translations-missing` and en.json)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplan.plans.models import Action, PlanVersion, Theme

from . import actions
from .actions import ProgressError
from .views import _bureau_only, internal

PER_PAGE = 20


class TranslationForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    text_en = forms.CharField(
        label=gettext_lazy("英訳（非公式）"),
        widget=forms.Textarea,
        error_messages={"required": gettext_lazy("英訳を入力してください")},
    )


def editable_versions() -> QuerySet[PlanVersion]:
    """The current edition and any staged one (imported, not activated yet), newest first."""
    return PlanVersion.objects.filter(Q(is_current=True) | Q(activated_at__isnull=True)).order_by(
        "-number"
    )


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@internal
def translations(request: HttpRequest) -> HttpResponse:
    _bureau_only(request)
    versions = list(editable_versions())
    wanted = _int_param(request, "version")
    version = next((v for v in versions if v.number == wanted), versions[0] if versions else None)
    themes = list(Theme.objects.filter(version=version)) if version else []
    theme_id = _int_param(request, "theme")
    theme = next((t for t in themes if t.pk == theme_id), None)
    error_for: int | None = None
    posted: TranslationForm | None = None
    if request.method == "POST":
        error_for = _int_param_post(request)
        posted = TranslationForm(request.POST, auto_id=f"id_%s_{error_for}")
        if posted.is_valid():
            action = get_object_or_404(Action, pk=posted.cleaned_data["action"])
            try:
                actions.translate_action(request.user, action, posted.cleaned_data["text_en"])
            except ProgressError as exc:
                posted.add_error("text_en", exc.message)
            else:
                messages.success(request, _("英訳を保存しました（非公式）"))
                return redirect(request.get_full_path())
    missing = (
        Action.objects.filter(version=version, text_en="")
        .select_related("theme", "period")
        .order_by("theme__position", "period__position", "actor", "parent_id", "position", "pk")
        if version
        else Action.objects.none()
    )
    if theme is not None:
        missing = missing.filter(theme=theme)
    page = Paginator(missing, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (
            action,
            posted
            if posted is not None and action.pk == error_for
            else TranslationForm(initial={"action": action.pk}, auto_id=f"id_%s_{action.pk}"),
        )
        for action in page
    ]
    base = {"version": version.number} if version else {}
    if theme is not None:
        base["theme"] = theme.pk
    return render(
        request,
        "progress/translations.html",
        {
            "versions": versions,
            "version": version,
            "themes": themes,
            "theme": theme,
            "page": page,
            "rows": rows,
            "query": urlencode(base),
            "action_url": reverse("progress:translations"),
        },
    )


def _int_param_post(request: HttpRequest) -> int | None:
    value = request.POST.get("action", "")
    return int(value) if value.isdigit() else None
