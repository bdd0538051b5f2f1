"""The bureau's page for writing the unofficial English of a new edition: every text of the
staged or current edition that the bundled translation file does not cover (actions, year
themes, developments, themes, vision, agreements and their items, the plan's own texts and
shared labels), alongside `translations-missing` and en.json, which cover the same kinds."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplan.api.params import MAX_ID, MAX_PLAN_VERSION
from actionplan.faults.params import int_param
from actionplan.plans.models import PlanVersion, Theme
from actionplan.plans.translations import KINDS, untranslated_items

from . import actions
from .actions import ProgressError
from .views import _bureau_only, internal

PER_PAGE = 20


class TranslationForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput, max_length=200)
    text_en = forms.CharField(
        label=gettext_lazy("英訳（非公式）"),
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": gettext_lazy("英訳を入力してください")},
    )


def editable_versions() -> QuerySet[PlanVersion]:
    """The current edition and any staged one (imported, not activated yet), newest first."""
    return PlanVersion.objects.filter(Q(is_current=True) | Q(activated_at__isnull=True)).order_by(
        "-number"
    )


def _form_id(token: str) -> str:
    return f"id_%s_{token}"


@internal
def translations(request: HttpRequest) -> HttpResponse:
    _bureau_only(request)
    versions = list(editable_versions())
    wanted = int_param(request, "version", minimum=1, maximum=MAX_PLAN_VERSION)
    version = next((v for v in versions if v.number == wanted), versions[0] if versions else None)
    themes = list(Theme.objects.filter(version=version)) if version else []
    theme_id = int_param(request, "theme", minimum=1, maximum=MAX_ID)
    theme = next((t for t in themes if t.pk == theme_id), None)
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    error_for = ""
    posted: TranslationForm | None = None
    if request.method == "POST" and version is not None:
        error_for = request.POST.get("item", "")[:200]
        posted = TranslationForm(request.POST, auto_id=_form_id(error_for))
        if posted.is_valid():
            try:
                actions.translate_item(
                    request.user,
                    version,
                    posted.cleaned_data["item"],
                    posted.cleaned_data["text_en"],
                )
            except ProgressError as exc:
                posted.add_error("text_en", exc.message)
            else:
                messages.success(request, _("英訳を保存しました（非公式）"))
                return redirect(request.get_full_path())
    items = (
        untranslated_items(version, kind=kind, theme_id=theme.pk if theme else None)
        if version
        else []
    )
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    themes_by_id = {t.pk: t for t in themes}
    rows = [
        (
            item,
            themes_by_id.get(item.theme_id) if item.theme_id else None,
            posted
            if posted is not None and item.token == error_for
            else TranslationForm(initial={"item": item.token}, auto_id=_form_id(item.token)),
        )
        for item in page
    ]
    # A refused write whose item is not on this page (gone, or of another edition) still says why.
    shown = {item.token for item in page}
    orphan_errors: list[str] = (
        [str(error) for error in posted.errors.get("text_en", [])]
        if posted is not None and posted.errors and error_for not in shown
        else []
    )
    base: dict[str, str | int] = {"version": version.number} if version else {}
    if theme is not None:
        base["theme"] = theme.pk
    if kind:
        base["kind"] = kind
    return render(
        request,
        "progress/translations.html",
        {
            "versions": versions,
            "version": version,
            "themes": themes,
            "theme": theme,
            "kinds": KINDS.items(),
            "kind": kind,
            "page": page,
            "rows": rows,
            "orphan_errors": orphan_errors,
            "query": urlencode(base),
            "action_url": reverse("progress:translations"),
        },
    )
