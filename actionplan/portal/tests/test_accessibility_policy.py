"""The accessibility policy page states the target, scope and method, and shows recorded results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion
from actionplan.portal import accessibility

from .browser import AXE_TAGS
from .test_accessibility import axe_version, recorded_pages

SAMPLE = {
    "axe": {
        "version": "4.14.1",
        "browser": "Chromium 156.0",
        "tags": ["wcag2a", "wcag22aa"],
        "pages": ["/", "/actions/<id>/"],
    },
    "runs": [
        {"language": "en", "width": 360, "pages": 2, "violations": 0, "checked_on": "2031-05-02"},
        {"language": "ja", "width": 1280, "pages": 2, "violations": 3, "checked_on": "2031-04-30"},
    ],
    "keyboard": [{"check": "menu-disclosure", "passed": True, "checked_on": "2031-05-01"}],
}


@pytest.fixture
def results_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "accessibility.json"
    monkeypatch.setattr(accessibility, "RESULTS_FILE", path)
    return path


def test_policy_states_target_scope_and_method(client: Client, results_file: Path) -> None:
    page = client.get("/accessibility/").content.decode()
    assert "JIS X 8341-3:2016" in page and "WCAG 2.2" in page and "AA" in page
    assert "公開ページ（日本語版と英語版）すべて" in page
    assert "axe-core" in page and "360 px" in page and "キーボード" in page
    assert "試験の結果はまだ記録されていません。" in page


def test_policy_shows_the_recorded_days_and_results(client: Client, results_file: Path) -> None:
    results_file.write_text(json.dumps(SAMPLE), encoding="utf-8")
    page = client.get("/accessibility/").content.decode()
    assert "axe-core 4.14.1" in page and "Chromium 156.0" in page
    assert "<code>wcag22aa</code>" in page and "<code>/actions/&lt;id&gt;/</code>" in page
    assert "試験日: 2031年4月30日 から 2031年5月2日" in page
    assert "3 件の違反が見つかっています" in page
    assert "違反 0 件" not in page
    english = client.get("/en/accessibility/").content.decode()
    assert "Tested from April 30, 2031 to May 2, 2031" in english
    assert "found 3 violations" in english
    assert "Opening and closing the menu at phone width with the keyboard: passed" in english


def test_policy_says_no_violation_only_when_none_was_recorded(
    client: Client, results_file: Path
) -> None:
    clean = {**SAMPLE, "runs": [{**r, "violations": 0} for r in SAMPLE["runs"]]}  # type: ignore[dict-item]
    results_file.write_text(json.dumps(clean), encoding="utf-8")
    page = client.get("/accessibility/").content.decode()
    assert "違反 0 件" in page and "件の違反が見つかっています" not in page


def test_recorded_results_match_what_the_browser_tests_check(plan_version: PlanVersion) -> None:
    """The committed results come from the current suite: re-record them when it changes."""
    results = accessibility.load_results()
    assert results["axe"]["version"] == axe_version()
    assert results["axe"]["tags"] == AXE_TAGS
    assert results["axe"]["pages"] == recorded_pages(plan_version)
    runs = {(r["language"], r["width"]): r for r in results["runs"]}
    assert set(runs) == {("ja", 360), ("ja", 1280), ("en", 360), ("en", 1280)}
    assert all(r["pages"] == len(recorded_pages(plan_version)) for r in runs.values())
    assert {k["check"] for k in results["keyboard"]} == {"skip-link-and-focus", "menu-disclosure"}
