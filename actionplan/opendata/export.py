"""Writing the open data set to a directory, following the government's machine-readability
rules: header on the first line, one record per line, one value per cell, numbers without
units, ISO dates, local government codes as 6-digit strings, UTF-8.

Files are written to a temporary directory first and moved into place together, so a failed
export leaves the output directory as it was.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from actionplan.plans import models as m

from .schema import TABLES, Table, Value

FORMATS = ("csv", "json")
LICENSE = {
    "name": "公共データ利用規約（第1.0版）/ Public Data License (Version 1.0)",
    "compatible_with": "CC BY 4.0",
}
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


class ExportError(ValueError):
    pass


@dataclass
class ExportResult:
    directory: Path
    files: list[str]
    rows: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.rows.items())
        return f"wrote {len(self.files)} files to {self.directory}: {counts}"


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _LINE_BREAKS.sub(" ", str(value))


def _json_value(value: Value) -> Value | float:
    if isinstance(value, Decimal):
        normalized = value.normalize()
        return int(normalized) if normalized == normalized.to_integral() else float(normalized)
    if isinstance(value, str):
        return _LINE_BREAKS.sub(" ", value)
    return value


def table_records(table: Table, version: m.PlanVersion) -> list[list[Value]]:
    return [[column.get(row) for column in table.columns] for row in table.rows(version)]


def render_csv(table: Table, records: list[list[Value]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    for record in records:
        writer.writerow([_text(v) for v in record])
    return buffer.getvalue()


def render_json(table: Table, records: list[list[Value]]) -> str:
    names = [c.name for c in table.columns]
    rows = [dict(zip(names, (_json_value(v) for v in r), strict=True)) for r in records]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def data_dictionary_rows() -> list[list[str]]:
    rows = [["file", "column", "type", "required", "description_ja", "description_en"]]
    for table in TABLES:
        for column in table.columns:
            rows.append(
                [
                    table.filename,
                    column.name,
                    column.type,
                    "true" if column.required else "false",
                    column.description_ja,
                    column.description_en,
                ]
            )
    return rows


def current_version() -> m.PlanVersion:
    version = m.PlanVersion.objects.filter(is_current=True).select_related("plan").first()
    if version is None:
        raise ExportError("no plan has been imported yet; run `actionplan import PATH` first")
    return version


def all_records(version: m.PlanVersion) -> dict[str, list[list[Value]]]:
    """Every table's records, read once for writing both formats."""
    return {table.name: table_records(table, version) for table in TABLES}


def export_open_data(
    output: Path,
    fmt: str = "csv",
    version: m.PlanVersion | None = None,
    records_by_table: dict[str, list[list[Value]]] | None = None,
) -> ExportResult:
    """Write the files of one format. ``records_by_table`` (from `all_records`): the records
    already read for the other format, which are then not read again."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
    version = version or current_version()
    output.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    for table in TABLES:
        records = (
            records_by_table[table.name]
            if records_by_table is not None
            else table_records(table, version)
        )
        counts[table.name] = len(records)
        if fmt == "csv":
            files[table.filename] = render_csv(table, records)
        else:
            files[f"{table.name}.json"] = render_json(table, records)
    dictionary = data_dictionary_rows()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(dictionary)
    files["data_dictionary.csv"] = buffer.getvalue()
    files["metadata.json"] = (
        json.dumps(
            {
                "title_ja": version.plan.title_ja,
                "title_en": version.plan.title_en,
                "publisher_ja": version.plan.publisher_ja,
                "edition_ja": version.edition_ja,
                "plan_version": version.number,
                "published": f"{version.published_year:04d}-{version.published_month:02d}",
                "generated_at": timezone.now().isoformat(timespec="seconds"),
                "format": fmt,
                "encoding": "UTF-8",
                "license": LICENSE,
                "translation_notice": version.translation_notice,
                "files": sorted(files),
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )

    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=output))
    try:
        for name, content in files.items():
            (staging / name).write_text(content, encoding="utf-8", newline="")
        for name in files:
            (staging / name).replace(output / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(output, sorted(files), counts)
