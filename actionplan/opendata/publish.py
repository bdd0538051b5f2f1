"""The published open data: the export, its Excel copies, the data package and one ZIP, built
into ``OPENDATA_ROOT/<digest of the data stamp>/`` and reused until the data changes.

Building is a job of the task queue (``jobs.py``): after an activation, on staff request, and
when a request finds the files older than the data. Until the job has finished, requests are
answered from the newest complete build (the previous files), so a build that is slow or fails
never holds up or breaks a download; only when no build exists at all is the answer a 503
"being prepared". Several workers may build at once: each builds in a private directory and
renames it into place; a rename that loses the race is simply thrown away. Only complete
directories are ever visible under their final name.
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

from .export import current_version, export_open_data
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


class Preparing(Exception):  # noqa: N818 - a state, answered as 503 with Retry-After
    """No build of the open data exists yet; the first one has been started."""


def _current_directory() -> tuple[str, Path]:
    stamp = data_stamp()
    return stamp, _root() / hashlib.sha256(stamp.encode()).hexdigest()[:20]


def build_current() -> Publication:
    """Build the files of the data as it is now, unless they exist (the job's work)."""
    stamp, directory = _current_directory()
    if not (directory / MANIFEST).exists():
        modified = datetime.datetime.fromtimestamp(int(stamp_time(stamp)), tz=datetime.UTC)
        _build(directory, current_version(), modified)
        _prune(directory)
    return _read(directory)


def _newest_build() -> Path | None:
    builds = [
        p
        for p in _root().iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()
    ]
    return max(builds, key=lambda p: p.stat().st_mtime, default=None)


def current_publication() -> Publication:
    """The files to serve: those of the current data, else (while their build job runs, or
    after it failed) the newest complete build."""
    _stamp, directory = _current_directory()
    if not (directory / MANIFEST).exists():
        from .jobs import build_in_background

        build_in_background()  # in the embedded `immediate` mode, done on return
        if not (directory / MANIFEST).exists():
            directory = _newest_build() or directory
            if not (directory / MANIFEST).exists():
                raise Preparing
    return _read(directory)


def _read(directory: Path) -> Publication:
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
        result = export_open_data(staging, "csv", version)
        json_dir = staging / ".json"
        export_open_data(json_dir, "json", version)
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
