from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from actionplan.opendata.schema import TABLES
from actionplan.plans.models import Milestone, Partnership, PlanVersion

pytestmark = pytest.mark.django_db

PDL = URIRef("https://www.digital.go.jp/resources/open_data/public_data_license_v1.0")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


def catalog_graph(client: Client) -> Graph:
    response = client.get("/opendata/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    # Parsed the way ckanext-dcat parses a harvested catalogue: rdflib's JSON-LD reader.
    return Graph().parse(data=response.content, format="json-ld")


def test_the_catalogue_is_dcat_that_rdf_tools_read(
    client: Client, plan_version: PlanVersion
) -> None:
    graph = catalog_graph(client)
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(catalogs) == 1 and len(datasets) == 1
    assert (catalogs[0], DCAT.dataset, datasets[0]) in graph
    dataset = datasets[0]
    assert {PDL, CC_BY} <= set(graph.objects(dataset, DCTERMS.license))
    assert graph.value(dataset, DCTERMS.issued) is not None
    assert graph.value(dataset, DCTERMS.modified) is not None
    titles = {str(t) for t in graph.objects(dataset, DCTERMS.title)}
    assert plan_version.plan.title_ja in titles

    publisher = graph.value(dataset, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph
    names = set(graph.objects(publisher, FOAF.name))
    assert any(n.language == "ja" and str(n).startswith("関西広域連合") for n in names)  # type: ignore[attr-defined]

    distributions = list(graph.objects(dataset, DCAT.distribution))
    # the ZIP, the data dictionary, the descriptor, and three files per table
    assert len(distributions) == 3 + 3 * len(TABLES)
    media = {str(graph.value(d, DCAT.mediaType)) for d in distributions}
    assert media == {"text/csv", "application/json", "application/zip"}
    for distribution in distributions:
        url = str(graph.value(distribution, DCAT.downloadURL))
        assert url.startswith("http://testserver/opendata/")
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url
    excel = [d for d in distributions if str(d).endswith("-excel.csv")]
    assert excel and all("BOM" in str(graph.value(d, DCTERMS.description)) for d in excel)


def test_the_publisher_code_is_given_only_when_configured(
    client: Client, plan_version: PlanVersion, settings: Any
) -> None:
    graph = catalog_graph(client)
    publisher = next(graph.subjects(RDF.type, FOAF.Organization))
    assert graph.value(publisher, DCTERMS.identifier) is None
    settings.PUBLISHER_LG_CODE = "123455"
    client.get("/opendata/catalog.jsonld")  # the setting is read at each request
    graph = Graph().parse(
        data=client.get("/opendata/catalog.jsonld", headers={"If-None-Match": "x"}).content,
        format="json-ld",
    )
    publisher = next(graph.subjects(RDF.type, FOAF.Organization))
    assert str(graph.value(publisher, DCTERMS.identifier)) == "123455"


def test_the_feed_lists_developments_and_partnerships(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/opendata/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 - our own answer
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") or "" for e in entries]
    assert any(t.startswith("関西の動き") for t in titles)
    assert any(t.startswith("公民連携協定") for t in titles)
    partnership = Partnership.objects.filter(version=plan_version).first()
    assert partnership is not None
    assert any(partnership.title_ja in t for t in titles)
    dated = [e.findtext(f"{ATOM}published") or "" for e in entries]
    assert dated == sorted(dated, reverse=True)
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries)
    link = entries[0].find(f"{ATOM}link")
    assert link is not None and client.get(link.attrib["href"]).status_code == 200


def test_the_feed_is_japanese_from_title_to_subtitle(
    client: Client, plan_version: PlanVersion
) -> None:
    feed = ElementTree.fromstring(client.get("/opendata/feed.atom").content)  # noqa: S314
    assert feed.attrib["{http://www.w3.org/XML/1998/namespace}lang"] == "ja"
    assert (feed.findtext(f"{ATOM}title") or "").startswith("関西広域産業ビジョン")
    assert feed.findtext(f"{ATOM}subtitle") == "関西の動き、公民連携協定、承認済みの進捗報告の新着"
    # No English feed: the address has no /en/ twin.
    assert client.get("/en/opendata/feed.atom").status_code == 404


def test_the_feed_includes_accepted_progress_reports_only(
    client: Client, plan_version: PlanVersion, bureau_staff: Any, bureau_admin: Any
) -> None:
    from actionplan.plans.models import Action
    from actionplan.progress import actions as progress
    from actionplan.progress.models import Status

    first, second = Action.objects.filter(
        version=plan_version, actor="union", period__fiscal_year_start=2025
    )[:2]
    progress.open_cycle(bureau_staff, 2025, datetime.date(2026, 5, 31))
    for action, accept in ((first, True), (second, False)):
        report, _ = progress.save_report(
            bureau_staff, action, 2025, None, progress.ReportInput(Status.DONE, 100, "完了"), 0
        )
        report = progress.submit_report(bureau_staff, report, report.revision)
        if accept:
            progress.accept_report(bureau_admin, report, report.revision)  # four eyes
    feed = ElementTree.fromstring(client.get("/opendata/feed.atom").content)  # noqa: S314
    titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
    reports = [t for t in titles if t.startswith("進捗報告")]
    assert len(reports) == 1 and first.text_ja[:20] in reports[0]
    assert "staff" not in client.get("/opendata/feed.atom").content.decode()


def test_a_milestone_without_date_still_appears(client: Client, plan_version: PlanVersion) -> None:
    milestone = Milestone.objects.filter(version=plan_version).first()
    assert milestone is not None
    milestone.date_year = milestone.date_month = milestone.date_day = None
    milestone.save()
    assert client.get("/opendata/feed.atom").status_code == 200


def test_a_publisher_code_with_a_wrong_check_digit_is_refused(settings: Any) -> None:
    from actionplan.opendata.checks import check_publisher_code

    settings.PUBLISHER_LG_CODE = "123456"
    assert [e.id for e in check_publisher_code()] == ["opendata.E001"]
    settings.PUBLISHER_LG_CODE = "123455"
    assert check_publisher_code() == []
