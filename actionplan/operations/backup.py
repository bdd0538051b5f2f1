"""Backups: a consistent copy of the database with the uploaded files, and its restore.

A backup is a folder:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy even while the app writes,
  which copying the file with ``cp`` is not) or ``database.dump`` (``pg_dump --format=custom``);
- ``media/`` (``MEDIA_ROOT``) and, when it lies outside it, ``attachments/``
  (``PROPOSAL_ATTACHMENT_ROOT``): a database without its files makes every download fail;
- ``manifest.json``: the SHA-256 and size of every file, and the number of rows of every table
  as they are in the copied database, so that a restore can prove it brought back every record.

On PostgreSQL the rows are counted in a read-only transaction whose snapshot ``pg_dump`` then
dumps (``--snapshot``), so the counts and the dump describe the same moment.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what and where."""


@dataclass(frozen=True)
class Summary:
    folder: Path
    records: int
    files: int


def file_areas() -> dict[str, Path]:
    """The folders of uploaded files, by their name inside a backup."""
    media = Path(settings.MEDIA_ROOT).resolve()
    areas = {"media": media}
    attachments = Path(settings.PROPOSAL_ATTACHMENT_ROOT).resolve()
    if not attachments.is_relative_to(media):
        areas["attachments"] = attachments
    return areas


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def _tables() -> dict[str, str]:
    """Every table of the project's models (history models included), by model label."""
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _count_rows(cursor: Any, tables: dict[str, str], quote: Any) -> dict[str, int]:
    counts = {}
    for label, table in sorted(tables.items()):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - model table names
        counts[label] = int(cursor.fetchone()[0])
    return counts


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: no password on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} not found: install the PostgreSQL client of the server's major "
            "version (Debian: postgresql-client)"
        ) from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()}") from None


def _raw_sqlite() -> sqlite3.Connection:
    # Django's own connection: it knows how to open the configured file (or a test's
    # in-memory database) with the project's options.
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)  # noqa: S101 - the engine was checked
    return raw


def _backup_sqlite(target: Path) -> dict[str, int]:
    copy = sqlite3.connect(str(target))
    try:
        _raw_sqlite().backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        counts = _count_rows(copy.cursor(), _tables(), lambda name: f'"{name}"')
    finally:
        copy.close()
    return counts


def _backup_postgresql(target: Path) -> dict[str, int]:
    import psycopg

    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_rows(cursor, _tables(), connection.ops.quote_name)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                _pg_environment(),
            )
        raw.rollback()
    finally:
        raw.close()
    return counts


def create_backup(folder: Path) -> Summary:
    """Write a backup of the database and the uploaded files into a new or empty folder."""
    engine = _engine()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not empty; a backup goes into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    database_file = SQLITE_FILE if engine == "sqlite" else POSTGRES_FILE
    try:
        if engine == "sqlite":
            records = _backup_sqlite(folder / database_file)
        else:
            records = _backup_postgresql(folder / database_file)
        # After the database: every file its rows name was written before the row was.
        areas = file_areas()
        for name, root in areas.items():
            for path in _walk(root):
                destination = folder / name / path.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
        files = {
            path.relative_to(folder).as_posix(): {
                "sha256": _sha256(path),
                "size": path.stat().st_size,
            }
            for path in _walk(folder)
        }
        manifest = {
            "format": FORMAT,
            "created": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
            "actionplan": _version(),
            "engine": engine,
            "database": database_file,
            "areas": sorted(areas),
            "records": records,
            "files": files,
        }
        (folder / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except BaseException:
        # Never leave a folder that looks like a backup but is not one.
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Summary(folder, sum(records.values()), len(files))


def _version() -> str:
    try:
        return version("actionplan")
    except PackageNotFoundError:
        return "unknown"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists against its checksum."""
    path = folder / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: no manifest, this is not a backup folder") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{path}: the manifest is damaged ({error})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise BackupError(f"{file}: missing from the backup")
        if file.stat().st_size != expected["size"] or _sha256(file) != expected["sha256"]:
            raise BackupError(f"{file}: damaged (its checksum differs from the manifest)")
    if manifest["database"] not in manifest["files"]:
        raise BackupError(f"{path}: the manifest lists no database file")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_sqlite(source: Path) -> None:
    backup = sqlite3.connect(str(source))
    try:
        backup.backup(_raw_sqlite())
    finally:
        backup.close()


def _restore_postgresql(source: Path) -> None:
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(source),
        ],
        _pg_environment(),
    )


def restore_backup(folder: Path) -> Summary:
    """Bring a backup back into an empty database and the configured file folders."""
    manifest = read_manifest(folder)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"{folder} holds a {manifest['engine']} database; the configured one is {engine}"
        )
    if not _database_is_empty():
        raise BackupError(
            "the configured database is not empty: restore into a new, empty database"
        )
    areas = file_areas()
    missing = sorted(set(manifest["areas"]) - set(areas))
    if missing:
        raise BackupError(
            f"the backup has files for {', '.join(missing)}, which lies inside MEDIA_ROOT here"
        )
    copies = []
    for name, expected in manifest["files"].items():
        area, _, rest = name.partition("/")
        if area not in manifest["areas"]:
            continue
        destination = areas[area] / rest
        if destination.exists() and _sha256(destination) != expected["sha256"]:
            raise BackupError(f"{destination} exists with other content; nothing was restored")
        copies.append((folder / name, destination))

    database = folder / manifest["database"]
    if engine == "sqlite":
        _restore_sqlite(database)
    else:
        _restore_postgresql(database)
    for source, destination in copies:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)

    expected_records: dict[str, int] = manifest["records"]
    # Tables this release has that the backup's did not are left to `actionplan migrate`.
    tables = {label: t for label, t in _tables().items() if label in expected_records}
    with connection.cursor() as cursor:
        restored = _count_rows(cursor, tables, connection.ops.quote_name)
    wrong = {
        label: (count, restored.get(label))
        for label, count in expected_records.items()
        if restored.get(label) != count
    }
    if wrong:
        details = ", ".join(f"{k}: {v[0]} expected, {v[1]} found" for k, v in sorted(wrong.items()))
        raise BackupError(f"the restored database differs from the backup: {details}")
    return Summary(folder, sum(restored.values()), len(copies))
