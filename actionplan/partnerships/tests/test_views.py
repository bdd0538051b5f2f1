from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships.models import Proposal, State
from actionplan.plans.models import MemberGovernment, Organization, PlanVersion

from .conftest import CONTACT_NAME, EMAIL, EXE, PDF, PHONE, proposal_input, upload

MB = 1024 * 1024


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization_name": "株式会社テスト水素エネルギー",
        "organization_kind": "company",
        "contact_name": CONTACT_NAME,
        "email": EMAIL,
        "phone": PHONE,
        "themes": ["carbon_neutral"],
        "title": "港湾の水素利用",
        "summary": "水素燃料電池による荷役機械の実証",
        "details": "",
        "member_governments": [str(MemberGovernment.objects.get(lg_code="270008").pk)],
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return data


def post_form(client: Client, prefix: str = "", **changes: Any) -> Any:
    return client.post(f"{prefix}/proposals/new/", form_data(**changes))


@pytest.mark.parametrize(
    ("prefix", "heading"), [("", "公民連携の提案"), ("/en", "Partnership proposal")]
)
def test_the_form_is_in_both_languages(
    client: Client, plan_version: PlanVersion, prefix: str, heading: str
) -> None:
    response = client.get(f"{prefix}/proposals/new/")
    assert response.status_code == 200
    assert heading in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert 'href="' + prefix + '/proposals/privacy/"' in response.content.decode()


def test_it_submits_and_shows_the_status_page(
    client: Client, plan_version: PlanVersion, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/proposals/new/", {**form_data(), "attachments": [upload("plan.pdf", PDF)]}
        )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.attachments.count() == 1
    assert proposal.email == EMAIL
    assert response["Location"].startswith("/proposals/status/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert proposal.receipt_number in text
    assert "受付" in text
    assert page["Referrer-Policy"] == "same-origin"
    assert EMAIL not in text and PHONE not in text
    assert len(mail.outbox) == 1 and response["Location"] in mail.outbox[0].body


def test_the_proposer_withdraws_on_the_status_page(
    client: Client, plan_version: PlanVersion
) -> None:
    location = post_form(client)["Location"]
    # The first press asks; nothing changes until the proposer confirms.
    asked = client.post(location + "withdraw/")
    assert asked.status_code == 200
    assert "提案を取り下げますか" in asked.content.decode()
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    assert asked["Referrer-Policy"] == "same-origin"
    assert Proposal.objects.get().state == State.RECEIVED
    response = client.post(location + "withdraw/", {"confirmed": "yes"})
    assert response.status_code == 302
    assert Proposal.objects.get().state == State.WITHDRAWN
    assert "取り下げ" in client.get(location).content.decode()


def test_an_unknown_status_link_is_not_found(client: Client, plan_version: PlanVersion) -> None:
    assert client.get("/proposals/status/guess/").status_code == 404
    assert client.post("/proposals/status/guess/withdraw/").status_code == 404


def test_a_post_without_csrf_token_is_refused(plan_version: PlanVersion) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/proposals/new/", form_data())
    assert response.status_code == 403
    assert Proposal.objects.count() == 0


def test_withdrawal_without_csrf_token_is_refused(plan_version: PlanVersion) -> None:
    submitted = actions.submit_proposal(proposal_input())
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/proposals/status/{submitted.status_token}/withdraw/")
    assert response.status_code == 403
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.RECEIVED


def test_a_sixth_attachment_is_refused(client: Client, plan_version: PlanVersion) -> None:
    files = [upload(f"p{i}.pdf", PDF) for i in range(6)]
    response = client.post("/proposals/new/", {**form_data(), "attachments": files})
    assert response.status_code == 400
    assert "添付できるファイルは5件までです（6件選ばれています）" in response.content.decode()
    assert "attachments:" not in response.content.decode()
    assert Proposal.objects.count() == 0
    files = [upload(f"p{i}.pdf", PDF) for i in range(6)]
    english = client.post("/en/proposals/new/", {**form_data(), "attachments": files})
    assert "You can attach at most 5 files (6 chosen)." in english.content.decode()


def test_an_11_mb_file_is_refused(client: Client, plan_version: PlanVersion) -> None:
    big = upload("big.pdf", PDF + b"0" * (11 * MB))
    response = client.post("/proposals/new/", {**form_data(), "attachments": [big]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "big.pdf は大きすぎます（11.0\u00a0MB。上限は10.0\u00a0MB）" in text
    assert "10485760" not in text and "bytes" not in text
    assert Proposal.objects.count() == 0
    big = upload("big.pdf", PDF + b"0" * (11 * MB))
    english = client.post("/en/proposals/new/", {**form_data(), "attachments": [big]})
    expected = "big.pdf is too large (11.0\u00a0MB; the limit is 10.0\u00a0MB)."
    assert expected in english.content.decode()


def test_an_executable_renamed_pdf_is_refused(client: Client, plan_version: PlanVersion) -> None:
    response = client.post(
        "/proposals/new/", {**form_data(), "attachments": [upload("invoice.pdf", EXE)]}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "invoice.pdf は、中身がPDF・Office文書・画像のいずれでもないため" in text
    assert "is not a PDF" not in text
    assert Proposal.objects.count() == 0


def test_the_honeypot_refuses_robots(client: Client, plan_version: PlanVersion) -> None:
    response = post_form(client, website="http://spam.example/")
    assert response.status_code == 400
    assert Proposal.objects.count() == 0


def test_a_burst_from_one_client_gets_429(
    client: Client, plan_version: PlanVersion, settings: Any
) -> None:
    settings.PROPOSAL_RATE_LIMIT = 3
    codes = [post_form(client).status_code for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Proposal.objects.count() == 3
    page = post_form(client, "/en")
    assert page.status_code == 429
    assert "Too many submissions" in page.content.decode()
    # Another client is not affected.
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert post_form(other).status_code == 302


SCRIPT = '<script>alert("x")</script>'


def test_script_in_the_title_is_escaped_everywhere(
    client: Client, plan_version: PlanVersion, bureau_staff: User
) -> None:
    location = post_form(client, title=SCRIPT, summary=SCRIPT, organization_name=SCRIPT)["Location"]
    proposal = Proposal.objects.get()
    staff = client_for(bureau_staff)
    pages = [
        client.get(location),
        staff.get("/desk/proposals/"),
        staff.get(f"/desk/proposals/{proposal.pk}/"),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        assert SCRIPT not in text
        assert "&lt;script&gt;" in text


def test_the_desk_shows_contact_details_to_the_bureau_only(
    submitted: actions.Submitted,
    bureau_staff: User,
    reviewer: User,
    osaka_editor: User,
    kyoto_editor: User,
    outsider: User,
) -> None:
    proposal = submitted.proposal
    url = f"/desk/proposals/{proposal.pk}/"
    staff_page = client_for(bureau_staff).get(url).content.decode()
    assert EMAIL in staff_page and PHONE in staff_page and CONTACT_NAME in staff_page
    reviewer_page = client_for(reviewer).get(url)
    assert reviewer_page.status_code == 200
    assert EMAIL not in reviewer_page.content.decode()
    # Before referral, editors see nothing; after it, only the referred government's editor.
    assert client_for(osaka_editor).get(url).status_code == 403
    actions.screen_proposal(bureau_staff, proposal)
    actions.refer_proposal(
        bureau_staff, proposal, governments=[MemberGovernment.objects.get(lg_code="270008")]
    )
    osaka_page = client_for(osaka_editor).get(url)
    assert osaka_page.status_code == 200
    assert EMAIL not in osaka_page.content.decode()
    assert client_for(kyoto_editor).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(outsider).get("/desk/proposals/").status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_referral_in_the_history_names_the_governments_in_the_page_language(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    proposal = submitted.proposal
    actions.screen_proposal(bureau_staff, proposal)
    osaka = MemberGovernment.objects.get(lg_code="270008")
    actions.refer_proposal(bureau_staff, proposal, governments=[osaka])
    staff = client_for(bureau_staff)
    english = staff.get(f"/en/desk/proposals/{proposal.pk}/").content.decode()
    assert "<td>Referral: Osaka Prefecture</td>" in english
    assert "大阪府" not in english
    japanese = staff.get(f"/desk/proposals/{proposal.pk}/").content.decode()
    assert "<td>回付: 大阪府</td>" in japanese


def test_staff_download_attachments_as_attachments_only(
    submitted: actions.Submitted, bureau_staff: User, reviewer: User, outsider: User
) -> None:
    proposal = submitted.proposal
    attachment = proposal.attachments.get()
    url = f"/desk/proposals/{proposal.pk}/attachments/{attachment.pk}/"
    response = client_for(bureau_staff).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client_for(reviewer).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    # The stored file is not under any public URL.
    assert not attachment.file.path.startswith(str(MEDIA_ROOT_PUBLIC()))


def MEDIA_ROOT_PUBLIC() -> str:  # noqa: N802 - reads like the setting it returns
    from django.conf import settings

    return str(settings.STATIC_ROOT)


def test_the_triage_path_through_the_pages(
    submitted: actions.Submitted, bureau_staff: User, osaka_editor: User
) -> None:
    proposal = submitted.proposal
    staff = client_for(bureau_staff)
    base = f"/desk/proposals/{proposal.pk}"
    osaka = MemberGovernment.objects.get(lg_code="270008")
    assert staff.post(f"{base}/assign/", {"assignee": bureau_staff.pk}).status_code == 302
    staff.post(f"{base}/transition/screen/", {"answer": "確認中です"})
    staff.post(f"{base}/transition/refer/", {"referred_governments": [osaka.pk]})
    editor = client_for(osaka_editor)
    editor.post(f"{base}/transition/discuss/")
    editor.post(f"{base}/notes/", {"body": "港湾局と調整します"})
    # The editor may not agree; the bureau may.
    agree = {"signed_on": "2026-06-01", "answer": "締結します"}
    assert editor.post(f"{base}/transition/agree/", agree).status_code == 403
    confirmed = {**agree, "confirmed": "yes"}
    assert editor.post(f"{base}/transition/agree/", confirmed).status_code == 403
    # Agreeing asks first, carrying what was typed.
    asked = staff.post(f"{base}/transition/agree/", agree)
    assert asked.status_code == 200
    assert 'name="answer" value="締結します"' in asked.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == State.IN_DISCUSSION
    done = staff.post(f"{base}/transition/agree/", {**agree, "confirmed": "yes"})
    assert done["Location"] == f"{base}/agreement/"
    proposal.refresh_from_db()
    assert proposal.state == State.AGREED
    assert proposal.assignee == bureau_staff
    assert proposal.partnership is None  # a draft until staff publish it
    page = staff.get(base + "/").content.decode()
    assert "港湾局と調整します" in page
    assert "<td>回付: 大阪府</td>" in page
    assert "<td>提案の受付</td>" in page and "<td>内容確認の開始</td>" in page
    assert "refer:" not in page and "<td>submit</td>" not in page
    assert "<dd>カーボンニュートラル</dd>" in page  # the theme by name, not its code
    english = staff.get(f"/en{base}/").content.decode()
    assert "<td>Referral: Osaka Prefecture</td>" in english
    assert "<td>Submitted by the proposer</td>" in english


def test_declining_without_reason_shows_the_error(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    base = f"/desk/proposals/{submitted.proposal.pk}"
    response = staff.post(f"{base}/transition/decline/", {"decline_reason": ""}, follow=True)
    text = response.content.decode()
    assert "見送るには理由の記入が必要です。" in text
    assert "decline_reason" not in text.split("<h2>")[0]  # no field key in the message
    response = staff.post(
        f"{base}/transition/decline/", {"decline_reason": "", "confirmed": "yes"}, follow=True
    )
    assert "見送るには理由の記入が必要です。" in response.content.decode()
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.RECEIVED


@pytest.mark.parametrize("who", ["anonymous", "outsider", "reviewer", "osaka_editor"])
def test_write_endpoints_refuse_people_without_the_right(
    request: pytest.FixtureRequest, submitted: actions.Submitted, who: str
) -> None:
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    base = f"/desk/proposals/{submitted.proposal.pk}"
    for url, data in [
        (f"{base}/transition/screen/", {}),
        (f"{base}/assign/", {}),
        ("/desk/organizations/new/", {"name_ja": "株式会社X", "kind": "company"}),
    ]:
        response = client.post(url, data)
        assert response.status_code in (302, 403), url
        if who == "anonymous":
            assert "login" in response["Location"]
    if who in ("anonymous", "outsider", "osaka_editor"):
        assert client.post(f"{base}/notes/", {"body": "x"}).status_code in (302, 403)
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.RECEIVED
    assert submitted.proposal.assignee is None
    assert not Organization.objects.filter(name_ja="株式会社X").exists()
    assert not submitted.proposal.notes.exists()


def test_overdue_list(
    submitted: actions.Submitted, bureau_staff: User, settings: Any, plan_version: PlanVersion
) -> None:
    import datetime

    Proposal.objects.filter(pk=submitted.proposal.pk).update(
        first_response_due=datetime.date(2020, 1, 1)
    )
    fresh = actions.submit_proposal(proposal_input(title="新しい提案")).proposal
    page = client_for(bureau_staff).get("/desk/proposals/?overdue=1").content.decode()
    assert submitted.proposal.receipt_number in page
    assert fresh.receipt_number not in page
    actions.screen_proposal(bureau_staff, submitted.proposal)
    page = client_for(bureau_staff).get("/desk/proposals/?overdue=1").content.decode()
    assert submitted.proposal.receipt_number not in page


def test_staff_edit_the_organization_registry(bureau_staff: User) -> None:
    staff = client_for(bureau_staff)
    response = staff.post(
        "/desk/organizations/new/",
        {"name_ja": "株式会社ベータ工業", "kind": "company", "corporate_number": "7000012050002"},
    )
    assert response.status_code == 302
    organization = Organization.objects.get(name_ja="株式会社ベータ工業")
    bad = staff.post(
        f"/desk/organizations/{organization.pk}/",
        {"name_ja": "株式会社ベータ工業", "kind": "company", "corporate_number": "7000012050003"},
    )
    assert bad.status_code == 400
    assert "7000012050003 は正しい法人番号" in bad.content.decode()
    staff.post("/desk/organizations/new/", {"name_ja": "ベータ工業", "kind": "company"})
    assert Organization.objects.filter(normalized_name=organization.normalized_name).count() == 1
    public = Client().get("/organizations/").content.decode()
    assert "株式会社ベータ工業" in public


def test_staff_correct_a_hub_and_others_cannot(
    reference: None, bureau_staff: User, osaka_editor: User, plan_version: PlanVersion
) -> None:
    from actionplan.plans.models import Hub

    hub = Hub.objects.get(name_ja="高砂水素パーク")
    url = f"/desk/hubs/{hub.pk}/"
    data = {
        "name_ja": "高砂水素パーク",
        "name_en": "Takasago Hydrogen Park",
        "lat": "34.7401",
        "lon": "134.8001",
        "theme_codes": ["carbon_neutral", "startups"],
    }
    assert client_for(osaka_editor).post(url, data).status_code == 403
    assert Client().post(url, data).status_code == 302
    hub.refresh_from_db()
    assert hub.theme_codes == ["carbon_neutral"]
    staff = client_for(bureau_staff)
    swapped = staff.post(url, {**data, "lat": "134.8", "lon": "34.74"})
    assert swapped.status_code == 400
    assert "緯度 134.8 は関西の範囲（33〜36.5）の外です。" in swapped.content.decode()
    assert staff.post(url, data).status_code == 302
    hub.refresh_from_db()
    assert str(hub.lat) == "34.740100"
    assert hub.theme_codes == ["carbon_neutral", "startups"]
    assert hub.history.first().history_user == bureau_staff


@pytest.mark.parametrize(
    ("name", "data", "question"),
    [
        ("decline", {"decline_reason": "予算の見込みがありません"}, "この提案を見送りますか"),
        ("withdraw", {}, "提案者の取り下げを記録しますか"),
    ],
)
def test_closing_a_proposal_asks_for_confirmation(
    submitted: actions.Submitted, bureau_staff: User, name: str, data: dict[str, str], question: str
) -> None:
    staff = client_for(bureau_staff)
    url = f"/desk/proposals/{submitted.proposal.pk}/transition/{name}/"
    asked = staff.post(url, data)
    assert asked.status_code == 200
    assert question in asked.content.decode()
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.RECEIVED
    assert staff.post(url, {**data, "confirmed": "yes"}).status_code == 302
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == actions.TRANSITIONS[name][1]


def test_the_desk_is_in_the_staff_menu(submitted: actions.Submitted, bureau_staff: User) -> None:
    staff = client_for(bureau_staff)
    for url in ("/progress/", "/desk/proposals/"):
        page = staff.get(url, follow=True).content.decode()
        assert 'href="/desk/proposals/"' in page, url
    assert 'href="/en/desk/proposals/"' in staff.get("/en/progress/", follow=True).content.decode()


def test_the_public_site_links_to_sign_in(client: Client, plan_version: PlanVersion) -> None:
    assert 'href="/accounts/login/"' in client.get("/").content.decode()
    assert 'href="/en/accounts/login/"' in client.get("/en/").content.decode()


@pytest.mark.parametrize(
    ("prefix", "name", "data", "button"),
    [
        ("", "decline", {"decline_reason": "予算の見込みがありません"}, "見送る"),
        ("/en", "decline", {"decline_reason": "No budget"}, "Decline"),
        ("", "withdraw", {}, "取り下げを記録"),
        ("/en", "withdraw", {}, "Record withdrawal"),
    ],
)
def test_a_desk_confirmation_shows_the_staff_menu_and_a_button_that_says_what_it_does(
    submitted: actions.Submitted,
    bureau_staff: User,
    prefix: str,
    name: str,
    data: dict[str, str],
    button: str,
) -> None:
    url = f"{prefix}/desk/proposals/{submitted.proposal.pk}/transition/{name}/"
    page = client_for(bureau_staff).post(url, data).content.decode()
    assert 'class="progress-nav"' in page
    assert f'href="{prefix}/desk/proposals/"' in page
    assert f'<button type="submit">{button}</button>' in page


def test_the_proposers_own_withdrawal_confirmation_has_no_staff_menu(
    submitted: actions.Submitted,
) -> None:
    page = Client().post(f"/proposals/status/{submitted.status_token}/withdraw/").content.decode()
    assert "提案を取り下げますか" in page
    assert 'class="progress-nav"' not in page
