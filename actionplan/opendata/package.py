"""The Frictionless Data Package descriptor and the Excel-friendly copies of the CSV files,
both generated from ``schema.TABLES`` so that they always describe what the export writes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from actionplan.plans import models as m
from actionplan.spreadsheets import neutralise

from .schema import TABLES, Table

PDL_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSES = [
    {
        "name": "PDL-1.0",
        "title": "公共データ利用規約（第1.0版） / Public Data License 1.0",
        "path": PDL_URL,
    },
    {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0", "path": CC_BY_URL},
]
EXCEL_SUFFIX = "-excel"
EXCEL_NOTE_JA = (
    "「-excel.csv」は Excel でそのまま開けるよう BOM 付き UTF-8 で書き、"
    "= + - @ やタブ・改行で始まるセルの先頭にアポストロフィ（'）を付けて"
    "数式として実行されないようにした写しです。"
    "データの処理には BOM なしの元ファイルを使ってください。"
)
EXCEL_NOTE_EN = (
    "Files ending in -excel.csv are copies for spreadsheet programs: UTF-8 with a byte order mark, "
    "and text cells starting with = + - @, a tab or a line break prefixed with an apostrophe (') "
    "so that they are not run as formulas. Use the plain files (UTF-8 without BOM) for processing."
)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # "" refers to the same table
    target: str


# Relations between the tables of one export (one plan version).
FOREIGN_KEYS: dict[str, tuple[ForeignKey, ...]] = {
    "actions": (
        ForeignKey("parent_action_id", "", "action_id"),
        ForeignKey("theme_code", "themes", "theme_code"),
    ),
    "year_themes": (ForeignKey("theme_code", "themes", "theme_code"),),
    "milestones": (ForeignKey("theme_code", "themes", "theme_code"),),
    "partnership_items": (ForeignKey("partnership_id", "partnerships", "partnership_id"),),
}
# Tables whose key is more than one column.
COMPOSITE_KEYS: dict[str, list[str]] = {"partnership_items": ["partnership_id", "number"]}


def excel_name(table: Table) -> str:
    return f"{table.name}{EXCEL_SUFFIX}.csv"


def table_schema(table: Table) -> dict[str, Any]:
    fields = []
    for column in table.columns:
        field: dict[str, Any] = {
            "name": column.name,
            "type": column.type,
            "title": column.description_ja,
            "description": column.description_en,
        }
        if column.required:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    key = COMPOSITE_KEYS.get(table.name) or ([table.primary_key] if table.primary_key else [])
    if key:
        schema["primaryKey"] = key
    foreign = [
        {"fields": fk.column, "reference": {"resource": fk.table, "fields": fk.target}}
        for fk in FOREIGN_KEYS.get(table.name, ())
    ]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def datapackage(
    version: m.PlanVersion, modified: str, rows: dict[str, int], base_url: str = ""
) -> dict[str, Any]:
    """The descriptor; ``base_url`` makes the paths absolute (for the copy served on the web)."""
    resources: list[dict[str, Any]] = []
    for table in TABLES:
        schema = table_schema(table)
        common = {
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "schema": schema,
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        }
        resources.append(
            {
                "name": table.name,
                "path": base_url + table.filename,
                "title": f"{table.title_ja} / {table.title_en}",
                "description": f"{table.title_en}: {rows.get(table.name, 0)} rows",
                "encoding": "utf-8",
                **common,
            }
        )
    for table in TABLES:
        resources.append(
            {
                "name": f"{table.name}{EXCEL_SUFFIX}",
                "path": base_url + excel_name(table),
                "title": f"{table.title_ja}（Excel用） / {table.title_en} (for Excel)",
                "description": EXCEL_NOTE_EN,
                "encoding": "utf-8-sig",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                # Same columns, but text cells may carry the protective apostrophe, so keys and
                # references are declared on the plain files only.
                "schema": {
                    "fields": table_schema(table)["fields"],
                    "missingValues": [""],
                },
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"{version.plan.slug}-v{version.number}".lower(),
        "title": f"{version.plan.title_ja} / {version.plan.title_en}",
        "description": (
            f"{version.edition_ja}. {version.translation_notice} {EXCEL_NOTE_EN}".strip()
        ),
        "version": str(version.number),
        "created": modified,
        "licenses": LICENSES,
        "keywords": ["関西広域連合", "アクションプラン", "Kansai", "action plan", "open data"],
        "resources": resources,
    }


def excel_copy(table: Table, plain_csv: str) -> str:
    """The CSV text for spreadsheet programs; write it with encoding 'utf-8-sig' (BOM)."""
    text_columns = [column.type == "string" for column in table.columns]
    reader = csv.reader(io.StringIO(plain_csv, newline=""))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, row in enumerate(reader):
        if number == 0:
            writer.writerow(row)
            continue
        writer.writerow(
            [
                neutralise(value) if is_text else value
                for value, is_text in zip(row, text_columns, strict=True)
            ]
        )
    return buffer.getvalue()
