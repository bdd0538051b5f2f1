"""Whether an indicator is on track towards its target.

The rule: the expected value of a year lies on the straight line from the baseline (value, year)
to the target (value, year). The latest value counts:

- on track: at or beyond the expected value of its year (beyond = above when up is good,
  below when down is good);
- at risk: short of it by at most a quarter of the whole way from baseline to target;
- off track: short by more.

From the target year on, the expected value is the target itself. No status without a baseline,
a target (with a target year after the baseline year) and a value after the baseline year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Direction, Indicator, IndicatorValue

AT_RISK_SHARE = Decimal("0.25")

# Expected values are written like the stored baseline and target: with the decimal places of
# the model's field (1017.5 → 1017.5000), whoever shows them (API, pages, charts).
EXPECTED_QUANTUM = Decimal(1).scaleb(-Indicator._meta.get_field("baseline_value").decimal_places)


def as_stored(value: Decimal) -> Decimal:
    return value.quantize(EXPECTED_QUANTUM, rounding=ROUND_HALF_UP)


class TargetStatus(models.TextChoices):
    ON_TRACK = "on_track", _("順調")
    AT_RISK = "at_risk", _("要注意")
    OFF_TRACK = "off_track", _("遅れ")


@dataclass(frozen=True)
class Assessment:
    status: TargetStatus
    year: int
    value: Decimal
    expected: Decimal


def expected_value(indicator: Indicator, year: int) -> Decimal | None:
    base, target = indicator.baseline_value, indicator.target_value
    base_year, target_year = indicator.baseline_year, indicator.target_year
    if base is None or target is None or base_year is None or target_year is None:
        return None
    if target_year <= base_year:
        return None
    if year >= target_year:
        return as_stored(target)
    share = Decimal(year - base_year) / Decimal(target_year - base_year)
    return as_stored(base + (target - base) * share)


def expected_line(indicator: Indicator) -> list[tuple[int, Decimal]]:
    """The expected value of each fiscal year from the baseline year to the target year."""
    if indicator.baseline_year is None or indicator.target_year is None:
        return []
    line = []
    for year in range(indicator.baseline_year, indicator.target_year + 1):
        value = expected_value(indicator, year)
        if value is None:
            return []
        line.append((year, value))
    return line


def assess(indicator: Indicator, values: dict[int, IndicatorValue]) -> Assessment | None:
    """The status of the latest value after the baseline year, by the rule above."""
    if indicator.baseline_year is None:
        return None
    later = [year for year in values if year > indicator.baseline_year]
    if not later:
        return None
    year = max(later)
    expected = expected_value(indicator, year)
    if expected is None or indicator.baseline_value is None or indicator.target_value is None:
        return None
    value = values[year].value
    sign = Decimal(1) if indicator.direction == Direction.UP else Decimal(-1)
    shortfall = sign * (expected - value)
    whole_way = abs(indicator.target_value - indicator.baseline_value)
    if shortfall <= 0:
        status = TargetStatus.ON_TRACK
    elif shortfall <= AT_RISK_SHARE * whole_way:
        status = TargetStatus.AT_RISK
    else:
        status = TargetStatus.OFF_TRACK
    return Assessment(status, year, value, expected)
