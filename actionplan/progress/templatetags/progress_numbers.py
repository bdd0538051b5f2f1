"""How indicator figures are written on the progress pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from actionplan.plans.fiscal import fiscal_year_label

register = template.Library()


@register.filter
def figure(value: Decimal | None) -> str:
    """A stored figure without its padding zeros and with thousands separators:
    12.5000 → 12.5, 1234567.0000 → 1,234,567; no value → —."""
    if value is None:
        return "—"
    normal = value.normalize()
    if normal == normal.to_integral_value():
        normal = normal.quantize(Decimal(1))
    return f"{normal:,f}"


@register.filter
def fiscal_year_ja(year: int) -> str:
    """令和7年度（2025年度）, for the pages that are Japanese whatever the request's language."""
    return fiscal_year_label(year, "ja")
