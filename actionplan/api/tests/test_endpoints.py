from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from actionplan.partnerships.actions import create_partnership, get_or_create_organization
from actionplan.plans.actions import import_plan_file
from actionplan.plans.models import (
    Action,
    ActionAssignment,
    MemberGovernment,
    Partnership,
    PlanVersion,
)
from actionplan.plans.tests.documents import BUNDLED
from actionplan.progress import actions as progress
from actionplan.progress.models import Status

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "message", "field"}


def get(client: Client, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_it_lists_the_themes_of_the_current_version_in_plan_order(
    client: Client, plan_version: PlanVersion
) -> None:
    body = get(client, "/api/v1/themes")
    assert body["count"] == 6
    codes = [t["code"] for t in body["results"]]
    assert codes[0] == "life_science" and len(set(codes)) == 6
    assert all(t["plan_version"] == plan_version.number for t in body["results"])


def test_actions_are_paginated_with_links(client: Client, plan_version: PlanVersion) -> None:
    first = get(client, "/api/v1/actions?limit=50")
    assert first["count"] == 165 and len(first["results"]) == 50
    assert first["previous"] is None and "offset=50" in first["next"]
    second = get(client, first["next"])
    assert second["previous"] is not None and "offset=0" in second["previous"]
    last = get(client, "/api/v1/actions?limit=50&offset=150")
    assert len(last["results"]) == 15 and last["next"] is None
    ids = [a["id"] for page in (first, second) for a in page["results"]]
    assert len(set(ids)) == 100  # no item twice: the ordering is stable


def test_actions_filter_by_theme_year_and_actor(client: Client, plan_version: PlanVersion) -> None:
    body = get(client, "/api/v1/actions?theme=startups&fiscal_year=2025&actor=union&limit=500")
    expected = Action.objects.filter(
        version=plan_version,
        theme__code="startups",
        period__fiscal_year_start=2025,
        actor="union",
    ).count()
    assert expected > 0 and body["count"] == expected
    for action in body["results"]:
        assert action["theme_code"] == "startups" and action["actor"] == "union"
        assert action["fiscal_year_start"] == 2025


def test_an_open_ended_period_covers_later_years(client: Client, plan_version: PlanVersion) -> None:
    body = get(client, "/api/v1/actions?fiscal_year=2030&limit=500")
    assert body["count"] > 0
    assert {a["fiscal_year_end"] for a in body["results"]} == {None}


def test_actions_filter_by_member_government_and_text(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    osaka = MemberGovernment.objects.get(lg_code="270008")
    ActionAssignment.objects.create(action=action, member_government=osaka)
    body = get(client, "/api/v1/actions?member=270008")
    assert [a["id"] for a in body["results"]] == [action.pk]
    assert body["results"][0]["member_lg_codes"] == ["270008"]

    word = "水素"
    body = get(client, f"/api/v1/actions?q={word}&limit=500")
    assert body["count"] == Action.objects.filter(text_ja__contains=word).count() > 0
    assert all(word in a["text_ja"] for a in body["results"])


def test_an_action_names_its_children(client: Client, plan_version: PlanVersion) -> None:
    parent = Action.objects.filter(version=plan_version, children__isnull=False).first()
    assert parent is not None
    body = get(client, f"/api/v1/actions/{parent.pk}")
    assert body["text_ja"] == parent.text_ja
    assert body["children"] == list(
        parent.children.order_by("position").values_list("pk", flat=True)
    )


def test_every_list_endpoint_answers(client: Client, plan_version: PlanVersion) -> None:
    counts = {
        "plan-versions": 1,
        "periods": 3,
        "year-themes": 18,
        "milestones": 23,
        "partnerships": 12,
        "member-governments": 12,
        "hubs": 11,
    }
    for name, count in counts.items():
        assert get(client, f"/api/v1/{name}")["count"] == count, name
    partnership = get(client, "/api/v1/partnerships?limit=1")["results"][0]
    assert partnership["partners"] and partnership["items"]
    organizations = get(client, "/api/v1/organizations")
    assert organizations["count"] > 0
    one = organizations["results"][0]
    assert get(client, f"/api/v1/organizations/{one['id']}") == one
    assert get(client, "/api/v1/member-governments/270008")["name_ja"] == "大阪府"
    hub = get(client, "/api/v1/hubs")["results"][0]
    assert get(client, f"/api/v1/hubs/{hub['id']}") == hub
    milestone = get(client, "/api/v1/milestones?theme=life_science")["results"][0]
    assert milestone["theme_code"] == "life_science"
    assert get(client, f"/api/v1/milestones/{milestone['id']}") == milestone
    assert get(client, "/api/v1/themes/startups")["code"] == "startups"
    assert get(client, "/api/v1/plan-versions/1")["is_current"] is True


def test_a_plan_version_can_be_chosen(client: Client, plan_version: PlanVersion) -> None:
    assert get(client, "/api/v1/themes?plan_version=1")["count"] == 6
    response = client.get("/api/v1/themes?plan_version=7")
    assert response.status_code == 404
    assert response.json()["field"] == "plan_version"


def test_an_unknown_theme_is_an_error_naming_the_field(
    client: Client, plan_version: PlanVersion
) -> None:
    response = client.get("/api/v1/actions?theme=no_such_theme")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == SHAPE and body["field"] == "theme" and "life_science" in body["message"]


def test_conditional_requests_answer_not_modified(
    client: Client, plan_version: PlanVersion
) -> None:
    first = client.get("/api/v1/actions?limit=5")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/actions?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    since = client.get("/api/v1/actions?limit=5", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other_page = client.get("/api/v1/actions?limit=6")
    assert other_page["ETag"] != etag


def test_a_change_of_the_data_changes_the_etag_and_the_answer(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    url = f"/api/v1/actions/{action.pk}"
    first = client.get(url)
    action.text_en = "A corrected translation"
    action.save()
    second = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert second.json()["text_en"] == "A corrected translation"
    assert second["ETag"] != first["ETag"]


def test_a_new_plan_version_becomes_the_default(client: Client, plan_version: PlanVersion) -> None:
    before = get(client, "/api/v1/plan-versions")
    assert before["count"] == 1
    text = BUNDLED.read_text(encoding="utf-8").replace("ライフサイエンス", "ライフ・サイエンス", 1)
    text = text.replace("2025年11月改訂版", "2026年5月改訂版")  # a revision has its own label
    import_plan_file_text(text)
    after = get(client, "/api/v1/plan-versions")
    assert after["count"] == 2
    assert get(client, "/api/v1/themes")["results"][0]["plan_version"] == 2


def import_plan_file_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / BUNDLED.name
        path.write_text(text, encoding="utf-8")
        import_plan_file(path)


@override_settings(API_RATE_LIMIT=3, API_RATE_WINDOW_SECONDS=60)
def test_the_rate_limit_answers_429_in_the_error_shape(
    client: Client, plan_version: PlanVersion
) -> None:
    for _ in range(3):
        assert client.get("/api/v1/themes").status_code == 200
    limited = client.get("/api/v1/themes")
    assert limited.status_code == 429
    assert set(limited.json()) == SHAPE and limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # Another client address has its own allowance.
    assert client.get("/api/v1/themes", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_no_personal_data_in_any_answer(
    client: Client, plan_version: PlanVersion, osaka_editor: Any
) -> None:
    for name in ("actions", "partnerships", "organizations", "member-governments", "hubs"):
        text = client.get(f"/api/v1/{name}?limit=500").content.decode()
        assert "@example.jp" not in text and "osaka_editor" not in text


def test_actions_filter_by_status_of_accepted_reports_only(
    client: Client, plan_version: PlanVersion, bureau_staff: Any, bureau_admin: Any
) -> None:
    first, second = Action.objects.filter(
        version=plan_version, actor="union", period__fiscal_year_start=2025
    )[:2]
    progress.open_cycle(bureau_staff, 2025, datetime.date(2026, 5, 31))
    for action, accept in ((first, True), (second, False)):
        report, _ = progress.save_report(
            bureau_staff,
            action,
            2025,
            None,
            progress.ReportInput(Status.DONE, 100, "完了しました"),
            0,
        )
        report = progress.submit_report(bureau_staff, report, report.revision)
        if accept:
            progress.accept_report(bureau_admin, report, report.revision)  # four eyes
    body = get(client, "/api/v1/actions?status=done&limit=500")
    assert [a["id"] for a in body["results"]] == [first.pk]  # not the merely submitted one
    assert get(client, "/api/v1/actions?status=done&fiscal_year=2024")["count"] == 0
    assert get(client, "/api/v1/actions?status=in_progress")["count"] == 0
    bad = client.get("/api/v1/actions?status=finished")
    assert bad.status_code == 422 and bad.json()["field"] == "status"


def test_partnerships_recorded_by_staff_are_listed_after_the_plans_own(
    client: Client, plan_version: PlanVersion, bureau_staff: Any
) -> None:
    partner = get_or_create_organization(
        bureau_staff, name_ja="株式会社関西水素テスト", kind="company"
    )
    recorded = create_partnership(
        bureau_staff,
        title_ja="港湾水素実証に関する連携協定",
        outline_ja="港湾で水素燃料電池の荷役機械を実証します。",
        theme_code="carbon_neutral",
        signed_on=datetime.date(2026, 4, 1),
        governments=[MemberGovernment.objects.get(lg_code="270008")],
        partners=[partner],
    )
    body = get(client, "/api/v1/partnerships?limit=500")
    assert body["count"] == 13
    assert [p["origin"] for p in body["results"]] == ["plan"] * 12 + ["registry"]
    last = body["results"][-1]
    assert (last["id"], last["plan_version"], last["date"]) == (recorded.pk, None, "2026-04-01")
    assert [o["name_ja"] for o in last["partners"]] == ["株式会社関西水素テスト"]
    themed = get(client, "/api/v1/partnerships?theme=carbon_neutral&member=270008")
    assert recorded.pk in [p["id"] for p in themed["results"]]
    assert get(client, f"/api/v1/partnerships/{recorded.pk}")["origin"] == "registry"


def test_partnerships_give_the_address_of_their_official_page(
    client: Client, plan_version: PlanVersion, bureau_staff: Any
) -> None:
    planned = Partnership.objects.filter(version=plan_version).order_by("position").first()
    assert planned is not None
    # Staff add the address in the admin; the plan names only the source.
    Partnership.objects.filter(pk=planned.pk).update(source_url="https://example.org/news/1")
    recorded = create_partnership(
        bureau_staff,
        title_ja="港湾水素実証に関する連携協定",
        outline_ja="港湾で水素燃料電池の荷役機械を実証します。",
        theme_code="carbon_neutral",
        signed_on=datetime.date(2026, 4, 1),
    )
    body = get(client, "/api/v1/partnerships?limit=500")
    urls = {p["id"]: p["source_url"] for p in body["results"]}
    assert len(urls) == 13
    assert {pk: url for pk, url in urls.items() if url} == {
        planned.pk: "https://example.org/news/1"
    }
    assert get(client, f"/api/v1/partnerships/{planned.pk}")["source_url"] == (
        "https://example.org/news/1"
    )
    assert get(client, f"/api/v1/partnerships/{recorded.pk}")["source_url"] == ""
