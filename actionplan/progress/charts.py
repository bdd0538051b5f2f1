"""An indicator against its target as a chart drawn on the server: an SVG (no script, no inline
style, so the Content-Security-Policy holds) with the yearly values, the baseline, the target
and the expected line between them, and, for the table next to it, the same numbers by year.

The table is the accessible source of the chart; the chart only repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import targets
from .models import Indicator, IndicatorValue

WIDTH = 480
HEIGHT = 250
LEFT = 64  # room for the value labels
RIGHT = 24
TOP = 16
BOTTOM = 56  # room for the year labels and the legend


@dataclass(frozen=True)
class Point:
    year: int
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    label: object  # a year (int) or a value (Decimal)
    x: float
    y: float


@dataclass(frozen=True)
class ChartRow:
    """One fiscal year of the table: the value, the expected value, and whether it is the
    baseline or the target year."""

    year: int
    value: IndicatorValue | None
    expected: Decimal | None
    is_baseline: bool
    is_target: bool


@dataclass(frozen=True)
class IndicatorChart:
    indicator: Indicator
    assessment: targets.Assessment | None
    points: list[Point]
    expected: list[Point]
    baseline: Point | None
    target: Point
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    rows: list[ChartRow]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM

    @property
    def dom_id(self) -> str:
        return f"indicator-chart-{self.indicator.pk}"

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def expected_polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.expected)

    @property
    def target_diamond(self) -> str:
        x, y, r = self.target.x, self.target.y, 7
        return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"

    @property
    def baseline_square(self) -> str:
        if self.baseline is None:
            return ""
        x, y, r = self.baseline.x, self.baseline.y, 5
        corners = ((x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r))
        return " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)

    @property
    def legend_y(self) -> int:
        return self.height - 14


def _scale(low: float, high: float, start: float, end: float, value: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) / (high - low) * (end - start)


def chart_for(indicator: Indicator, by_year: dict[int, IndicatorValue]) -> IndicatorChart | None:
    """The chart of an indicator with a target (value and year), else None."""
    if indicator.target_value is None or indicator.target_year is None:
        return None
    line = targets.expected_line(indicator)
    expected_by_year = dict(line)
    years = set(by_year) | set(expected_by_year) | {indicator.target_year}
    if indicator.baseline_year is not None:
        years.add(indicator.baseline_year)
    first, last = min(years), max(years)
    # From the target year on the expected value is the target itself.
    for year in range(first, last + 1):
        if year > indicator.target_year and line:
            expected_by_year[year] = targets.as_stored(indicator.target_value)
    numbers = [v.value for v in by_year.values()] + [indicator.target_value]
    numbers += list(expected_by_year.values())
    if indicator.baseline_value is not None:
        numbers.append(indicator.baseline_value)
    low, high = float(min(numbers)), float(max(numbers))
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    if min(numbers) >= 0 > low:
        low = 0.0  # counts do not go below zero

    def x(year: int) -> float:
        return _scale(first, last, LEFT + 12, WIDTH - RIGHT - 12, year)

    def y(value: Decimal) -> float:
        return _scale(low, high, HEIGHT - BOTTOM, TOP, float(value))

    def point(year: int, value: Decimal) -> Point:
        return Point(year, value, x(year), y(value))

    points = [point(year, by_year[year].value) for year in sorted(by_year)]
    expected = [point(year, value) for year, value in sorted(expected_by_year.items())]
    baseline = (
        point(indicator.baseline_year, indicator.baseline_value)
        if indicator.baseline_year is not None and indicator.baseline_value is not None
        else None
    )
    target = point(indicator.target_year, indicator.target_value)
    step = max(1, (last - first) // 8 + 1)  # at most about nine year labels
    x_ticks = [Tick(year, x(year), HEIGHT - BOTTOM + 16) for year in range(first, last + 1, step)]
    y_ticks = []
    for share in (0, 0.5, 1):
        value = Decimal(f"{low + (high - low) * share:.3g}")  # three significant digits
        y_ticks.append(Tick(value, LEFT - 6, y(value)))
    rows = [
        ChartRow(
            year,
            by_year.get(year),
            expected_by_year.get(year),
            year == indicator.baseline_year,
            year == indicator.target_year,
        )
        for year in range(first, last + 1)
    ]
    return IndicatorChart(
        indicator=indicator,
        assessment=targets.assess(indicator, by_year),
        points=points,
        expected=expected,
        baseline=baseline,
        target=target,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        rows=rows,
    )
