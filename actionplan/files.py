"""Files that follow the database transaction: an uploaded file becomes visible under its final
name only when the row that points to it is committed.

``CommitStagedStorage._save`` writes the upload to a temporary name beside its final place,
fsyncs it, and renames it into place in ``transaction.on_commit``. Inside ``staged_files()``, a
failure removes what was staged, so neither a rolled-back row nor a full disk leaves a file
behind; ``storing_files()`` adds the one answer to a storage fault (``FilesNotStored``, which
views answer with 503 and ``Retry-After``). A crash between the write and the commit leaves only
a ``.partial-`` file, and a deleted row its file: ``sweep_unreferenced_files`` removes both.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone

PARTIAL_PREFIX = ".partial-"
# Seconds a client is asked to wait before sending files again after a storage fault: time for
# someone to free space or remount the folder, not a blip that an immediate retry would get past.
STORAGE_RETRY_AFTER_SECONDS = 300

logger = logging.getLogger(__name__)

_staged = threading.local()


def _pending() -> list[str]:
    if not hasattr(_staged, "paths"):
        _staged.paths = []
    paths: list[str] = _staged.paths
    return paths


@contextlib.contextmanager
def staged_files() -> Iterator[None]:
    """Around a transaction that stores files: if it fails, the files it staged are removed."""
    mark = len(_pending())
    try:
        yield
    except BaseException:
        for path in _pending()[mark:]:
            Path(path).unlink(missing_ok=True)
        del _pending()[mark:]
        raise


class FilesNotStored(Exception):  # noqa: N818 - a state of the server, answered as 503
    """The server could not write the files (a full disk, a read-only folder): the transaction
    was rolled back and what it had staged removed, so nothing of the request was stored."""


@contextlib.contextmanager
def storing_files(what: str) -> Iterator[None]:
    """``staged_files()`` around a transaction that stores files, with a storage fault logged
    (naming ``what``) and raised as ``FilesNotStored``."""
    try:
        with staged_files():
            yield
    except OSError as error:
        logger.error("%s not stored: %s", what, type(error).__name__)
        raise FilesNotStored(what) from error


class CommitStagedStorage(FileSystemStorage):
    """A file system storage whose new files appear only when the transaction commits.

    Names are random (the original name is kept in the row), so that two uploads staged at the
    same time can never be given the same final name.
    """

    def _save(self, name: str, content: Any) -> str:
        directory = os.path.dirname(name)
        suffix = Path(name).suffix.lower()[:10]
        final = os.path.join(directory, f"{secrets.token_hex(16)}{suffix}")
        full = self.path(final)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(full), prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if connection.in_atomic_block:
            _pending().append(temporary)
            transaction.on_commit(lambda: _publish(temporary, full))
        else:
            _publish(temporary, full)
        return final.replace("\\", "/")


def _publish(temporary: str, final: str) -> None:
    os.replace(temporary, final)
    with contextlib.suppress(ValueError):
        _pending().remove(temporary)


def sweep_unreferenced_files(
    root: Path, referenced: Iterable[str], older_than: datetime.timedelta
) -> int:
    """Remove the files under ``root`` that no row points to (``referenced``: names relative to
    ``root``) — staged for a transaction that never committed (a crashed process) or left by a
    deleted row — last changed longer ago than ``older_than``; returns how many. Younger files
    are left alone: their transaction may still commit."""
    if not root.is_dir():
        return 0
    known = set(referenced)
    limit = (timezone.now() - older_than).timestamp()
    removed = 0
    for path in root.rglob("*"):
        if not path.is_file() or path.stat().st_mtime >= limit:
            continue
        if path.name.startswith(PARTIAL_PREFIX) or path.relative_to(root).as_posix() not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def private_download(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """An uploaded file handed to someone allowed to see it: always as a download under the
    name it was uploaded with, never rendered by the browser (``sandbox``, ``nosniff``) and never
    kept by a cache on the way."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
