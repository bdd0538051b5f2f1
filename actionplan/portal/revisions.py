"""The plan's editions in public: the list, what changed from one edition to the next (per
theme, old and new wording side by side, differences marked), and an Atom feed of editions.

Bureau staff also see a staged version here, compared with the current one, before they
activate it (`actionplan activate N`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actionplan.accounts.permissions import is_bureau
from actionplan.plans import models as m
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.queries import (
    Change,
    changes_by_theme,
    diff_versions,
    predecessor,
    text_segments,
)

FEED_ENTRIES = 20


def _versions(request: HttpRequest) -> QuerySet[m.PlanVersion]:
    versions = m.PlanVersion.objects.select_related("plan").order_by("-number")
    return versions if is_bureau(request.user) else versions.published()


@require_safe
def revisions(request: HttpRequest) -> HttpResponse:
    rows = [(v, predecessor(v)) for v in _versions(request)]
    return render(request, "portal/revisions.html", {"rows": rows})


@require_safe
def revision(request: HttpRequest, number: int) -> HttpResponse:
    version = _versions(request).filter(number=number).first()
    if version is None:
        raise Http404("no such edition")
    previous = predecessor(version)
    sections = []
    counts: dict[str, int] = {}
    if previous is not None:
        diff = diff_versions(previous, version)
        counts = {kind: diff.count(kind) for kind in KIND_LABELS}
        sections = [
            (theme, [_row(change) for change in changes])
            for theme, changes in changes_by_theme(diff)
        ]
    return render(
        request,
        "portal/revision.html",
        {
            "version": version,
            "previous": previous,
            "sections": sections,
            "counts": [(KIND_LABELS[kind], n) for kind, n in counts.items()],
        },
    )


KIND_LABELS = {
    "added": gettext_lazy("追加"),
    "removed": gettext_lazy("削除"),
    "changed": gettext_lazy("修正"),
    "moved": gettext_lazy("移動"),
}
# Every kind of record the comparison reports (`plans.queries.record_names`; a test checks).
# The labels of later kinds ask for the portal's sense of their words by context.
RECORD_LABELS = {
    "action": gettext_lazy("取組"),
    "year_theme": gettext_lazy("年度のテーマ"),
    "milestone": gettext_lazy("関西の動き"),
    "partnership": gettext_lazy("公民連携協定"),
    "theme": gettext_lazy("ありたい姿"),
    "introduction": pgettext_lazy("revision", "アクションプランについて"),
    "period_note": pgettext_lazy("revision", "表の注記"),
    "appendix_note": pgettext_lazy("revision", "公民連携の取組例の前書き"),
    "plan_start_fy": pgettext_lazy("revision", "計画の初年度"),
    "plan_end_fy": pgettext_lazy("revision", "計画の最終年度"),
    "future_image": pgettext_lazy("revision", "将来像"),
    "target_state": pgettext_lazy("revision", "めざす姿"),
    "period": pgettext_lazy("revision", "年度の区分"),
}


def _cell(fiscal_year: str | int | None, actor: str) -> str:
    language = "en" if get_language() == "en" else "ja"
    parts = [fiscal_year_label(int(fiscal_year), language)] if fiscal_year else []
    if actor:
        parts.append(str(m.Actor(actor).label))
    return " ".join(parts)


def _row(change: Change) -> dict[str, Any]:
    """One change as the page shows it: what, where, and the wording before and after."""
    if change.kind == "moved":
        _, old_year, old_actor = (change.old_cell.split("/") + ["", ""])[:3]
        where = f"{_cell(old_year, old_actor)} → {_cell(change.fiscal_year, change.actor)}"
    else:
        where = _cell(change.fiscal_year, change.actor)
    segments = text_segments(change.old_text, change.new_text) if change.reworded else []
    return {
        "kind": change.kind,
        "kind_label": KIND_LABELS[change.kind],
        "record_label": RECORD_LABELS[change.record],
        "where": where,
        "old_text": change.old_text,
        "new_text": change.new_text,
        "old_segments": [s for s in segments if s[0] != "added"],
        "new_segments": [s for s in segments if s[0] != "removed"],
        "reworded": change.reworded,
        "details": [
            {
                "label": _detail_label(detail.field),
                "old": detail.old,
                "new": detail.new,
            }
            for detail in change.details
        ],
    }


DETAIL_LABELS = {
    "date": gettext_lazy("日付"),
    "date_label": gettext_lazy("日付の種類"),
    "figure_label": gettext_lazy("数値の名称"),
    "figure_value": gettext_lazy("数値"),
    "figure_unit": gettext_lazy("単位"),
    "figure_year": gettext_lazy("数値の年"),
    "note": gettext_lazy("注記"),
    # In the sense the portal gives it (a partnership's outline): plain 概要 is other apps' word.
    "outline": pgettext_lazy("partnership", "概要"),
    "position": pgettext_lazy("revision", "順番"),
    "group": pgettext_lazy("revision", "見出し（【】）"),
    "parent": pgettext_lazy("revision", "上位の取組"),
    "figure_source": pgettext_lazy("revision", "数値の出典"),
    "date_kind": pgettext_lazy("revision", "日付の区分"),
    "source_name": pgettext_lazy("revision", "出典"),
    "member_governments": pgettext_lazy("revision", "構成府県市"),
    "partners": pgettext_lazy("revision", "連携先"),
    "name": pgettext_lazy("revision", "名称"),
    "heading": pgettext_lazy("revision", "見出し"),
    "desired_state_note": pgettext_lazy("revision", "ありたい姿の注記"),
    "fiscal_year_end": pgettext_lazy("revision", "終了年度"),
}


def _detail_label(name: str) -> str:
    if name.startswith("item."):
        return _("内容(%(number)s)") % {"number": name.removeprefix("item.")}
    return str(DETAIL_LABELS.get(name, name))


class EditionFeed(Feed[m.PlanVersion, None]):
    """New editions of the plan, newest first."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("アクションプランの改訂")

    def link(self) -> str:
        return reverse("portal:revisions")

    def subtitle(self) -> str:
        return _("計画の新しい版が公開されるたびに追加されます。")

    def items(self) -> list[m.PlanVersion]:
        return list(
            m.PlanVersion.objects.published()
            .select_related("plan")
            .order_by("-number")[:FEED_ENTRIES]
        )

    def item_title(self, item: m.PlanVersion) -> str:
        return f"{item.plan.title_ja} {item.edition_ja}"

    def item_description(self, item: m.PlanVersion) -> str:
        previous = predecessor(item)
        if previous is None:
            return _("最初に取り込まれた版です。")
        diff = diff_versions(previous, item)
        counts = {kind: diff.count(kind) for kind in ("added", "removed", "changed", "moved")}
        return (
            _(
                "前の版からの変更：追加%(added)s件、削除%(removed)s件、"
                "修正%(changed)s件、移動%(moved)s件"
            )
            % counts
        )

    def item_link(self, item: m.PlanVersion) -> str:
        return reverse("portal:revision", args=[item.number])

    def item_pubdate(self, item: m.PlanVersion) -> datetime.datetime:
        return item.activated_at or item.imported_at
