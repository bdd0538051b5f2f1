"""Every page, endpoint and command of the progress follow-up is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern

from actionplan.accounts.urls import urlpatterns as account_patterns
from actionplan.progress.api import router
from actionplan.progress.urls import urlpatterns as progress_patterns

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_form(prefix: str, pattern: URLPattern) -> str:
    # <int:year> → <year>, <int:report_id> → <id>
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "<" + m.group(1) + ">", str(pattern.pattern))
    route = route.replace("<report_id>", "<id>").replace("<upload_id>", "<id>")
    route = route.replace("<user_id>", "<id>").replace("<action_id>", "<id>")
    route = route.replace("<indicator_id>", "<id>")
    route = route.replace("<code>", "<body>").replace("<theme_code>", "<theme>")
    return prefix + route


PAGES = [readme_form("/progress/", p) for p in progress_patterns] + [
    readme_form("/accounts/", p) for p in account_patterns
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_documented(page: str) -> None:
    last = page.rstrip("/").rsplit("/", 1)[-1]
    if last == "<step>":
        assert all(f"`…/{step}/`" in README for step in ("submit", "accept", "return"))
        return
    # Sub-pages are documented as `…/<last segment>/` next to their parent.
    assert (
        page in README
        or f"`…/{last}/`" in README
        or ("<id>/edit/" in page and "<action id>/edit/" in README)
    ), f"{page} not in README.md"


def test_every_api_endpoint_is_documented() -> None:
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            for method in operation.methods:
                spelled = f"{method} /api/v1/progress{path}".replace("{report_id}", "{id}")
                last = path.rsplit("/", 1)[-1]
                assert spelled in README or f"`…/{last}`" in README, spelled


def test_commands_are_documented() -> None:
    assert "actionplan send-reminders" in README
    assert "actionplan annual-report YEAR [--output DIR] [--pdf]" in README
