"""Text that a spreadsheet program would run as a formula, made inert for every file we write
for spreadsheets (the open data's Excel copies, the progress workbooks).

OWASP's advice against CSV/formula injection: a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, which Excel and LibreOffice show
as a text marker and do not evaluate. One list for every writer, so that no file is safer than
another.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text as stored, from a cell ``neutralise`` wrote (a workbook coming back)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
