"""Start-up check of the open data settings: a publisher code with a wrong check digit would be
published to every catalogue that harvests the DCAT file."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from actionplan.plans.actions import lg_code_is_valid


def check_publisher_code(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    code: str = settings.PUBLISHER_LG_CODE
    if code and not lg_code_is_valid(code):
        return [
            Error(
                f"PUBLISHER_LG_CODE {code!r} is not a 全国地方公共団体コード "
                "(six digits whose last one is the check digit)",
                id="opendata.E001",
            )
        ]
    return []
