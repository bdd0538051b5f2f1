"""Files that follow the database transaction: an uploaded file becomes visible under its final
name only when the row that points to it is committed.

``CommitStagedStorage._save`` writes the upload to a temporary name beside its final place,
fsyncs it, and renames it into place in ``transaction.on_commit``. Inside ``staged_files()``, a
failure removes what was staged, so neither a rolled-back row nor a full disk leaves a file
behind; a crash between the write and the commit leaves only a ``.partial-`` file, which
``sweep_partial_files`` removes.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone

PARTIAL_PREFIX = ".partial-"

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


def sweep_partial_files(root: Path, older_than: datetime.timedelta) -> int:
    """Remove files staged for a transaction that never committed (a crashed process);
    returns how many."""
    limit = (timezone.now() - older_than).timestamp()
    removed = 0
    for path in root.rglob(f"{PARTIAL_PREFIX}*"):
        if path.is_file() and path.stat().st_mtime < limit:
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
