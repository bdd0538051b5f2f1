"""An agreed proposal becomes a draft agreement that staff edit and publish; until then nothing
of the proposer's text is public (pages, API, open data, search)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships.models import AgreementDraft, Proposal
from actionplan.plans.models import MemberGovernment, Organization, Partnership, PlanVersion

from .conftest import proposal_input

# What only the proposer wrote: none of it may be public before staff publish.
PROPOSER_TITLE = "空飛ぶ船による大阪湾横断の商用運航"
PROPOSER_OUTLINE = "大阪湾で空飛ぶ船の商用運航を提案します"
PROPOSER_ORGANIZATION = "株式会社ソラフネテスト"


@pytest.fixture
def agreed(plan_version: PlanVersion, bureau_staff: User) -> Proposal:
    proposal = actions.submit_proposal(
        proposal_input(
            title=PROPOSER_TITLE,
            summary=PROPOSER_OUTLINE,
            organization_name=PROPOSER_ORGANIZATION,
            theme_codes=["air_mobility_maas"],
        )
    ).proposal
    osaka = MemberGovernment.objects.get(lg_code="270008")
    actions.screen_proposal(bureau_staff, proposal)
    actions.refer_proposal(bureau_staff, proposal, governments=[osaka])
    actions.start_discussion(bureau_staff, proposal)
    client_for(bureau_staff).post(
        f"/desk/proposals/{proposal.pk}/transition/agree/", {"confirmed": "yes"}
    )
    proposal.refresh_from_db()
    return proposal


def _public_text(client: Client, tmp_path: Path) -> str:
    """Everything public that could show a partnership or an organization."""
    texts = []
    for url in (
        "/partnerships/",
        "/en/partnerships/",
        "/organizations/",
        f"/search/?q={PROPOSER_TITLE[:4]}",
        "/api/v1/partnerships?limit=100",
        "/api/v1/organizations?limit=100",
        f"/api/v1/search?q={PROPOSER_TITLE[:4]}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    call_command("export", "--format", "json", "--output", str(tmp_path))
    texts += [f.read_text(encoding="utf-8") for f in tmp_path.rglob("*") if f.is_file()]
    call_command("reindex")
    from actionplan.search.models import SearchDocument

    texts.append(json.dumps(list(SearchDocument.objects.values()), ensure_ascii=False, default=str))
    return "\n".join(texts)


def agreement_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title_ja": "空飛ぶクルマの運航に関する連携協定",
        "title_en": "Agreement on flying-car operations",
        "theme_code": "air_mobility_maas",
        "outline_ja": "大阪湾岸での運航の実現に向けて連携する。",
        "outline_en": "",
        "member_governments": [str(MemberGovernment.objects.get(lg_code="270008").pk)],
        "date_kind": "signed",
        "date_year": "2026",
        "date_month": "9",
        "date_day": "",
        "source_name_ja": "大阪府ウェブサイト",
        "source_name_en": "",
        "partner-TOTAL_FORMS": "1",
        "partner-INITIAL_FORMS": "0",
        "partner-0-name_ja": "株式会社ソラフネ",
        "partner-0-name_en": "Sorafune Inc.",
        "partner-0-kind": "company",
        "partner-0-corporate_number": "",
        "item-TOTAL_FORMS": "2",
        "item-INITIAL_FORMS": "0",
        "item-0-text_ja": "離着陸場の整備",
        "item-0-text_en": "Building vertiports",
        "item-1-text_ja": "",
        "item-1-text_en": "",
    }
    data.update(changes)
    return data


def test_agreeing_publishes_nothing_of_the_proposal(
    agreed: Proposal, client: Client, tmp_path: Path
) -> None:
    assert AgreementDraft.objects.filter(proposal=agreed, published_at__isnull=True).exists()
    assert agreed.partnership is None
    public = _public_text(client, tmp_path)
    for text in (PROPOSER_TITLE, PROPOSER_OUTLINE, PROPOSER_ORGANIZATION):
        assert text not in public


def test_staff_edit_and_publish_the_agreement_in_the_pages(
    agreed: Proposal, bureau_staff: User, client: Client, tmp_path: Path
) -> None:
    staff = client_for(bureau_staff)
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    page = staff.get(url)
    assert page.status_code == 200
    assert PROPOSER_TITLE in page.content.decode()  # the draft starts from the proposal
    assert staff.post(url, agreement_form()).status_code == 302
    draft = AgreementDraft.objects.get(proposal=agreed)
    assert draft.title_ja == "空飛ぶクルマの運航に関する連携協定"
    assert draft.items == [{"text_ja": "離着陸場の整備", "text_en": "Building vertiports"}]
    assert [p["name_ja"] for p in draft.new_partners] == ["株式会社ソラフネ"]
    assert "空飛ぶクルマの運航に関する連携協定" not in client.get("/partnerships/").content.decode()
    # Publishing asks first, on a desk page with the staff menu.
    asked = staff.post(f"{url}publish/")
    assert asked.status_code == 200 and "この協定を公開しますか" in asked.content.decode()
    assert 'class="progress-nav"' in asked.content.decode()
    assert '<button type="submit">公開する</button>' in asked.content.decode()
    assert not Partnership.objects.filter(version__isnull=True).exists()
    assert staff.post(f"{url}publish/", {"confirmed": "yes"}).status_code == 302
    partnership = Partnership.objects.get(version__isnull=True)
    assert partnership.date_iso == "2026-09"
    assert partnership.source_name_ja == "大阪府ウェブサイト"
    public = _public_text(client, tmp_path)
    assert "空飛ぶクルマの運航に関する連携協定" in public
    assert "株式会社ソラフネ" in public and "離着陸場の整備" in public
    for text in (PROPOSER_TITLE, PROPOSER_OUTLINE, PROPOSER_ORGANIZATION):
        assert text not in public
    detail = staff.get(f"/desk/proposals/{agreed.pk}/").content.decode()
    assert "<td>協定の公開: 空飛ぶクルマの運航に関する連携協定</td>" in detail
    assert "desk.kp-" not in detail  # the partnership's key is for the data, not for people
    # A published agreement is no longer edited here.
    staff.post(url, agreement_form(title_ja="書き換え"))
    partnership.refresh_from_db()
    assert partnership.title_ja == "空飛ぶクルマの運航に関する連携協定"


def test_an_incomplete_draft_says_what_is_missing(agreed: Proposal, bureau_staff: User) -> None:
    staff = client_for(bureau_staff)
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    bad = staff.post(url, agreement_form(date_month="2", date_day="30"))
    assert bad.status_code == 400
    assert "その日付はありません。" in bad.content.decode()
    response = staff.post(f"{url}publish/", {"confirmed": "yes"}, follow=True)
    assert "公開するには次の項目を入力してください: 年月" in response.content.decode()
    english = staff.post(f"/en{url}publish/", {"confirmed": "yes"}, follow=True)
    assert "Fill in the following before publishing: year and month" in english.content.decode()
    assert not Partnership.objects.filter(version__isnull=True).exists()


def test_the_source_page_staff_enter_is_linked_once_published(
    agreed: Proposal, bureau_staff: User, client: Client
) -> None:
    staff = client_for(bureau_staff)
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    bad = staff.post(url, agreement_form(source_url="javascript:alert(1)"))
    assert bad.status_code == 400
    assert AgreementDraft.objects.get(proposal=agreed).source_url == ""
    source = "https://www.pref.osaka.lg.jp/example/kyotei.html"
    assert staff.post(url, agreement_form(source_url=source)).status_code == 302
    assert staff.post(f"{url}publish/", {"confirmed": "yes"}).status_code == 302
    partnership = Partnership.objects.get(version__isnull=True)
    assert partnership.source_url == source
    page = client.get(f"/partnerships/{partnership.pk}/").content.decode()
    assert (
        f'<a href="{source}" rel="external noopener" class="external">大阪府ウェブサイト'
        '<span class="external__note">（外部サイト）</span></a>'
    ) in page


def test_an_action_refuses_a_source_that_is_not_a_web_address(
    agreed: Proposal, bureau_staff: User
) -> None:
    draft = AgreementDraft.objects.get(proposal=agreed)
    data = actions.AgreementInput(
        title_ja="協定",
        outline_ja="",
        theme_code="",
        date_year=None,
        date_month=None,
        source_url="javascript:alert(1)",
    )
    with pytest.raises(actions.ProposalError) as refused:
        actions.update_agreement_draft(bureau_staff, draft, data)
    assert refused.value.field == "source_url"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "reviewer", "osaka_editor"])
def test_outsiders_cannot_edit_or_publish_an_agreement(
    request: pytest.FixtureRequest, agreed: Proposal, who: str
) -> None:
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, agreement_form(title_ja="乗っ取り")).status_code in (302, 403)
    response = client.post(f"{url}publish/", {"confirmed": "yes"})
    assert response.status_code in (302, 403)
    if who == "anonymous":
        assert "login" in response["Location"]
    draft = AgreementDraft.objects.get(proposal=agreed)
    assert draft.title_ja == PROPOSER_TITLE and not draft.is_published
    assert not Organization.objects.filter(name_ja__contains="ソラフネ").exists()


def test_the_publication_in_the_history_names_the_agreement_in_the_pages_language(
    agreed: Proposal, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    staff.post(url, agreement_form())
    staff.post(f"{url}publish/", {"confirmed": "yes"})
    english = staff.get(f"/en/desk/proposals/{agreed.pk}/").content.decode()
    assert ": Agreement on flying-car operations</td>" in english
    assert "desk.kp-" not in english


def test_the_agree_confirmation_has_the_staff_menu_and_an_action_button(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    proposal = actions.submit_proposal(proposal_input()).proposal
    actions.screen_proposal(bureau_staff, proposal)
    actions.start_discussion(bureau_staff, proposal)
    asked = client_for(bureau_staff).post(f"/desk/proposals/{proposal.pk}/transition/agree/")
    page = asked.content.decode()
    assert "この提案を合意として閉じますか" in page
    assert 'class="progress-nav"' in page
    assert '<button type="submit">合意（協定案を作る）</button>' in page


def history_steps(staff: Client, proposal: Proposal) -> list[str]:
    """The rows of the agreement page's history table: "step user"."""
    html = staff.get(f"/desk/proposals/{proposal.pk}/agreement/").content.decode()
    table = html[html.index('class="desk-table history"') :]
    table = table[: table.index("</table>")]
    return [
        " ".join(re.findall(r"<td>([^<]*)</td>", row)[1:])
        for row in table.split("<tbody>")[1].split("<tr>")[1:]
    ]


def test_each_step_of_the_draft_agreement_is_one_history_row(
    agreed: Proposal, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    name = bureau_staff.get_username()
    draft = AgreementDraft.objects.get(proposal=agreed)
    # One agree, one row, and the row knows the referred government it set.
    assert history_steps(staff, agreed) == [f"合意 {name}"]
    [created] = draft.history.all()
    assert (created.history_type, created.history_user) == ("+", bureau_staff)
    assert [r.membergovernment.lg_code for r in created.member_governments.all()] == ["270008"]
    # An edit changing the governments is one row too, and so is the publication.
    url = f"/desk/proposals/{agreed.pk}/agreement/"
    kyoto = MemberGovernment.objects.get(lg_code="260002")
    staff.post(url, agreement_form(member_governments=[str(kyoto.pk)]))
    assert history_steps(staff, agreed) == [f"合意 {name}", f"協定案の編集 {name}"]
    edited = draft.history.latest("history_id")
    assert [r.membergovernment.lg_code for r in edited.member_governments.all()] == ["260002"]
    staff.post(f"{url}publish/", {"confirmed": "yes"})
    assert history_steps(staff, agreed) == [
        f"合意 {name}",
        f"協定案の編集 {name}",
        f"協定の公開 {name}",
    ]
    published = draft.history.latest("history_id")
    assert [r.organization.name_ja for r in published.partners.all()] == ["株式会社ソラフネ"]
