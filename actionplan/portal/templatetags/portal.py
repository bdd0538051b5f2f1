"""Template helpers of the public portal: the page in the other language, bilingual fields."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


@register.simple_tag(takes_context=True)
def language_url(context: dict[str, Any], language: str) -> str:
    """The same page in `language`: a stable URL per language (/… for ja, /en/… for en)."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return "/" if language == "ja" else f"/{language}/"
    return translate_url(request.get_full_path(), language)


@register.filter
def loc(obj: Any, field: str) -> SafeString | str:
    """`obj.<field>_en` on English pages (falling back to Japanese, marked lang="ja")."""
    japanese = str(getattr(obj, f"{field}_ja", "") or "")
    if not is_english():
        return japanese
    english = str(getattr(obj, f"{field}_en", "") or "")
    if english:
        return english
    return format_html('<span lang="ja">{}</span>', japanese) if japanese else ""


@register.filter
def ja(text: Any) -> SafeString | str:
    """Japanese text: marked lang="ja" when it appears inside an English page."""
    value = "" if text is None else str(text)
    if not value or not is_english():
        return value
    return format_html('<span lang="ja">{}</span>', value)


@register.filter
def en(text: Any) -> SafeString | str:
    """English text: marked lang="en" when it appears inside a Japanese page."""
    value = "" if text is None else str(text)
    if not value or is_english():
        return value
    return format_html('<span lang="en">{}</span>', value)


@register.filter
def fiscal_year(period: Any) -> str:
    """A Period as 令和7年度（2025年度） / FY2025 (with ～ / onwards when open-ended)."""
    from actionplan.plans.fiscal import fiscal_year_label

    if isinstance(period, int):
        return fiscal_year_label(period, "en" if is_english() else "ja")
    return fiscal_year_label(
        period.fiscal_year_start,
        "en" if is_english() else "ja",
        open_ended=period.fiscal_year_end is None,
    )


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@register.filter
def partial_date(obj: Any) -> str:
    """A date known to the year, month or day: 2024年6月 / June 2024."""
    year, month, day = obj.date_year, obj.date_month, obj.date_day
    if year is None:
        return ""
    if is_english():
        if month is None:
            return str(year)
        return f"{day} {_MONTHS[month - 1]} {year}" if day else f"{_MONTHS[month - 1]} {year}"
    text = f"{year}年"
    if month is not None:
        text += f"{month}月"
        if day:
            text += f"{day}日"
    return text


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
