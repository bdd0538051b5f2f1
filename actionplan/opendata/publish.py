"""The published open data: the export, its Excel copies, the data package and one ZIP, built
on demand into ``OPENDATA_ROOT/<digest of the data stamp>/`` and reused until the data changes.

Several server processes may ask at once: each builds in a private directory and renames it into
place; a rename that loses the race is simply thrown away. Only complete directories are ever
visible under their final name.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from actionplan.plans import models as m
from actionplan.web.stamp import data_stamp, stamp_time

from .export import all_records, current_version, export_open_data
from .package import EXCEL_NOTE_EN, EXCEL_NOTE_JA, datapackage, excel_copy, excel_name
from .schema import TABLES

ZIP_NAME = "actionplan-opendata.zip"
MANIFEST = "manifest.json"
KEEP = 3  # older builds kept for downloads that are still running


@dataclass(frozen=True)
class Publication:
    directory: Path
    version_number: int
    modified: datetime.datetime
    files: tuple[str, ...]
    rows: dict[str, int]

    def path_of(self, name: str) -> Path | None:
        return self.directory / name if name in self.files else None


def _root() -> Path:
    root = Path(settings.OPENDATA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def current_publication() -> Publication:
    stamp = data_stamp()
    directory = _root() / hashlib.sha256(stamp.encode()).hexdigest()[:20]
    if not (directory / MANIFEST).exists():
        modified = datetime.datetime.fromtimestamp(int(stamp_time(stamp)), tz=datetime.UTC)
        _build(directory, current_version(), modified)
        _prune(directory)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    return Publication(
        directory=directory,
        version_number=manifest["plan_version"],
        modified=datetime.datetime.fromisoformat(manifest["modified"]),
        files=tuple(manifest["files"]),
        rows=manifest["rows"],
    )


def _build(directory: Path, version: m.PlanVersion, modified: datetime.datetime) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=directory.parent))
    try:
        records = all_records(version)
        result = export_open_data(staging, "csv", version, records)
        json_dir = staging / ".json"
        export_open_data(json_dir, "json", version, records)
        for table in TABLES:
            (json_dir / f"{table.name}.json").replace(staging / f"{table.name}.json")
            plain = (staging / table.filename).read_text(encoding="utf-8")
            (staging / excel_name(table)).write_text(
                excel_copy(table, plain), encoding="utf-8-sig", newline=""
            )
        shutil.rmtree(json_dir)

        metadata_path = staging / "metadata.json"
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        metadata["excel_copies"] = {
            "files": [excel_name(t) for t in TABLES],
            "encoding": "UTF-8 with BOM",
            "note_ja": EXCEL_NOTE_JA,
            "note_en": EXCEL_NOTE_EN,
        }
        metadata["modified"] = modified.isoformat()
        files = sorted(p.name for p in staging.iterdir() if p.is_file())
        metadata["files"] = sorted([*files, "datapackage.json"])
        metadata_path.write_text(
            json.dumps(metadata, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        descriptor = datapackage(version, modified.isoformat(), result.rows)
        (staging / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        files = sorted(p.name for p in staging.iterdir() if p.is_file())
        with zipfile.ZipFile(staging / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in files:
                archive.write(staging / name, f"actionplan-opendata/{name}")
        (staging / MANIFEST).write_text(
            json.dumps(
                {
                    "plan_version": version.number,
                    "modified": modified.isoformat(),
                    "files": [*files, ZIP_NAME],
                    "rows": result.rows,
                }
            ),
            encoding="utf-8",
        )
        try:
            staging.rename(directory)
        except OSError:
            if not (directory / MANIFEST).exists():
                raise
            # Another process published the same data first; its copy is as good as ours.
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _prune(current: Path) -> None:
    builds = sorted(
        (p for p in current.parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP:]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
