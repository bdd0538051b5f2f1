"""Reading a plan document (the text extracted from the published PDF) into plain data.

The reader is tolerant of the family of quirks the extraction produces (see DESIGN.md), and
strict about structure: where it cannot make sense of the document it raises
``PlanFormatError`` with the line number and what it expected. Nothing here touches the
database; ``actionplan.plans.actions.import_plan_document`` stores the result.
"""

from __future__ import annotations

import codecs
import datetime
import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .cells import CellError, CellItem, parse_cell
from .text import clean_text, collapse_spaces, fold, join_lines, strip_markdown

UNION = "union"
MEMBERS = "members"


class PlanFormatError(ValueError):
    """The document cannot be read; ``line`` is 1-based (0 when it concerns the whole file)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")


@dataclass
class Period:
    position: int
    fiscal_year_start: int
    fiscal_year_end: int | None
    label: str
    raw_label: str
    line: int


@dataclass
class Action:
    period_position: int
    actor: str
    position: int
    text: str
    group: str
    parent: int | None  # position of the parent action in the same cell
    line: int


@dataclass
class YearTheme:
    period_position: int
    text: str
    line: int


@dataclass
class Figure:
    label: str
    value: Decimal
    unit: str
    as_of_year: int | None
    source: str


@dataclass
class Milestone:
    position: int
    text: str
    group: str
    year: int | None
    month: int | None
    day: int | None
    line: int
    notes: list[str] = field(default_factory=list)
    figure: Figure | None = None


@dataclass
class Partnership:
    position: int
    theme_name: str
    governments: list[str]
    title: str
    date_label: str
    year: int
    month: int
    day: int | None
    source_name: str
    outline: list[str]
    items: list[tuple[int, str]]
    line: int


@dataclass
class Theme:
    position: int
    name: str
    heading: str
    line: int
    desired_state: str = ""
    desired_state_notes: list[str] = field(default_factory=list)
    year_themes: list[YearTheme] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)


@dataclass
class PlanDocument:
    title: str
    edition: str
    published_year: int
    published_month: int
    publisher: str
    future_images: list[str]
    target_states: list[str]
    plan_start_fy: int
    plan_years: int
    periods: list[Period]
    period_note: str
    themes: list[Theme]
    partnerships: list[Partnership]
    appendix_note: list[str]
    encoding: str
    checksum: str  # of the normalized text (see normalized_text)
    line_count: int
    # Of the text as decoded, which earlier releases stored: finds their versions again.
    legacy_checksum: str = ""
    # The paragraphs under 「アクションプランについて」: why and when the plan was written.
    introduction: list[str] = field(default_factory=list)


# --- decoding -----------------------------------------------------------------------------------


def decode_document(data: bytes) -> tuple[str, str]:
    """Return the text and the name of the encoding it was written in."""
    if not data.strip():
        raise PlanFormatError(0, "the file is empty; expected a plan document")
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name), name
    if b"\x00" in data:
        raise PlanFormatError(0, "the file is binary (it contains NUL bytes); expected text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line = data[: utf8_error.start].count(b"\n") + 1
    bad_byte = f"undecodable byte 0x{data[utf8_error.start]:02x}"
    if any(byte >= 0x80 for byte in data[: utf8_error.start]):
        # Valid UTF-8 Japanese up to here: a damaged UTF-8 file, not a Shift_JIS one.
        raise PlanFormatError(line, f"the file is UTF-8 up to this line, then has an {bad_byte}")
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        raise PlanFormatError(
            line, f"the file is neither UTF-8 nor Shift_JIS (CP932) text; {bad_byte}"
        ) from None
    if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        raise PlanFormatError(0, "the file is not UTF-8 and holds no Japanese text as CP932")
    return text, "cp932"


# --- the reader ---------------------------------------------------------------------------------

_EDITION = re.compile(r"(\d{4})年(\d{1,2})月(?:改訂|策定|発行)?版?")
_PLAN_SPAN = re.compile(r"[(（](\d{4})年度から(\d+)年間[)）]")
_PERIOD = re.compile(
    r"^\s*(?P<start>\d{4})\s*(?:年度)?\s*(?P<open>[～~〜\-–]\s*(?P<end>\d{4})?)?\s*"
    r"(?P<bracketed>.*?)\s*$"
)
# Angle quotes that Japanese documents use as label brackets although Unicode does not class
# them as opening/closing punctuation (Ps/Pe): <<…>>, ＜…＞, ≪…≫, «…», ‹…›.
_EXTRA_OPENING = "<＜≪«‹"
_EXTRA_CLOSING = ">＞≫»›"
_DATE_PREFIX = re.compile(r"^(\d{4})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?[、,，]")
_FIGURE = re.compile(
    r"^(?P<label>[^：:]+)[：:]\s*(?P<value>[\d,，.]+)\s*(?P<unit>[^\d【\[（(\s]*)\s*"
    r"(?:[【\[](?P<asof>\d{4})年度?[】\]])?\s*(?:[（(]出典[：:]\s*(?P<source>.+)[）)])?\s*$"
)
_AGREEMENT_DATE = re.compile(
    r"^[(（](?P<label>[^：:()（）]*時期)[：:]\s*(?P<year>\d{4})年(?P<month>\d{1,2})月"
    r"(?:(?P<day>\d{1,2})日)?[)）]$"
)
_SOURCE = re.compile(
    r"^[(（](?P<name>[^()（）]*(?:HP|ホームページ|ウェブサイト|Webサイト|サイト))[)）]$"
)
_ITEM_NUMBER = re.compile(r"^[(（](\d+)[)）]\s*(.*)$")
_GOVERNMENT_HEADING = re.compile(r"^【([^】]+)】$")
_LIST_PREFIX = re.compile(r"^\s*(?:-\s*)?(?:[・▶]\s*)?")

ROW_HEADER = "年度"
ROW_YEAR_THEME = "テーマ"


def _row_actor(label: str) -> str | None:
    folded = fold(label)
    if "構成" in folded or "府県市" in folded:
        return MEMBERS
    if "連合" in folded:
        return UNION
    return None


def _list_text(line: str) -> str:
    """A bullet line without its Markdown list residue (`- ・`, `- ▶`, `**`)."""
    return clean_text(_LIST_PREFIX.sub("", strip_markdown(line), count=1))


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def line(self, number: int) -> str:
        return self.lines[number - 1]

    def nonblank(self, start: int, end: int) -> list[int]:
        return [n for n in range(start, end) if self.line(n).strip()]

    def find(self, predicate: object, start: int = 1, end: int | None = None) -> int | None:
        stop = len(self.lines) + 1 if end is None else end
        for n in range(start, stop):
            if predicate(self.line(n)):  # type: ignore[operator]
                return n
        return None


def read_plan_document(data: bytes) -> PlanDocument:
    text, encoding = decode_document(data)
    reader = _Reader(text)
    total = len(reader.lines)
    header = reader.nonblank(1, min(total, 40) + 1)
    if not header:
        raise PlanFormatError(1, "expected the plan title on the first lines")
    title = collapse_spaces(reader.line(header[0]))
    edition_line = reader.find(lambda s: _EDITION.search(s) is not None, 1, min(total, 40) + 1)
    if edition_line is None:
        raise PlanFormatError(header[0], "expected an edition line such as '2025年11月改訂版'")
    edition_match = _EDITION.search(reader.line(edition_line))
    if edition_match is None:  # pragma: no cover - found by the same pattern just above
        raise PlanFormatError(edition_line, "expected an edition line")
    if header[0] == edition_line:
        raise PlanFormatError(
            edition_line, "expected the plan title on a line of its own before the edition line"
        )
    edition = collapse_spaces(reader.line(edition_line))
    _check_date(
        edition_line,
        "the edition's date",
        int(edition_match.group(1)),
        int(edition_match.group(2)),
        None,
    )
    publisher_candidates = [n for n in header if n > edition_line]
    publisher = (
        collapse_spaces(reader.line(publisher_candidates[0])) if publisher_candidates else ""
    )

    theme_list_line = reader.find(lambda s: fold(s).startswith("【取組項目】"))
    if theme_list_line is None:
        raise PlanFormatError(0, "expected the list of themes headed 【取組項目】")
    theme_names = _read_bullets(reader, theme_list_line + 1)
    if not theme_names:
        raise PlanFormatError(theme_list_line, "expected theme names as bullets after 【取組項目】")

    future_images, target_states = _read_vision(reader, theme_list_line)
    introduction = _read_introduction(reader, theme_list_line)
    span_line = reader.find(lambda s: _PLAN_SPAN.search(s) is not None, 1, theme_list_line)
    if span_line is None:
        raise PlanFormatError(theme_list_line, "expected the plan period '(YYYY年度からN年間)'")
    span = _PLAN_SPAN.search(reader.line(span_line))
    if span is None:  # pragma: no cover - found by the same pattern just above
        raise PlanFormatError(span_line, "expected the plan period")

    appendix_lines = [
        n
        for n in range(theme_list_line + 1, total + 1)
        if "【" in reader.line(n)[:4] and fold(reader.line(n)).startswith("【appendix】")
    ]
    body_end = appendix_lines[0] if appendix_lines else total + 1

    # Theme sections: a heading line naming a theme of the list, in the list's order.
    themes: list[Theme] = []
    search_from = theme_list_line + len(theme_names) + 1
    for position, name in enumerate(theme_names, start=1):
        heading = reader.find(lambda s, n=name: _is_heading_for(s, n), search_from, body_end)
        if heading is None:
            raise PlanFormatError(
                search_from,
                f"expected a section for the theme '{name}' (listed under 【取組項目】) "
                f"after this line; the file ends at line {total}",
            )
        themes.append(
            Theme(
                position=position, name=name, heading=clean_text(reader.line(heading)), line=heading
            )
        )
        search_from = heading + 1

    periods: list[Period] | None = None
    period_note = ""
    for index, theme in enumerate(themes):
        end = themes[index + 1].line if index + 1 < len(themes) else body_end
        theme_periods, note = _read_theme_section(reader, theme, end)
        period_note = period_note or note
        if periods is None:
            periods = theme_periods
        else:
            _check_same_periods(periods, theme_periods)
    if periods is None:
        raise PlanFormatError(theme_list_line, "expected at least one theme with an action table")
    _canonicalize_labels(periods, themes, reader)

    partnerships, appendix_note = _read_appendix(reader, appendix_lines, themes, total)

    return PlanDocument(
        title=title,
        edition=edition,
        published_year=int(edition_match.group(1)),
        published_month=int(edition_match.group(2)),
        publisher=publisher,
        future_images=future_images,
        target_states=target_states,
        plan_start_fy=int(span.group(1)),
        plan_years=int(span.group(2)),
        periods=periods,
        period_note=period_note,
        themes=themes,
        partnerships=partnerships,
        appendix_note=appendix_note,
        encoding=encoding,
        checksum=hashlib.sha256(normalized_text(text).encode("utf-8")).hexdigest(),
        line_count=total,
        legacy_checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        introduction=introduction,
    )


def normalized_text(text: str) -> str:
    """The text without what no reader sees: line endings, spaces at line ends, blank lines
    at either end. Two files that differ only there are the same edition."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _check_date(line: int, what: str, year: int | None, month: int | None, day: int | None) -> None:
    """A date of year, month or day precision that exists in the calendar; `what` names the
    field in the message ("the development's date")."""
    if year is None:
        return
    written = f"{year}年" + (f"{month}月" if month is not None else "")
    written += f"{day}日" if day is not None else ""
    if month is not None and not 1 <= month <= 12:
        raise PlanFormatError(line, f"{what} '{written}' is not a date: a month is 1 to 12")
    try:
        # A part not given stands for the first; a part given as 0 is checked as written.
        datetime.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        raise PlanFormatError(line, f"{what} '{written}' is not a date of the calendar") from None


_INTRODUCTION_HEADING = "アクションプランについて"


def _read_introduction(reader: _Reader, before: int) -> list[str]:
    """The sentences right under the heading 「アクションプランについて」 (the last such line
    before the theme list, so not the table of contents' entry), up to the first line that is
    not a sentence (the next heading). Optional: an edition without it has no introduction."""
    heading = None
    for n in range(1, before):
        if clean_text(strip_markdown(reader.line(n))) == _INTRODUCTION_HEADING:
            heading = n
    if heading is None:
        return []
    paragraphs: list[str] = []
    for n in reader.nonblank(heading + 1, before):
        text = clean_text(strip_markdown(reader.line(n)))
        if not text.endswith("。"):
            break
        paragraphs.append(text)
    return paragraphs


def _read_bullets(reader: _Reader, start: int) -> list[str]:
    names: list[str] = []
    for n in range(start, len(reader.lines) + 1):
        raw = reader.line(n)
        if not raw.strip():
            if names:
                # A blank line ends the list unless another bullet follows straight after it.
                nxt = reader.nonblank(n, min(n + 2, len(reader.lines) + 1))
                if not nxt or not reader.line(nxt[0]).lstrip().startswith(("-", "・")):
                    break
            continue
        if not raw.lstrip().startswith(("-", "・", "▶")):
            break
        names.append(_list_text(raw))
    return names


def _read_vision(reader: _Reader, end: int) -> tuple[list[str], list[str]]:
    future_images: list[str] = []
    target_states: list[str] = []
    future_line = reader.find(lambda s: "将来像" in s and "」" in s, 1, end)
    if future_line is not None:
        for n in reader.nonblank(future_line + 1, end):
            line = clean_text(reader.line(n))
            if line.startswith("「") and line.endswith("」"):
                future_images.append(line[1:-1])
            elif future_images:
                break
    target_line = reader.find(lambda s: "めざす姿" in s, (future_line or 1), end)
    if target_line is not None:
        for n in reader.nonblank(target_line + 1, end):
            raw = reader.line(n)
            if not raw.lstrip().startswith(("-", "・", "▶")):
                break
            target_states.append(_list_text(raw))
    if not future_images:
        raise PlanFormatError(future_line or 1, "expected the 2040 vision (「将来像」 statements)")
    return future_images, target_states


def _is_heading_for(line: str, name: str) -> bool:
    folded = fold(line)
    target = fold(name)
    if folded == target:
        return True
    # "空飛ぶクルマ・MaaS (Mobility as a Service)": the name with an explanation in brackets.
    return folded.startswith(target) and folded[len(target) :][:1] in ("(", "（")


def _read_theme_section(reader: _Reader, theme: Theme, end: int) -> tuple[list[Period], str]:
    header = reader.find(lambda s: s.split("\t")[0].strip() == ROW_HEADER, theme.line + 1, end)
    if header is None:
        raise PlanFormatError(
            theme.line,
            f"expected an action table (a row starting '{ROW_HEADER}') for the theme "
            f"'{theme.name}' before line {end}",
        )
    action_line = reader.find(lambda s: s.strip().startswith("Action"), theme.line + 1, header)
    desired_end = action_line or header
    _read_desired_state(reader, theme, desired_end)

    note = ""
    for n in reader.nonblank(desired_end, header):
        text = clean_text(reader.line(n))
        if "※" in text:
            note = text[text.index("※") :]

    cells = reader.line(header).split("\t")
    periods = [_read_period(cell, position, header) for position, cell in enumerate(cells[1:], 1)]
    if not periods:
        raise PlanFormatError(header, "expected fiscal-year columns after '年度'")

    rows_seen: set[str] = set()
    row = header + 1
    while row < end and reader.line(row).strip():
        cells = reader.line(row).split("\t")
        label = clean_text(cells[0])
        if len(cells) - 1 != len(periods):
            raise PlanFormatError(
                row,
                f"expected {len(periods)} cells after '{label}' (one per fiscal year), "
                f"found {len(cells) - 1}",
            )
        if fold(label) == fold(ROW_YEAR_THEME):
            kind = ROW_YEAR_THEME
            for period, cell in zip(periods, cells[1:], strict=True):
                text = clean_text(re.sub(r"<[^>]+>", " ", cell))
                if not text:
                    raise PlanFormatError(
                        row, f"expected a headline for {period.fiscal_year_start}"
                    )
                theme.year_themes.append(YearTheme(period.position, text, row))
        else:
            actor = _row_actor(label)
            if actor is None:
                raise PlanFormatError(
                    row, f"expected a row for '関西広域連合' or '構成府県市', found '{label}'"
                )
            kind = actor
            for period, cell in zip(periods, cells[1:], strict=True):
                _add_actions(theme, period, actor, cell, row)
        if kind in rows_seen:
            raise PlanFormatError(row, f"the row '{label}' appears twice in this table")
        rows_seen.add(kind)
        row += 1
    for kind, name in (
        (ROW_YEAR_THEME, "テーマ"),
        (UNION, "関西広域連合"),
        (MEMBERS, "構成府県市"),
    ):
        if kind not in rows_seen:
            raise PlanFormatError(
                row,
                f"expected the row '{name}' in the action table of "
                f"'{theme.name}' (table starts at line {header})",
            )
    _read_milestones(reader, theme, row, end)
    return periods, note


def _read_desired_state(reader: _Reader, theme: Theme, end: int) -> None:
    paragraph: list[str] = []
    for n in reader.nonblank(theme.line + 1, end):
        text = strip_markdown(reader.line(n)).strip()
        if text.startswith(("*", "＊", "※")):
            theme.desired_state_notes.append(clean_text(text.lstrip("*＊")))
        elif paragraph or _is_sentence(text):
            paragraph.append(text)
    if not paragraph:
        raise PlanFormatError(
            theme.line, f"expected the desired state (ありたい姿) of '{theme.name}'"
        )
    theme.desired_state = join_lines(paragraph)


def _is_sentence(text: str) -> bool:
    """Body text, as opposed to a short heading such as '関西のありたい姿'."""
    return any(mark in text for mark in "。、") or len(text) > 20


def _is_opening(char: str) -> bool:
    return unicodedata.category(char) in ("Ps", "Pi") or char in _EXTRA_OPENING


def _is_closing(char: str) -> bool:
    return unicodedata.category(char) in ("Pe", "Pf") or char in _EXTRA_CLOSING


def bracketed_label(text: str) -> str | None:
    """The label inside a pair of brackets of any kind Japanese documents use (〈〉, （）,
    ＜＞, 《》, 【】, [], <<>>, ≪≫ …): one or more opening marks, the label, as many closing
    marks; '' for no text at all, None when the text is not such a label."""
    if not text:
        return ""
    opening = 0
    while opening < len(text) and _is_opening(text[opening]):
        opening += 1
    closing = 0
    while closing < len(text) - opening and _is_closing(text[-1 - closing]):
        closing += 1
    if opening == 0 or opening != closing:
        return None
    label = text[opening : len(text) - closing]
    if any(_is_opening(c) or _is_closing(c) for c in label):
        return None
    return label


def _read_period(cell: str, position: int, line: int) -> Period:
    match = _PERIOD.match(strip_markdown(cell))
    label = bracketed_label(match.group("bracketed")) if match else None
    if match is None or label is None:
        raise PlanFormatError(
            line, f"expected a fiscal year such as '2024 〈万博前〉', found '{cell}'"
        )
    start = int(match.group("start"))
    if match.group("open"):
        end = int(match.group("end")) if match.group("end") else None
    else:
        end = start
    if end is not None and end < start:
        raise PlanFormatError(line, f"the fiscal years in '{cell}' end before they start")
    raw_label = clean_text(label)
    return Period(position, start, end, raw_label, raw_label, line)


def _check_same_periods(expected: list[Period], found: list[Period]) -> None:
    def key(periods: list[Period]) -> list[tuple[int, int | None]]:
        return [(p.fiscal_year_start, p.fiscal_year_end) for p in periods]

    if key(expected) != key(found):
        raise PlanFormatError(
            found[0].line, f"expected the same fiscal years as the table at line {expected[0].line}"
        )


def _canonicalize_labels(periods: list[Period], themes: list[Theme], reader: _Reader) -> None:
    """Give each period the label most tables use; a misspelt one (≪現状・博開催≫) is corrected."""
    for period in periods:
        counts: Counter[str] = Counter()
        for theme in themes:
            header = theme.year_themes[0].line - 1 if theme.year_themes else None
            if header is None:
                continue
            cells = reader.line(header).split("\t")
            counts[_read_period(cells[period.position], period.position, header).raw_label] += 1
        best, _ = counts.most_common(1)[0]
        for label in counts:
            if label != best and difflib.SequenceMatcher(None, label, best).ratio() < 0.6:
                raise PlanFormatError(
                    period.line,
                    f"tables disagree on the label of {period.fiscal_year_start}: "
                    f"'{label}' and '{best}'",
                )
        period.label = best


def _add_actions(theme: Theme, period: Period, actor: str, cell: str, line: int) -> None:
    try:
        items: list[CellItem] = parse_cell(cell)
    except CellError as exc:
        raise PlanFormatError(line, str(exc)) from None
    if not items:
        raise PlanFormatError(
            line, f"expected at least one action for {period.fiscal_year_start} ({actor})"
        )
    for position, item in enumerate(items, start=1):
        theme.actions.append(
            Action(
                period_position=period.position,
                actor=actor,
                position=position,
                text=item.text,
                group=item.group,
                parent=None if item.parent is None else item.parent + 1,
                line=line,
            )
        )


def _read_milestones(reader: _Reader, theme: Theme, start: int, end: int) -> None:
    heading = reader.find(lambda s: fold(s).endswith("関西の動き"), start, end)
    if heading is None:
        return
    group = ""
    for n in reader.nonblank(heading + 1, end):
        raw = reader.line(n)
        text = _list_text(raw)
        if not text:
            continue
        if re.fullmatch(r"【[^】]+】", text):
            group = clean_text(text[1:-1])
            continue
        is_item = raw.lstrip().startswith(("-", "・"))
        last = theme.milestones[-1] if theme.milestones else None
        if text.startswith("※"):
            if last is None:
                raise PlanFormatError(n, "expected a development before this note")
            last.notes.append(text)
            continue
        if not is_item:
            if last is None:
                raise PlanFormatError(n, "expected a development ('- …') before this line")
            figure = _read_figure(text)
            if figure is not None and last.figure is None:
                last.figure = figure
            else:
                last.text = join_lines([last.text, text])
            continue
        date = _DATE_PREFIX.match(text)
        year = month = day = None
        if date:
            year = int(date.group(1))
            month = int(date.group(2)) if date.group(2) else None
            day = int(date.group(3)) if date.group(3) else None
            _check_date(n, "the development's date", year, month, day)
        theme.milestones.append(
            Milestone(len(theme.milestones) + 1, text, group, year, month, day, n)
        )


def _read_figure(text: str) -> Figure | None:
    match = _FIGURE.match(text)
    if match is None:
        return None
    try:
        value = Decimal(match.group("value").replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    return Figure(
        label=clean_text(match.group("label")),
        value=value,
        unit=clean_text(match.group("unit") or ""),
        as_of_year=int(match.group("asof")) if match.group("asof") else None,
        source=clean_text(match.group("source") or ""),
    )


# --- appendix: partnership agreements -----------------------------------------------------------


@dataclass
class _Block:
    """An agreement being read: its lines gathered until the next heading."""

    line: int
    theme: str
    governments: str
    source: str
    stage: str = "title"  # title → after_date → outline → items
    title: list[str] = field(default_factory=list)
    date: re.Match[str] | None = None
    date_line: int = 0
    outline: list[str] = field(default_factory=list)
    items: list[tuple[int, str]] = field(default_factory=list)


def _read_appendix(
    reader: _Reader, appendix_lines: list[int], themes: list[Theme], total: int
) -> tuple[list[Partnership], list[str]]:
    partnerships: list[Partnership] = []
    intro: list[str] = []
    if not appendix_lines:
        return partnerships, intro
    current_theme = ""
    pending_source = ""
    block: _Block | None = None
    labels = _theme_labels(themes)

    def finish(next_line: int) -> None:
        nonlocal block
        if block is not None:
            partnerships.append(_finish_partnership(block, len(partnerships) + 1, next_line))
            block = None

    bounds = [*appendix_lines, total + 1]
    for page_start, page_end in zip(bounds, bounds[1:], strict=False):
        finish(page_start)
        in_intro = True
        for n in reader.nonblank(page_start + 1, page_end):
            raw = strip_markdown(reader.line(n)).strip()
            text = clean_text(raw)
            source = _SOURCE.match(text)
            named = _theme_named(text, labels)
            if named is not None:
                finish(n)
                current_theme = named
                in_intro = False
                continue
            heading = _GOVERNMENT_HEADING.match(text)
            if heading:
                finish(n)
                if not current_theme:
                    raise PlanFormatError(n, "expected a theme name before this agreement")
                block = _Block(n, current_theme, heading.group(1), pending_source)
                pending_source = ""
                in_intro = False
                continue
            if in_intro:
                if not source and not intro_has(intro, text):
                    intro.append(text)
                continue
            if block is None:
                if source:
                    pending_source = source.group("name")
                    continue
                raise PlanFormatError(n, "expected an agreement heading such as 【大阪府】")
            if source and block.source and block.stage == "items":
                pending_source = source.group("name")  # printed above the next agreement
            else:
                _read_block_line(block, n, raw, text, source)
    finish(total + 1)
    return partnerships, intro


def _read_block_line(
    block: _Block, n: int, raw: str, text: str, source: re.Match[str] | None
) -> None:
    if source:
        block.source = source.group("name")
        return
    date = _AGREEMENT_DATE.match(text)
    if date and block.stage == "title":
        block.date, block.date_line = date, n
        block.stage = "after_date"
    elif fold(text) == "outline":
        block.stage = "outline"
    elif text == "連携内容":
        block.stage = "items"
    elif block.stage == "title":
        block.title.append(text)
    elif block.stage == "outline":
        block.outline.append(text)
    elif block.stage == "items":
        item = _ITEM_NUMBER.match(_list_text(raw))
        if item is None:
            raise PlanFormatError(n, "expected a numbered content item such as '- (1) …'")
        block.items.append((int(item.group(1)), clean_text(item.group(2))))
    else:
        raise PlanFormatError(n, "expected 'OUTLINE' after the agreement's date")


def _theme_labels(themes: list[Theme]) -> dict[str, str]:
    """Folded labels that name a theme in the appendix: its name, its heading, or one of the
    parts of its name (「空飛ぶクルマ」 for 空飛ぶクルマ・MaaS); whole names win."""
    labels: dict[str, str] = {}
    for theme in themes:
        for part in re.split(r"[・/／]", theme.name):
            labels.setdefault(fold(part), theme.name)
    for theme in themes:
        labels[fold(theme.name)] = theme.name
        labels[fold(theme.heading)] = theme.name
    return labels


def _theme_named(text: str, labels: dict[str, str]) -> str | None:
    """The theme a short sub-heading names."""
    if len(text) > 30 or text.endswith("。"):
        return None
    return labels.get(fold(text))


def intro_has(intro: list[str], text: str) -> bool:
    return any(fold(text) == fold(existing) for existing in intro)


def _finish_partnership(block: _Block, position: int, end: int) -> Partnership:
    line = block.line
    if not block.title:
        raise PlanFormatError(line, "expected the agreement's title after its heading")
    date = block.date
    if date is None:
        raise PlanFormatError(
            line, "expected a date line such as '(締結時期：2025年9月10日)' after the title"
        )
    if not block.outline:
        raise PlanFormatError(line, "expected an OUTLINE paragraph for this agreement")
    if not block.items:
        raise PlanFormatError(
            end - 1, f"expected the numbered items of 連携内容 for the agreement at line {line}"
        )
    _check_date(
        block.date_line,
        f"the agreement's date ({date.group('label')})",
        int(date.group("year")),
        int(date.group("month")),
        int(date.group("day")) if date.group("day") else None,
    )
    numbers = [number for number, _ in block.items]
    if numbers != list(range(1, len(numbers) + 1)):
        raise PlanFormatError(line, f"expected items numbered 1..{len(numbers)}, found {numbers}")
    return Partnership(
        position=position,
        theme_name=block.theme,
        governments=[
            clean_text(g) for g in re.split(r"[、・,，/／]", block.governments) if g.strip()
        ],
        title=join_lines(block.title),
        date_label=date.group("label"),
        year=int(date.group("year")),
        month=int(date.group("month")),
        day=int(date.group("day")) if date.group("day") else None,
        source_name=block.source,
        outline=block.outline,
        items=block.items,
        line=line,
    )
