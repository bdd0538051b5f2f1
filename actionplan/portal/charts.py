"""Charts drawn on the server as plain HTML and CSS bars, from the project's own data.

No script, no library, no image: the bars' lengths are percentages, so the chart reflows to any
screen width and its labels stay text at the reader's font size. A data table gives the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from actionplan.plans import models as m

from . import queries

# Distinguishable for the common colour-vision deficiencies (Okabe–Ito), all ≥ 3:1 on white.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#6a5acd")


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    value: int
    percent: float  # share of the longest bar's length


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    segments: tuple[Segment, ...]
    total: int
    values: tuple[int, ...]
    end_x: float


@dataclass(frozen=True)
class Chart:
    series: tuple[tuple[str, str], ...]  # (label, colour)
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int


def stacked_bars(
    rows: list[tuple[str, list[int]]], series: list[str], *, label_width: int = 170
) -> Chart:
    """Horizontal stacked bars: one bar per row, one segment per series."""
    width, bar_height, gap = 600, 22, 12
    plot = width - label_width - 50
    largest = max((sum(values) for _, values in rows), default=0) or 1
    bars = []
    for index, (label, values) in enumerate(rows):
        x = float(label_width)
        segments = []
        for n, value in enumerate(values):
            w = plot * value / largest
            colour = PALETTE[n % len(PALETTE)]
            percent = round(100 * value / largest, 2)
            segments.append(Segment(round(x, 1), round(w, 1), colour, value, percent))
            x += w
        bars.append(
            Bar(
                label,
                index * (bar_height + gap) + 30,
                tuple(segments),
                sum(values),
                tuple(values),
                round(x + 6, 1),
            )
        )
    height = len(rows) * (bar_height + gap) + 40
    colours = tuple((s, PALETTE[n % len(PALETTE)]) for n, s in enumerate(series))
    return Chart(colours, tuple(bars), width, height, label_width, bar_height)


def actions_chart(version: m.PlanVersion, *, english: bool) -> Chart:
    periods = list(version.periods.order_by("position"))
    series = [
        p.display_en() if english else f"{p.display_ja()} {p.label_ja}".strip() for p in periods
    ]
    rows = [
        ((t.name_en or t.name_ja) if english else t.name_ja, values)
        for t, values in queries.actions_per_theme_and_period(version)
    ]
    return stacked_bars(rows, series)
