"""Reading one action-table cell into items, as a reader of the PDF sees them.

A cell arrives in one of the forms the PDF extraction produces:

* ``<ul …>`` lists without ``<li>``: items separated only by spaces, sub-items starting with
  ``▶`` after a nested (never closed) ``<ul …>``;
* the same lists with ``・`` bullets instead of bare spaces;
* ``【group】`` headings followed by ``・`` bullets;
* proper ``<li>`` lists, which a cleaner extraction would give.

The result is a flat list of items, each with its group and the index of its parent item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .text import (
    NO_START,
    TRAILING_QUALIFIERS,
    bracket_depth,
    clean_text,
    has_japanese,
    is_latin,
    strip_markdown,
)

BULLET = "・"
SUB_MARK = "▶"
_TAG = re.compile(r"</?(ul|ol)\b[^>]*>", re.IGNORECASE)
_MARKER = re.compile(r"(?:^|(?<=\s))・|▶|(?:^|(?<=\s))【[^】]+】(?=\s*(?:・|▶|$))")


@dataclass
class CellItem:
    text: str
    group: str = ""
    parent: int | None = None  # index in the cell's item list


class CellError(ValueError):
    pass


def parse_cell(raw: str) -> list[CellItem]:
    text = strip_markdown(raw).strip()
    if not text:
        return []
    if re.search(r"<li\b", text, re.IGNORECASE):
        return _parse_html_list(text)
    text = _TAG.sub(" ", text)
    if "<" in text and re.search(r"</?[a-z]+\b", text, re.IGNORECASE):
        raise CellError(f"unexpected markup in cell: {text[:40]}")
    return _parse_flat(text)


def _parse_flat(text: str) -> list[CellItem]:
    bullet_mode = re.search(r"(?:^|\s)・", text) is not None
    items: list[CellItem] = []
    group = ""
    pos = 0
    pending: str | None = None  # the marker that opened the current run
    for match in _MARKER.finditer(text):
        _emit(text[pos : match.start()], pending, bullet_mode, group, items)
        marker = match.group(0)
        if marker.startswith("【"):
            group = clean_text(marker[1:-1])
            pending = None
        else:
            pending = marker
        pos = match.end()
    _emit(text[pos:], pending, bullet_mode, group, items)
    return items


def _last_top(items: list[CellItem], group: str) -> int | None:
    for index in range(len(items) - 1, -1, -1):
        if items[index].parent is None:
            return index if items[index].group == group else None
    return None


def _emit(
    run: str,
    marker: str | None,
    bullet_mode: bool,
    group: str,
    items: list[CellItem],
) -> None:
    if not run.strip():
        return
    if bullet_mode:
        pieces = [clean_text(run)]
    else:
        pieces = split_items(run)
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        if marker == SUB_MARK and i == 0:
            last_top = _last_top(items, group)
            if last_top is None:
                raise CellError(f"sub-item without an item before it: {piece[:40]}")
            items.append(CellItem(text=piece, group=group, parent=last_top))
        else:
            items.append(CellItem(text=piece, group=group))


def _joins(left: str, right: str) -> bool:
    """Whether two space-separated runs belong to the same item."""
    if bracket_depth(left) > 0:
        return True
    if right in TRAILING_QUALIFIERS or right[0] in NO_START:
        return True
    if left[-1] in "、・" or left[-1] in "「（(『［[【":
        return True
    if is_latin(left[-1]) and is_latin(right[0]):
        return True
    # A run of Latin words alone is never an item: it begins the one after it ("Beyond 5G 関連…").
    return not has_japanese(left)


def split_items(run: str) -> list[str]:
    """Split a run of items separated only by spaces."""
    words = run.split()
    if not words:
        return []
    items: list[list[str]] = [[words[0]]]
    for word in words[1:]:
        if _joins(" ".join(items[-1]), word):
            items[-1].append(word)
        else:
            items.append([word])
    return [clean_text(" ".join(words)) for words in items]


class _ListParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[CellItem] = []
        self.depth = 0
        self.stack: list[int] = []  # index of the open item at each depth
        self.buffer: list[str] = []
        self.open_item = False

    def _flush(self) -> None:
        if self.open_item:
            text = clean_text("".join(self.buffer).lstrip(BULLET + SUB_MARK))
            if text:
                parent = self.stack[self.depth - 2] if self.depth >= 2 else None
                self.items.append(CellItem(text=text, parent=parent))
                while len(self.stack) < self.depth:
                    self.stack.append(-1)
                self.stack[self.depth - 1] = len(self.items) - 1
        self.buffer = []
        self.open_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self._flush()
            self.depth += 1
        elif tag == "li":
            self._flush()
            self.open_item = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            self._flush()
            self.depth = max(0, self.depth - 1)
        elif tag == "li":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.open_item:
            self.buffer.append(data)


def _parse_html_list(text: str) -> list[CellItem]:
    parser = _ListParser()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.items
