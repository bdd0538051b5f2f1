"""Japanese fiscal years (April to March) and how they are written."""

from __future__ import annotations

import datetime

# (first fiscal year of the era, era name). A fiscal year takes the era in force on 1 April.
_ERAS = ((2019, "令和"), (1989, "平成"), (1926, "昭和"))


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def wareki_year(fiscal_year: int) -> str:
    for first, era in _ERAS:
        if fiscal_year >= first:
            n = fiscal_year - first + 1
            return f"{era}{'元' if n == 1 else n}年度"
    return f"{fiscal_year}年度"


def fiscal_year_label(fiscal_year: int, language: str = "ja", *, open_ended: bool = False) -> str:
    """令和7年度（2025年度） in Japanese, FY2025 in English; an open period gets ～ / onwards."""
    if language.startswith("ja"):
        label = f"{wareki_year(fiscal_year)}（{fiscal_year}年度）"
        return f"{label}～" if open_ended else label
    return f"FY{fiscal_year} onwards" if open_ended else f"FY{fiscal_year}"
