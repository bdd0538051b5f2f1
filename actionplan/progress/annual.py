"""The annual follow-up report of a fiscal year: accepted reports only, per theme, in Japanese;
as an XLSX workbook and as print-ready A4 pages."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from actionplan.plans.fiscal import fiscal_year_label
from actionplan.plans.models import Action, MemberGovernment, PlanVersion, Theme

from . import queries
from .excel import write_cell
from .models import ProgressReport, ReviewState


@dataclass
class ActionLine:
    action: Action
    reports: list[ProgressReport]


@dataclass
class ThemeSection:
    theme: Theme
    rollup: queries.RollUp
    lines: list[ActionLine] = field(default_factory=list)
    indicators: queries.IndicatorTable | None = None


def sections(version: PlanVersion, fiscal_year: int, theme_code: str = "") -> list[ThemeSection]:
    actions = list(queries.actions_for_year(version, fiscal_year))
    accepted: dict[int, list[ProgressReport]] = {}
    for report in (
        ProgressReport.objects.filter(
            fiscal_year=fiscal_year, state=ReviewState.ACCEPTED, action__version=version
        )
        .select_related("member_government")
        .order_by("member_government__position")
    ):
        accepted.setdefault(report.action_id, []).append(report)
    rollups = dict(
        zip(
            [t.pk for t in Theme.objects.filter(version=version).order_by("position")],
            queries.theme_rollups(version, fiscal_year),
            strict=True,
        )
    )
    result = []
    plan_years = list(range(version.plan_start_fy, version.plan_end_fy + 1))
    themes = Theme.objects.filter(version=version).order_by("position")
    if theme_code:
        themes = themes.filter(code=theme_code)
    for theme in themes:
        lines = [ActionLine(a, accepted.get(a.pk, [])) for a in actions if a.theme_id == theme.pk]
        indicators = queries.indicator_table(
            queries.indicators_of_theme(theme), years=plan_years, until=fiscal_year
        )
        result.append(ThemeSection(theme, rollups[theme.pk], lines, indicators))
    return result


def body_rollups(
    version: PlanVersion, fiscal_year: int
) -> list[tuple[MemberGovernment | None, queries.RollUp]]:
    """Each reporting body (the Union first) with its roll-up, for the per-body table."""
    bodies: list[MemberGovernment | None] = [None, *MemberGovernment.objects.all()]
    return list(zip(bodies, queries.government_rollups(version, fiscal_year), strict=True))


def page_context(version: PlanVersion, fiscal_year: int, theme_code: str = "") -> dict[str, Any]:
    """What the annual report shows: the plan-wide total, one line per reporting body, and
    every theme (or one)."""
    return {
        "year": fiscal_year,
        "year_label": fiscal_year_label(fiscal_year, "ja"),
        "version": version,
        "plan": queries.plan_rollup(version, fiscal_year),
        "bodies": body_rollups(version, fiscal_year),
        "sections": sections(version, fiscal_year, theme_code),
        "sub_item_weight": queries.SUB_ITEM_WEIGHT,
    }


def render_page(version: PlanVersion, fiscal_year: int, theme_code: str = "") -> str:
    """The A4 page as a standalone HTML document (its styles are inline), in Japanese."""
    with translation.override("ja"):
        return render_to_string(
            "progress/annual.html", page_context(version, fiscal_year, theme_code)
        )


class PdfError(Exception):
    """Chromium could not print the page."""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def print_pdf(html: str, target: Path, chromium: str, timeout: int = 120) -> None:
    """Print a standalone HTML page to ``target`` with headless Chromium, which honours the
    page's ``@page { size: A4 }`` and its page breaks, and embeds the fonts it used (the
    Japanese text needs a CJK font such as Noto Sans CJK JP, Debian's fonts-noto-cjk)."""
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "page.html"
        page.write_text(html, encoding="utf-8")
        target.unlink(missing_ok=True)
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target.resolve()}",
            page.as_uri(),
        ]
        try:
            # The arguments are ours: a browser path and two files we created.
            result = subprocess.run(  # noqa: S603
                command, capture_output=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{chromium}: {exc}") from exc
        if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            message = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise PdfError(f"{chromium} printed no PDF: {' '.join(message)}")


def pdf_bytes(html: str, chromium: str, timeout: int = 120) -> bytes:
    """The page printed to PDF, for a download that needs no file on the server."""
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "annual.pdf"
        print_pdf(html, target, chromium, timeout)
        return target.read_bytes()


HEADERS = [
    ("テーマ", 16),
    ("年度区分", 12),
    ("実施主体", 12),
    ("取組", 50),
    ("報告主体", 14),
    ("状況", 10),
    ("進捗率（%）", 10),
    ("取組内容", 60),
    ("根拠資料", 36),
]


def _header_row(ws: Worksheet, headers: list[tuple[str, int]]) -> None:
    """Bold column titles in the first row, with the columns' widths."""
    for column, (header, width) in enumerate(headers, start=1):
        write_cell(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = width


def build_annual_workbook(version: PlanVersion, fiscal_year: int) -> bytes:
    wb = Workbook()
    summary = wb.active
    if summary is None:  # a new Workbook always has one sheet
        summary = wb.create_sheet()
    summary.title = "概要"
    write_cell(summary, 1, 1, f"{fiscal_year_label(fiscal_year)} 進捗フォローアップ報告")
    summary.cell(row=1, column=1).font = Font(bold=True, size=14)
    write_cell(summary, 2, 1, version.plan.title_ja + " " + version.edition_ja)
    write_cell(summary, 4, 1, "テーマ")
    write_cell(summary, 4, 2, "進捗（%）")
    write_cell(summary, 4, 3, "報告のある取組")
    write_cell(summary, 4, 4, "対象の取組")
    plan_sections = sections(version, fiscal_year)
    row = 5
    for section in plan_sections:
        write_cell(summary, row, 1, section.theme.name_ja)
        summary.cell(row=row, column=2).value = (
            float(section.rollup.score) if section.rollup.score is not None else None
        )
        summary.cell(row=row, column=3).value = section.rollup.counted
        summary.cell(row=row, column=4).value = section.rollup.total
        row += 1
    write_cell(
        summary,
        row + 1,
        1,
        "集計: 完了=100、実施中・継続実施・見直し=進捗率、未着手=0、中止は除外。"
        f"取組の重み 1、▶の小項目 {queries.SUB_ITEM_WEIGHT}。承認済みの報告のみ。",
    )
    summary.column_dimensions["A"].width = 30
    ws = wb.create_sheet("取組別")
    _header_row(ws, HEADERS)
    row = 2
    wrap = Alignment(wrap_text=True, vertical="top")
    for section in plan_sections:
        for line in section.lines:
            action = line.action
            base: list[object] = [
                section.theme.name_ja,
                action.period.label_ja,
                action.get_actor_display(),
                ("▶ " if action.parent_id else "") + action.text_ja,
            ]
            rows: list[list[object]] = [
                [
                    report.body_name,
                    report.get_status_display(),
                    report.percent,
                    report.narrative_ja,
                    "\n".join(report.evidence_links),
                ]
                for report in line.reports
            ] or [["", "未報告", None, "", ""]]
            for tail in rows:
                values = base + tail
                for column, value in enumerate(values, start=1):
                    write_cell(ws, row, column, value)
                    ws.cell(row=row, column=column).alignment = wrap
                row += 1
    ws.freeze_panes = "A2"
    if any(section.indicators for section in plan_sections):
        _indicator_sheet(wb, plan_sections)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _indicator_sheet(wb: Workbook, plan_sections: list[ThemeSection]) -> None:
    """One row per indicator, by theme: what it measures, its public values per fiscal year up
    to the report's year (the same values as the A4 page), and its source."""
    years = sorted({y for s in plan_sections if s.indicators for y in s.indicators.years})
    ws = wb.create_sheet("指標")
    headers = [("テーマ", 16), ("指標", 30), ("単位", 8), ("対象", 40)]
    headers += [(fiscal_year_label(year), 14) for year in years] + [("出典", 36)]
    _header_row(ws, headers)
    row = 2
    wrap = Alignment(wrap_text=True, vertical="top")
    for section in plan_sections:
        if not section.indicators:
            continue
        for indicator, cells in section.indicators.lines:
            by_year = dict(zip(section.indicators.years, cells, strict=True))
            target = (
                f"取組 {indicator.action.pk}: {indicator.action.text_ja}"
                if indicator.action
                else "テーマ全体"
            )
            texts = [section.theme.name_ja, indicator.name_ja, indicator.unit, target]
            for column, text in enumerate(texts, start=1):
                write_cell(ws, row, column, text)
                ws.cell(row=row, column=column).alignment = wrap
            for offset, year in enumerate(years, start=len(texts) + 1):
                value = by_year.get(year)
                ws.cell(row=row, column=offset).value = value.value if value else None
            write_cell(ws, row, len(headers), indicator.source)
            row += 1
    ws.freeze_panes = "C2"
