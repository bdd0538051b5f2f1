"""The Atom feed of the open data: new developments (関西の動き), partnership agreements and
accepted progress reports, newest first. Only public fields: no names of the people involved."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from actionplan.plans import models as m
from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.queries import current_version
from actionplan.progress.queries import public_reports

FEED_SIZE = 50


@dataclass(frozen=True)
class Entry:
    kind: str
    title: str
    description: str
    link: str
    published: datetime.datetime
    updated: datetime.datetime


def _day(year: int | None, month: int | None, day: int | None) -> datetime.datetime | None:
    if year is None:
        return None
    return datetime.datetime(year, month or 1, day or 1, tzinfo=datetime.UTC)


def entries() -> list[Entry]:
    version = current_version()
    found: list[Entry] = []
    if version is not None:
        # An undated development is as old as the edition of the plan that reports it.
        edition = _day(version.published_year, version.published_month, None)
        for milestone in m.Milestone.objects.filter(version=version).select_related("theme"):
            when = (
                _day(milestone.date_year, milestone.date_month, milestone.date_day)
                or edition
                or version.imported_at
            )
            found.append(
                Entry(
                    "milestone",
                    f"関西の動き（{milestone.theme.name_ja}）: {milestone.text_ja[:80]}",
                    f"{milestone.text_ja}\n\n{milestone.text_en}".strip(),
                    reverse("portal:theme", kwargs={"code": milestone.theme.code})
                    + f"#development-{milestone.pk}",
                    when,
                    when,
                )
            )
    partnerships = m.Partnership.objects.filter(version=version) | m.Partnership.objects.filter(
        version__isnull=True
    )
    for partnership in partnerships.select_related("version"):
        signed = _day(partnership.date_year, partnership.date_month, partnership.date_day)
        if signed is None:  # an agreement always has its year; skip a malformed one
            continue
        found.append(
            Entry(
                "partnership",
                f"公民連携協定: {partnership.title_ja}",
                f"{partnership.outline_ja}\n\n{partnership.outline_en}".strip(),
                reverse("portal:partnership", kwargs={"partnership_id": partnership.pk}),
                signed,
                signed,
            )
        )
    accepted = public_reports().select_related("action", "member_government")
    for report in accepted.order_by("-updated_at")[:FEED_SIZE]:
        year = fiscal_year_label(report.fiscal_year, "ja")
        found.append(
            Entry(
                "progress",
                f"進捗報告（{year}・{report.body_name}）: {report.action.text_ja[:60]}",
                f"{report.get_status_display()} {report.percent}%\n\n{report.narrative_ja}",
                reverse("portal:action", kwargs={"action_id": report.action_id})
                + f"#progress-{report.pk}",
                report.updated_at,
                report.updated_at,
            )
        )
    found.sort(key=lambda e: (e.published, e.link), reverse=True)
    return found[:FEED_SIZE]


class OpenDataFeed(Feed[Entry, None]):
    feed_type = Atom1Feed
    title = "関西広域産業ビジョン アクションプラン — 関西の動き・公民連携協定・進捗報告"
    # The feed is Japanese (xml:lang="ja", one address outside /en/): its title and subtitle too.
    subtitle = "関西の動き、公民連携協定、承認済みの進捗報告の新着"
    link = "/opendata/"

    def items(self) -> list[Entry]:
        return entries()

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return f"{item.kind}:{item.link}"

    def item_guid_is_permalink(self, item: Entry) -> bool:
        return False

    def item_pubdate(self, item: Entry) -> datetime.datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> datetime.datetime:
        return item.updated

    def item_categories(self, item: Entry) -> list[str]:
        return [item.kind]
