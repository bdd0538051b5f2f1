"""The revision pages, their feed and the comparison in the API, after a crafted revision."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses our own feed

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.conftest import client_for
from actionplan.plans import models as m
from actionplan.plans.actions import import_plan_document
from actionplan.plans.tests.test_editions import crafted_moved_and_details, crafted_revision

from .browser import axe_violations, describe_violations

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def revised(plan_version: m.PlanVersion) -> dict[str, str]:
    text, words = crafted_revision()
    import_plan_document(text.encode(), source_name="revised.txt")
    return words


def test_the_list_of_editions_links_each_comparison(
    client: Client, revised: dict[str, str]
) -> None:
    page = client.get("/revisions/").content.decode()
    assert "2025年11月改訂版" in page and "2026年5月改訂版" in page
    assert 'href="/revisions/2/"' in page and "第1版から第2版への変更" in page
    assert "公開中" in page and "過去の版" in page
    english = client.get("/en/revisions/").content.decode()
    assert "Changes from edition 1 to edition 2" in english
    assert "Current" in english and "Superseded" in english and "公開中" not in english
    # The site calls them editions, in the caption too.
    assert "<caption>Editions of the plan</caption>" in english


def test_a_comparison_shows_old_and_new_wording_per_theme(
    client: Client, revised: dict[str, str]
) -> None:
    page = client.get("/revisions/2/").content.decode()
    assert "<h2" in page and "カーボンニュートラル" in page
    # The reworded item: its old words, and the added ones marked.
    assert revised["old"] in page
    assert '<ins><span class="visually-hidden">追加：</span>と普及啓発</ins>' in page
    assert (
        "移動" in page
        and "令和6年度（2024年度） 関西広域連合 → 令和7年度（2025年度） 関西広域連合" in page
    )
    assert revised["removed"] in page and revised["added"] in page
    assert revised["agreement"] in page
    english = client.get("/en/revisions/2/").content.decode()
    assert "Changes from edition 1 to edition 2: November 2025 revision → " in english
    assert "Moved" in english and "FY2024 Union of Kansai Governments → FY2025" in english
    assert "Reworded" in english


def test_the_first_edition_and_an_unknown_one(client: Client, revised: dict[str, str]) -> None:
    assert "最初に取り込まれた版です。" in client.get("/revisions/1/").content.decode()
    assert client.get("/revisions/9/").status_code == 404


def test_a_staged_edition_is_shown_to_bureau_staff_only(
    client: Client, revised: dict[str, str], bureau_staff: User, outsider: User
) -> None:
    text, _ = crafted_revision()
    staged = text.replace("2026年5月改訂版", "2026年6月改訂版").replace(
        revised["added"], revised["added"] + "（拡充）"
    )
    import_plan_document(staged.encode(), source_name="staged.txt", activate=False)
    assert client.get("/revisions/3/").status_code == 404
    assert client_for(outsider).get("/revisions/3/").status_code == 404
    assert "2026年6月改訂版" not in client.get("/revisions/").content.decode()
    page = client_for(bureau_staff).get("/revisions/3/").content.decode()
    assert "actionplan activate 3" in page
    assert revised["added"] + "<ins>" in page.replace(
        '<span class="visually-hidden">追加：</span>', ""
    )


def test_the_feed_lists_published_editions(client: Client, revised: dict[str, str]) -> None:
    response = client.get("/revisions/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "関西広域産業ビジョン アクションプラン 2026年5月改訂版",
        "関西広域産業ビジョン アクションプラン 2025年11月改訂版",
    ]
    assert "追加2件、削除1件、修正1件、移動1件" in (entries[0].findtext(f"{ATOM}summary") or "")


def test_the_api_gives_the_comparison(client: Client, revised: dict[str, str]) -> None:
    answer = client.get("/api/v1/plan-versions/2/changes").json()
    assert (answer["old_plan_version"], answer["new_plan_version"]) == (1, 2)
    assert answer["counts"] == {"added": 2, "removed": 1, "changed": 1, "moved": 1}
    moved = next(c for c in answer["changes"] if c["kind"] == "moved")
    assert moved["old_cell"].endswith("/2024/union") and moved["new_cell"].endswith("/2025/union")
    first = client.get("/api/v1/plan-versions/1/changes")
    assert first.status_code == 404 and first.json()["field"] == "plan_version"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_the_revision_pages_have_no_axe_violations(
    page: Page, live_server: LiveServer, plan_version: m.PlanVersion, prefix: str, width: int
) -> None:
    text, _ = crafted_revision()
    import_plan_document(text.encode(), source_name="revised.txt")
    page.set_viewport_size({"width": width, "height": 800})
    problems = []
    for path in ("/revisions/", "/revisions/2/"):
        response = page.goto(f"{live_server.url}{prefix}{path}")
        assert response is not None and response.status == 200
        violations = axe_violations(page)
        if violations:
            problems.append(describe_violations(prefix + path, violations))
        # Usable on a phone: the page itself never scrolls sideways (the tables do).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not problems, "\n".join(problems)


def test_moved_and_reworded_items_and_changed_figures_are_shown(
    client: Client, plan_version: m.PlanVersion
) -> None:
    text, words = crafted_moved_and_details()
    import_plan_document(text.encode(), source_name="revised.txt")
    page = client.get("/revisions/2/").content.decode()
    plain = page.replace('<span class="visually-hidden">追加：</span>', "").replace(
        '<span class="visually-hidden">削除：</span>', ""
    )
    # The moved item: the move, the note that its words changed too, and the words marked.
    assert "移動" in page and "文言も修正" in page
    assert "令和6年度（2024年度） 構成府県市 → 令和8年度（2026年度）" in page
    assert words["old"] + "<ins>と普及啓発</ins>" in plain
    value = words["figure"].value
    assert f"<dt>数値</dt><dd><del>{value}</del></dd>" in plain
    assert f"<dt>数値</dt><dd><ins>{value + 19}</ins></dd>" in plain
    assert "<dt>内容(2)</dt>" in page and "<dt>日付</dt>" in page
    english = client.get("/en/revisions/2/").content.decode()
    assert "reworded too" in english and "<dt>Figure</dt>" in english
    assert "<dt>Content item (2)</dt>" in english
    answer = client.get("/api/v1/plan-versions/2/changes").json()
    assert answer["counts"] == {"added": 0, "removed": 0, "changed": 3, "moved": 1}
    moved = next(c for c in answer["changes"] if c["kind"] == "moved")
    assert moved["reworded"] is True and moved["old_text"] == words["old"]
    figure = next(c for c in answer["changes"] if c["new_text"] == words["figure_text"])
    assert {"field": "figure_value", "old": str(value), "new": str(value + 19)} in figure["details"]


def test_every_kind_of_record_and_detail_has_a_label_and_an_api_name() -> None:
    from typing import get_args

    from actionplan.api.revisions import RecordKind
    from actionplan.plans.queries import RECORD_KINDS, compared_fields, detail_name, record_names
    from actionplan.portal.revisions import DETAIL_LABELS, RECORD_LABELS

    assert list(get_args(RecordKind)) == record_names()
    assert set(RECORD_LABELS) == set(record_names())
    details = {
        detail_name(f.name)
        for kind in RECORD_KINDS
        for f in compared_fields(kind.model)
        if f.name != kind.text
    }
    assert details | {"position"} <= set(DETAIL_LABELS)


def test_the_edition_texts_and_new_details_are_shown_in_both_languages(
    client: Client, plan_version: m.PlanVersion
) -> None:
    from actionplan.plans.tests.documents import BUNDLED

    text = (
        BUNDLED.read_text(encoding="utf-8")
        .replace("2025年11月改訂版", "2026年5月改訂版")
        .replace("連携強化につながる", "連携の強化につながる")
        .replace("関西広域連合\t【空飛ぶクルマ】", "関西広域連合\t【空飛ぶ車】")
        .replace("【兵庫県】\n\n兵庫県立大学", "【大阪府】\n\n兵庫県立大学")
    )
    import_plan_document(text.encode(), source_name="revised.txt")
    page = client.get("/revisions/2/").content.decode()
    plain = page.replace('<span class="visually-hidden">追加：</span>', "")
    assert "アクションプランについて" in page and "連携<ins>の</ins>強化" in plain
    assert "<dt>見出し（【】）</dt><dd><ins>空飛ぶ車</ins></dd>" in plain
    assert "<dt>構成府県市</dt><dd><ins>大阪府</ins></dd>" in plain
    english = client.get("/en/revisions/2/").content.decode()
    assert "About the action plan" in english
    assert "<dt>Group heading (【】)</dt>" in english
    assert "<dt>Member governments</dt>" in english
    answer = client.get("/api/v1/plan-versions/2/changes").json()
    assert sorted((c["record"], [d["field"] for d in c["details"]]) for c in answer["changes"]) == [
        ("action", ["group"]),
        ("introduction", []),
        ("partnership", ["member_governments"]),
    ]
    schema = client.get("/api/v1/openapi.json").json()
    assert "introduction" in json_dumps(schema)


def json_dumps(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
