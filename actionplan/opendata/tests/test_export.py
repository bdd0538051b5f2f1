"""The open data files a user downloads: columns, machine-readability rules, all-or-nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from actionplan.opendata.export import ExportError, export_open_data
from actionplan.opendata.schema import TABLES
from actionplan.plans.models import Action, PlanVersion

pytestmark = pytest.mark.django_db

DESIGN_ACTION_COLUMNS = [
    "action_id",
    "plan_version",
    "theme_code",
    "theme_name_ja",
    "fiscal_year_start",
    "fiscal_year_end",
    "period_label",
    "actor",
    "group",
    "parent_action_id",
    "position",
    "text_ja",
    "text_en",
    "member_lg_codes",
    "source_line",
]


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "plain files carry no BOM"
    return list(csv.DictReader(raw.decode("utf-8").splitlines()))


def test_actions_csv_has_the_public_columns_and_one_row_per_action(
    plan_version: PlanVersion, tmp_path: Path
) -> None:
    call_command("export", "--format", "csv", "--output", str(tmp_path))
    header = (tmp_path / "actions.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [c for c in header if c in DESIGN_ACTION_COLUMNS] == DESIGN_ACTION_COLUMNS
    rows = read_csv(tmp_path / "actions.csv")
    assert len(rows) == 165
    sub = next(r for r in rows if r["text_ja"] == "市場開拓 等")
    parent = next(r for r in rows if r["action_id"] == sub["parent_action_id"])
    assert parent["text_ja"].endswith("環境整備")
    assert (sub["theme_code"], sub["fiscal_year_start"], sub["fiscal_year_end"]) == (
        "startups",
        "2026",
        "",
    )
    assert sub["actor"] == "members" and sub["source_line"] == "195"
    closed = next(r for r in rows if r["fiscal_year_start"] == "2024")
    assert closed["fiscal_year_end"] == "2024"


def test_every_file_follows_the_machine_readability_rules(
    plan_version: PlanVersion, tmp_path: Path
) -> None:
    export_open_data(tmp_path, "csv")
    for table in TABLES:
        text = (tmp_path / table.filename).read_bytes().decode("utf-8")
        lines = text.split("\r\n")
        assert lines[0] == ",".join(c.name for c in table.columns)
        rows = list(csv.reader(text.splitlines()))
        # One record per line: no value holds a line break, so lines = records + header.
        assert len([line for line in lines if line]) == len(rows)
        for row in rows[1:]:
            assert len(row) == len(table.columns)
    governments = read_csv(tmp_path / "member_governments.csv")
    assert [g["lg_code"] for g in governments][:3] == ["250007", "260002", "270008"]
    partnerships = read_csv(tmp_path / "partnerships.csv")
    dates = {p["date"] for p in partnerships}
    assert "2023-04" in dates and "2025-09-10" in dates
    milestones = read_csv(tmp_path / "milestones.csv")
    figure = next(r for r in milestones if r["figure_value"])
    assert (figure["figure_value"], figure["figure_as_of_year"]) == ("981", "2024")


def test_the_data_dictionary_describes_every_column(
    plan_version: PlanVersion, tmp_path: Path
) -> None:
    export_open_data(tmp_path, "csv")
    described = {(r["file"], r["column"]) for r in read_csv(tmp_path / "data_dictionary.csv")}
    for table in TABLES:
        header = (tmp_path / table.filename).read_text(encoding="utf-8").splitlines()[0]
        assert {(table.filename, c) for c in header.split(",")} <= described
    metadata = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["license"]["compatible_with"] == "CC BY 4.0"
    assert metadata["encoding"] == "UTF-8"


def test_json_export_keeps_types(plan_version: PlanVersion, tmp_path: Path) -> None:
    call_command("export", "--format", "json", "--output", str(tmp_path))
    actions = json.loads((tmp_path / "actions.json").read_text(encoding="utf-8"))
    assert len(actions) == 165
    open_ended = next(a for a in actions if a["fiscal_year_start"] == 2026)
    assert open_ended["fiscal_year_end"] is None
    hubs = json.loads((tmp_path / "hubs.json").read_text(encoding="utf-8"))
    assert isinstance(hubs[0]["lat"], float)
    governments = json.loads((tmp_path / "member_governments.json").read_text(encoding="utf-8"))
    assert governments[0]["lg_code"] == "250007"


def test_line_breaks_inside_values_never_reach_the_files(
    plan_version: PlanVersion, tmp_path: Path
) -> None:
    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    action.text_ja = "一行目\n二行目"
    action.save()
    export_open_data(tmp_path, "csv")
    rows = read_csv(tmp_path / "actions.csv")
    assert "一行目 二行目" in {r["text_ja"] for r in rows}


def test_exporting_before_any_import_is_a_clear_error(db: None, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no plan has been imported"):
        export_open_data(tmp_path, "csv")
    with pytest.raises(CommandError):
        call_command("export", "--output", str(tmp_path / "out"))
    assert not (tmp_path / "out" / "actions.csv").exists()
