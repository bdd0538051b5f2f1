"""What an attachment really is, judged by its content and never by its name.

The `filetype` library reads the magic bytes. Office Open XML files are zip archives, so a zip is
accepted only when it carries the `[Content_Types].xml` part that every OOXML package has, and
its type is taken from the package's main folder.
"""

from __future__ import annotations

import zipfile
from typing import IO

import filetype  # type: ignore[import-untyped]

# MIME type → the extension the download gets (the proposer's file name is kept separately).
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
_OOXML_BY_FOLDER = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_ZIP_TYPES = frozenset({"application/zip", *(_OOXML_BY_FOLDER.values())})
# Enough for every signature filetype knows, including the OLE sub-type checks.
_HEAD_BYTES = 8192


def _ooxml_type(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, mime in _OOXML_BY_FOLDER.items():
        if any(name.startswith(folder) for name in names):
            return mime
    return None


def detect_content_type(stream: IO[bytes]) -> str | None:
    """The allowed MIME type of the file's content, or None when it is not one we accept."""
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime in _ZIP_TYPES:
        mime = _ooxml_type(stream)
        stream.seek(0)
    return mime if mime in ALLOWED_TYPES else None
