from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from actionplan.opendata.schema import TABLES
from actionplan.plans.models import Action, Milestone, PlanVersion
from actionplan.spreadsheets import neutralise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


def test_every_table_is_published_as_csv_json_and_an_excel_copy(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/opendata/files/actions.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Access-Control-Allow-Origin"] == "*"
    text = response.getvalue().decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 165
    assert rows[0]["action_id"] and rows[0]["theme_code"]

    excel = client.get("/opendata/files/actions-excel.csv")
    raw = excel.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))) == 165

    for table in TABLES:
        for name in (table.filename, f"{table.name}-excel.csv", f"{table.name}.json"):
            assert client.get(f"/opendata/files/{name}").status_code == 200, name
    assert client.get("/opendata/files/nothing.csv").status_code == 404
    assert client.get("/opendata/files/..%2Fmanifest.json").status_code == 404


def test_excel_copies_neutralise_formulas_in_text_cells(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    action.text_en = '=HYPERLINK("http://example.com","click")'
    action.save()
    plain = client.get("/opendata/files/actions.csv").getvalue()
    excel = client.get("/opendata/files/actions-excel.csv").getvalue()
    plain_rows = {r["action_id"]: r for r in csv.DictReader(io.StringIO(plain.decode()))}
    excel_rows = {r["action_id"]: r for r in csv.DictReader(io.StringIO(excel.decode("utf-8-sig")))}
    assert plain_rows[str(action.pk)]["text_en"].startswith("=HYPERLINK")
    assert excel_rows[str(action.pk)]["text_en"] == "'" + plain_rows[str(action.pk)]["text_en"]
    # Numbers are left alone.
    assert excel_rows[str(action.pk)]["action_id"] == str(action.pk)
    assert [neutralise(v) for v in ("+1", "-x", "@a", "a=b")] == ["'+1", "'-x", "'@a", "a=b"]


def test_the_zip_holds_every_file_and_the_package(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/opendata/actionplan-opendata.zip")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    names = {Path(n).name for n in archive.namelist()}
    assert {"actions.csv", "actions-excel.csv", "actions.json", "datapackage.json"} <= names
    assert {"data_dictionary.csv", "metadata.json"} <= names
    metadata = json.loads(archive.read("actionplan-opendata/metadata.json"))
    assert "actions-excel.csv" in metadata["excel_copies"]["files"]
    assert "BOM" in metadata["excel_copies"]["note_en"]


def test_files_are_rebuilt_when_the_data_changes(
    client: Client, plan_version: PlanVersion, opendata_root: Path
) -> None:
    first = client.get("/opendata/files/milestones.csv")
    etag = first["ETag"]
    assert (
        client.get("/opendata/files/milestones.csv", headers={"If-None-Match": etag}).status_code
        == 304
    )
    milestone = Milestone.objects.filter(version=plan_version).first()
    assert milestone is not None
    milestone.text_en = "A new wording of this development"
    milestone.save()
    second = client.get("/opendata/files/milestones.csv", headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert "A new wording of this development" in second.getvalue().decode()
    assert len([p for p in opendata_root.iterdir() if not p.name.startswith(".")]) == 2


def test_no_plan_yet_is_a_404(client: Client, reference: None) -> None:
    assert client.get("/opendata/files/actions.csv").status_code == 404


def test_the_export_command_keeps_working(plan_version: PlanVersion, tmp_path: Path) -> None:
    from django.core.management import call_command

    call_command(
        "export", "--format", "csv", "--output", str(tmp_path / "out"), stdout=io.StringIO()
    )
    assert (tmp_path / "out" / "actions.csv").exists()
