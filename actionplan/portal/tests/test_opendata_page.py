"""The open data page lists every file the publication holds, and the feed leads to pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils.timezone import localtime

from actionplan.opendata.schema import TABLES
from actionplan.plans.models import Milestone, Partnership, PlanVersion
from actionplan.tests.files import a_folder_that_cannot_be_created

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_page_links_every_published_file_and_says_when_the_data_changed(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    from actionplan.opendata.publish import current_publication

    page = client.get(f"{prefix}/opendata/").content.decode()
    links = set(re.findall(r'href="/opendata/files/([^"]+)"', page))
    published = set(current_publication().files)
    for table in TABLES:
        assert {table.filename, f"{table.name}.json"} <= links
        assert any(
            n.startswith(table.name) and n.endswith(".csv") and n != table.filename for n in links
        )  # the copy for Excel
    assert {"data_dictionary.csv", "metadata.json"} <= links
    assert links <= published
    for name in links:
        assert client.get(f"/opendata/files/{name}").status_code == 200
    modified = current_publication().modified
    assert f'datetime="{localtime(modified).isoformat()}"' in page
    # The docs in the page's language (they take it from ?lang=, outside the /en/ prefix).
    assert ('href="/api/v1/docs?lang=en"' if prefix else 'href="/api/v1/docs"') in page


def test_the_footer_links_the_api_documentation(client: Client, plan_version: PlanVersion) -> None:
    footer = client.get("/").content.decode().split('<footer class="site-footer">')[1]
    assert 'href="/api/v1/docs"' in footer


def test_feed_entries_link_to_portal_pages_with_the_events_date(
    client: Client, plan_version: PlanVersion
) -> None:
    feed = ElementTree.fromstring(client.get("/opendata/feed.atom").content)  # noqa: S314
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        link = entry.find(f"{ATOM}link")
        assert link is not None
        href = link.attrib["href"]
        assert "/api/" not in href
        path = href.split("://", 1)[-1].split("/", 1)[1]
        assert client.get("/" + path.split("#")[0]).status_code == 200
    dated = Milestone.objects.filter(version=plan_version).exclude(date_year=None).first()
    assert dated is not None
    entry = next(
        e
        for e in entries
        if (e.find(f"{ATOM}link") is not None)
        and e.find(f"{ATOM}link").attrib["href"].endswith(f"#development-{dated.pk}")  # type: ignore[union-attr]
    )
    month = f"{dated.date_year}-{dated.date_month or 1:02d}"
    assert (entry.findtext(f"{ATOM}published") or "").startswith(month)
    assert (entry.findtext(f"{ATOM}updated") or "").startswith(month)
    partnership = Partnership.objects.filter(version=plan_version).first()
    assert partnership is not None
    assert any(
        (e.find(f"{ATOM}link") is not None)
        and e.find(f"{ATOM}link").attrib["href"].endswith(f"/partnerships/{partnership.pk}/")  # type: ignore[union-attr]
        for e in entries
    )


PREPARING = {
    "": "ファイルを準備しています。まだダウンロードできません。",
    "/en": "The files are being prepared and cannot be downloaded yet.",
}


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_page_says_the_files_are_not_there_yet_when_they_cannot_be_written(
    client: Client, plan_version: PlanVersion, settings: Any, tmp_path: Path, prefix: str
) -> None:
    settings.OPENDATA_ROOT = a_folder_that_cannot_be_created(tmp_path)
    response = client.get(f"{prefix}/opendata/")
    assert response.status_code == 200
    page = response.content.decode()
    assert PREPARING[prefix] in page
    assert "<time" not in page  # no date of a publication that does not exist
    assert client.get("/opendata/actionplan-opendata.zip").status_code == 503


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_page_says_the_files_are_being_prepared_before_the_first_build(
    client: Client, plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    from actionplan.opendata import jobs

    monkeypatch.setattr(jobs, "build_in_background", lambda: None)  # the build is still queued
    response = client.get(f"{prefix}/opendata/")
    assert response.status_code == 200
    assert PREPARING[prefix] in response.content.decode()


def test_the_page_says_nothing_of_preparing_once_the_files_are_built(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/opendata/").content.decode()
    assert PREPARING[""] not in page and "<time" in page
