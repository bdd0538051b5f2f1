"""The data stamp: one row in the database that moves whenever published data changes.

Every cached answer is stored with the stamp it was built under and served only while that stamp
is current; every ETag and Last-Modified is derived from it. It lives in the database, not in a
cache, because a cache may evict it (the database cache culls its entries alphabetically, Redis
by memory pressure), and a lost stamp would make every layer stale at once.

The stamp moves inside the writing transaction, so it becomes visible together with the rows, and
once more when that transaction commits (once per transaction), so that an answer built between
the two from rows that a savepoint rolled back can never be served.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from .models import DataStamp
from .prepared import PreparedQuery

# Apps whose rows are published through the portal, the API and the open data files.
WATCHED_APPS = frozenset({"plans", "progress", "partnerships"})
PACKAGE = Path(__file__).resolve().parent.parent
# What a page or an answer is rendered from: code, templates, translations, static files (whose
# hashed names the pages link to).
RENDERING_SUFFIXES = frozenset({".py", ".html", ".mo", ".css", ".js"})
_ROW = 1


def _format(row: DataStamp) -> str:
    return f"{row.changed_at:.6f}-{row.token}"


_STAMP = PreparedQuery(lambda: DataStamp.objects.filter(pk=_ROW).values("changed_at", "token"))


def data_stamp() -> str:
    """The current data stamp: '<unix time of the last change>-<random>' (one query, read on
    every public answer: compiled once, see prepared.py)."""
    row = _STAMP.first()
    if row is None:
        # A database emptied without its migration's row (a flushed test database): start an
        # era from now.
        return _format(_move())
    return f"{row['changed_at']:.6f}-{row['token']}"


def stamp_time(stamp: str) -> float:
    return float(stamp.split("-", 1)[0])


def _move() -> DataStamp:
    row = DataStamp(pk=_ROW, changed_at=time.time(), token=secrets.token_hex(4))
    updated = DataStamp.objects.filter(pk=_ROW).update(changed_at=row.changed_at, token=row.token)
    if not updated:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:  # another process created it in between
            DataStamp.objects.filter(pk=_ROW).update(changed_at=row.changed_at, token=row.token)
    return row


def _move_after_commit() -> None:
    _move()


def touch_data() -> None:
    """Move the stamp now (one UPDATE of one row) and once more when the transaction commits."""
    _move()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        entry[1] is _move_after_commit for entry in connection.run_on_commit
    ):
        transaction.on_commit(_move_after_commit)


def on_data_change(sender: type[Model], **kwargs: Any) -> None:
    if sender._meta.app_label in WATCHED_APPS:
        touch_data()


def on_m2m_change(sender: type, instance: object, **kwargs: object) -> None:
    if isinstance(instance, Model) and instance._meta.app_label in WATCHED_APPS:
        touch_data()


@functools.cache
def release_digest() -> str:
    """A digest of what answers are rendered from (once per process): answers cached or tagged
    by an earlier release are never served, or confirmed with 304, after an upgrade."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in RENDERING_SUFFIXES and "tests" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
