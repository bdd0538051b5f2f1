from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from frictionless import Package, validate

from actionplan.opendata.publish import current_publication
from actionplan.opendata.schema import TABLES
from actionplan.plans.models import PlanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


def test_frictionless_accepts_the_published_package(plan_version: PlanVersion) -> None:
    publication = current_publication()
    report = validate(str(publication.directory / "datapackage.json"))
    errors = [e.message for e in report.errors]
    errors += [error.message for task in report.tasks for error in task.errors][:10]
    assert report.valid, errors
    assert {task.name for task in report.tasks} >= {t.name for t in TABLES}
    assert {task.name for task in report.tasks} >= {f"{t.name}-excel" for t in TABLES}


def test_frictionless_finds_a_broken_reference(plan_version: PlanVersion) -> None:
    # Guards the test above: a dangling parent_action_id must make the package invalid.
    publication = current_publication()
    actions = publication.directory / "actions.csv"
    with actions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["parent_action_id"] = "987654321"
    with actions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    report = validate(str(publication.directory / "datapackage.json"))
    assert not report.valid


def test_the_descriptor_comes_from_the_schema(plan_version: PlanVersion) -> None:
    descriptor = json.loads((current_publication().directory / "datapackage.json").read_text())
    resources = {r["name"]: r for r in descriptor["resources"]}
    actions = resources["actions"]["schema"]
    assert actions["primaryKey"] == ["action_id"]
    assert {"fields": "parent_action_id", "reference": {"resource": "", "fields": "action_id"}} in (
        actions["foreignKeys"]
    )
    by_name = {f["name"]: f for f in actions["fields"]}
    assert by_name["fiscal_year_start"]["type"] == "integer"
    assert by_name["fiscal_year_start"]["constraints"] == {"required": True}
    assert "constraints" not in by_name["fiscal_year_end"]
    assert resources["actions-excel"]["encoding"] == "utf-8-sig"
    assert "BOM" in resources["actions-excel"]["description"]
    assert {lic["path"] for lic in descriptor["licenses"]} == {
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
        "https://creativecommons.org/licenses/by/4.0/",
    }
    package = Package.from_descriptor(str(current_publication().directory / "datapackage.json"))
    assert len(package.resources) == 2 * len(TABLES)


def test_the_served_descriptor_points_at_the_download_urls(
    client: Client, plan_version: PlanVersion
) -> None:
    descriptor = client.get("/opendata/datapackage.json").json()
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    assert paths["actions"] == "http://testserver/opendata/files/actions.csv"
    assert client.get("/opendata/files/actions.csv").status_code == 200
