"""Partnerships recorded by the bureau after the plan was published (an agreed proposal) belong to
no plan edition, yet they are part of the registry: the open data publishes them with the plan's
own agreements, marked by their origin."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from frictionless import validate

from actionplan.opendata.export import export_open_data
from actionplan.opendata.publish import current_publication
from actionplan.partnerships import actions as desk
from actionplan.partnerships.models import AgreementDraft
from actionplan.plans.models import MemberGovernment, Partnership, PlanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


def agreed_partnership(
    staff: Any, *, themes: list[str], title: str, source_url: str = ""
) -> Partnership:
    """A proposal taken through the desk to an agreement, as bureau staff do it."""
    osaka = MemberGovernment.objects.get(lg_code="270008")
    submitted = desk.submit_proposal(
        desk.ProposalInput(
            organization_name="株式会社関西水素テスト",
            organization_kind="company",
            contact_name="連絡 太郎",
            email="contact@example.jp",
            phone="",
            theme_codes=themes,
            title=title,
            summary="港湾で水素燃料電池の荷役機械を実証します。",
            details="",
            member_governments=[osaka],
            consent=True,
        ),
        [],
        site_url="http://testserver/",
    )
    proposal = submitted.proposal
    desk.screen_proposal(staff, proposal)
    desk.refer_proposal(staff, proposal, governments=[osaka])
    desk.start_discussion(staff, proposal)
    desk.agree_proposal(staff, proposal, signed_on=datetime.date(2026, 4, 1))
    # Agreeing opens a draft; the agreement is public once staff publish it.
    draft = AgreementDraft.objects.get(proposal=proposal)
    if source_url:
        # Staff give the agreement's official page in the draft form.
        draft = desk.update_agreement_draft(
            staff,
            draft,
            desk.AgreementInput(
                title_ja=draft.title_ja,
                outline_ja=draft.outline_ja,
                theme_code=draft.theme_code,
                date_year=draft.date_year,
                date_month=draft.date_month,
                date_day=draft.date_day,
                date_kind=draft.date_kind,
                partners=list(draft.partners.all()),
                new_partners=draft.new_partners,
                member_governments=list(draft.member_governments.all()),
                items=draft.items,
                source_url=source_url,
            ),
        )
    partnership = desk.publish_agreement(staff, draft)
    assert partnership.version is None
    return partnership


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_an_agreed_proposal_is_in_the_partnership_files_after_the_plans_own(
    plan_version: PlanVersion, bureau_staff: Any, tmp_path: Path
) -> None:
    partnership = agreed_partnership(bureau_staff, themes=["carbon_neutral"], title="港湾水素実証")
    # Content items are added by staff afterwards (the admin's inline rows).
    partnership.items.create(number=1, text_ja="荷役機械の実証", text_en="")
    export_open_data(tmp_path / "out", "csv")

    table = rows(tmp_path / "out" / "partnerships.csv")
    assert len(table) == 13  # the plan's twelve, then the registry's one
    assert [r["origin"] for r in table] == ["plan"] * 12 + ["registry"]
    assert all(r["plan_version"] == str(plan_version.number) for r in table[:12])
    last = table[-1]
    assert (last["partnership_id"], last["plan_version"]) == (str(partnership.pk), "")
    assert (last["title_ja"], last["date"], last["theme_code"]) == (
        "港湾水素実証",
        "2026-04-01",
        "carbon_neutral",
    )
    assert last["partner_names_ja"] == "株式会社関西水素テスト"
    assert last["member_lg_codes"] == "270008" and last["item_count"] == "1"

    items = rows(tmp_path / "out" / "partnership_items.csv")
    assert items[-1] == {
        "partnership_id": str(partnership.pk),
        "number": "1",
        "text_ja": "荷役機械の実証",
        "text_en": "",
    }
    organizations = rows(tmp_path / "out" / "organizations.csv")
    assert "株式会社関西水素テスト" in {o["name_ja"] for o in organizations}
    # The proposer's contact details stay out of every file.
    for name in ("partnerships", "partnership_items", "organizations"):
        text = (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8")
        assert "contact@example.jp" not in text and "連絡 太郎" not in text


def test_the_published_package_stays_valid_with_a_registry_partnership_without_theme(
    plan_version: PlanVersion, bureau_staff: Any, client: Client
) -> None:
    # The desk publishes an agreement only with a theme; staff may clear it later in the admin.
    partnership = agreed_partnership(bureau_staff, themes=["startups"], title="テーマ未定の協定")
    Partnership.objects.filter(pk=partnership.pk).update(theme=None, theme_code="")
    partnership.refresh_from_db()
    assert partnership.theme_code == ""
    publication = current_publication()
    report = validate(str(publication.directory / "datapackage.json"))
    errors = [error.message for task in report.tasks for error in task.errors][:10]
    assert report.valid, errors
    served = client.get("/opendata/files/partnerships.json")
    assert served.status_code == 200
    published = json.loads(served.getvalue())
    registry = [p for p in published if p["origin"] == "registry"]
    assert [(p["partnership_id"], p["theme_code"]) for p in registry] == [(partnership.pk, "")]


def test_the_official_page_of_an_agreement_is_in_every_published_file(
    plan_version: PlanVersion, bureau_staff: Any, client: Client
) -> None:
    page = "https://www.pref.osaka.lg.jp/news/hydrogen-port-2026.html"
    recorded = agreed_partnership(
        bureau_staff, themes=["carbon_neutral"], title="港湾水素実証", source_url=page
    )
    # One of the plan's own agreements: staff add its address in the admin.
    planned = Partnership.objects.filter(version=plan_version).order_by("position").first()
    assert planned is not None
    Partnership.objects.filter(pk=planned.pk).update(source_url="https://example.org/news/1")
    expected = {
        str(planned.pk): "https://example.org/news/1",
        str(recorded.pk): page,
    }

    def served(name: str) -> str:
        response = client.get(name if name.startswith("/") else f"/opendata/files/{name}")
        assert response.status_code == 200, name
        return b"".join(response).decode("utf-8")

    plain = list(csv.DictReader(served("partnerships.csv").splitlines()))
    # Added as the last column: files read by column position keep their meaning.
    assert list(plain[0])[-1] == "source_url"
    excel_text = served("partnerships-excel.csv").removeprefix("\ufeff")
    excel = list(csv.DictReader(excel_text.splitlines()))
    for table in (plain, excel):
        urls = {r["partnership_id"]: r["source_url"] for r in table}
        assert len(urls) == 13
        assert {k: v for k, v in urls.items() if v} == expected
    as_json = json.loads(served("partnerships.json"))
    urls_json = {str(p["partnership_id"]): p["source_url"] for p in as_json}
    assert {k: v for k, v in urls_json.items() if v} == expected

    dictionary = list(csv.DictReader(served("data_dictionary.csv").splitlines()))
    described = [
        r for r in dictionary if (r["file"], r["column"]) == ("partnerships.csv", "source_url")
    ]
    assert len(described) == 1
    assert (described[0]["type"], described[0]["required"]) == ("string", "false")
    assert (
        "URL" in described[0]["description_ja"]
        and "official page" in described[0]["description_en"]
    )

    package = json.loads(served("/opendata/datapackage.json"))
    resource = next(r for r in package["resources"] if r["name"] == "partnerships")
    assert resource["schema"]["fields"][-1]["name"] == "source_url"
    report = validate(str(current_publication().directory / "datapackage.json"))
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:10]
