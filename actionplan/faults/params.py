"""Numbers read from query parameters of pages: a bad one is the client's error, named, not a 500.

``int_param`` raises ``BadInput`` for text that is not a whole number or lies outside its bounds;
``FaultMiddleware`` answers it with a 400 page naming the parameter (or 422 under /api/). The
bounds keep every value inside what the databases hold (SQLite refuses integers over 64 bits).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from actionplan.api.params import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR

from .classify import BadInput


def int_param(request: HttpRequest, name: str, *, minimum: int, maximum: int) -> int | None:
    """The whole number in ``request.GET[name]``, None when absent or empty."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw) if raw.isascii() else None
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise BadInput(
            name,
            f"must be a whole number from {minimum} to {maximum}; got {raw[:20]!r}",
            _("%(minimum)sから%(maximum)sまでの整数で指定してください。")
            % {"minimum": minimum, "maximum": maximum},
        )
    return value


def fiscal_year_param(request: HttpRequest, name: str = "year") -> int | None:
    return int_param(request, name, minimum=FIRST_FISCAL_YEAR, maximum=LAST_FISCAL_YEAR)
