from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from actionplan.accounts.permissions import PermissionDenied
from actionplan.partnerships import actions
from actionplan.partnerships.models import AgreementDraft, Proposal, State
from actionplan.plans.models import MemberGovernment, Organization, Partnership, PlanVersion

from .conftest import EMAIL, EXE, PDF, PHONE, PNG, docx_bytes, proposal_input, upload

pytestmark = pytest.mark.django_db(transaction=False)


def test_it_gives_consecutive_receipt_numbers_per_year(plan_version: PlanVersion) -> None:
    first = actions.submit_proposal(proposal_input()).proposal
    second = actions.submit_proposal(proposal_input()).proposal
    year = timezone.localdate().year
    assert first.receipt_number == f"KP-{year}-0001"
    assert second.receipt_number == f"KP-{year}-0002"


def test_it_stores_only_the_hash_of_the_status_token(submitted: actions.Submitted) -> None:
    proposal = submitted.proposal
    assert len(submitted.status_token) >= 40
    assert submitted.status_token not in proposal.status_token_hash
    assert proposal.status_token_hash == actions.hash_token(submitted.status_token)
    assert actions.proposal_for_token(submitted.status_token) == proposal
    assert actions.proposal_for_token("not-the-token") is None


def test_it_emails_the_receipt_with_the_status_link(
    django_capture_on_commit_callbacks: object, plan_version: PlanVersion
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        result = actions.submit_proposal(proposal_input(), site_url="https://desk.example/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert result.proposal.receipt_number in message.subject
    assert f"https://desk.example/proposals/status/{result.status_token}/" in message.body


def test_it_sets_the_first_response_deadline(settings: object, plan_version: PlanVersion) -> None:
    settings.PROPOSAL_FIRST_RESPONSE_DAYS = 7  # type: ignore[attr-defined]
    proposal = actions.submit_proposal(proposal_input()).proposal
    assert proposal.first_response_due == timezone.localdate() + datetime.timedelta(days=7)


def test_it_requires_consent(plan_version: PlanVersion) -> None:
    with pytest.raises(actions.ProposalError) as refused:
        actions.submit_proposal(proposal_input(consent=False))
    assert refused.value.field == "consent"
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.png", PNG, "image/png"),
        ("a.docx", docx_bytes(), "wordprocessingml"),
    ],
)
def test_it_accepts_documents_and_images_by_content(
    plan_version: PlanVersion,
    name: str,
    content: bytes,
    expected: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        proposal = actions.submit_proposal(proposal_input(), [upload(name, content)]).proposal
    attachment = proposal.attachments.get()
    assert expected in attachment.content_type
    assert attachment.file.read() == content


def test_it_refuses_an_executable_named_pdf(plan_version: PlanVersion) -> None:
    with pytest.raises(actions.ProposalError, match="evil.pdf"):
        actions.submit_proposal(proposal_input(), [upload("evil.pdf", EXE)])
    assert Proposal.objects.count() == 0


def test_it_refuses_a_zip_that_is_not_an_office_document(plan_version: PlanVersion) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXE)
    with pytest.raises(actions.ProposalError):
        actions.submit_proposal(proposal_input(), [upload("report.docx", buffer.getvalue())])


def test_the_whole_triage_path_ends_in_a_published_partnership(
    django_capture_on_commit_callbacks: object,
    submitted: actions.Submitted,
    bureau_staff: User,
    osaka_editor: User,
) -> None:
    proposal = submitted.proposal
    osaka = MemberGovernment.objects.get(lg_code="270008")
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):  # type: ignore[operator]
        actions.assign_proposal(bureau_staff, proposal, bureau_staff)
        actions.screen_proposal(bureau_staff, proposal, "内容を確認しています。")
        actions.refer_proposal(bureau_staff, proposal, governments=[osaka])
        actions.start_discussion(osaka_editor, proposal)
        actions.add_note(osaka_editor, proposal, "府の港湾局と調整します。")
        actions.agree_proposal(
            bureau_staff,
            proposal,
            signed_on=datetime.date(2026, 4, 1),
            corporate_number="7000012050002",
            answer="連携協定を締結します。",
        )
    proposal.refresh_from_db()
    assert proposal.state == State.AGREED
    assert proposal.closed_at is not None
    assert proposal.first_responded_at is not None
    # Agreeing opens a draft: nothing enters the public registry yet.
    assert proposal.partnership is None
    assert not Partnership.objects.filter(version__isnull=True).exists()
    assert not Organization.objects.filter(name_ja="株式会社テスト水素エネルギー").exists()
    draft = AgreementDraft.objects.get(proposal=proposal)
    assert draft.title_ja == proposal.title
    assert list(draft.member_governments.all()) == [osaka]
    assert draft.new_partners[0]["corporate_number"] == "7000012050002"
    assert (draft.date_year, draft.date_month, draft.date_day) == (2026, 4, 1)

    partnership = actions.publish_agreement(bureau_staff, draft)
    proposal.refresh_from_db()
    assert proposal.partnership == partnership
    assert partnership.version is None
    assert partnership.theme_code == "carbon_neutral"
    assert partnership.title_ja == proposal.title
    assert partnership.date_iso == "2026-04-01"
    assert list(partnership.member_governments.all()) == [osaka]
    organization = partnership.partners.get()
    assert organization.name_ja == "株式会社テスト水素エネルギー"
    assert organization.corporate_number == "7000012050002"
    rows = proposal.history.order_by("history_date")
    reasons = list(rows.values_list("history_change_reason", "state"))
    assert [state for _, state in reasons] == [
        "received",
        "received",
        "screening",
        "referred",
        "in_discussion",
        "agreed",
        "agreed",
    ]
    assert reasons[0][0] == "submit"
    assert reasons[3][0].startswith("refer: 大阪府")
    assert reasons[-1][0] == f"publish: {partnership.key}"
    # The receipt, then one answer e-mail per transition, all to the proposer.
    assert [m.to for m in mail.outbox] == [[EMAIL]] * 5
    assert "連携協定を締結します。" in mail.outbox[-1].body


def _agreed(proposal: Proposal, staff: User) -> AgreementDraft:
    osaka = MemberGovernment.objects.get(lg_code="270008")
    actions.screen_proposal(staff, proposal)
    actions.refer_proposal(staff, proposal, governments=[osaka])
    actions.start_discussion(staff, proposal)
    actions.agree_proposal(staff, proposal)
    return AgreementDraft.objects.get(proposal=proposal)


def test_staff_edit_the_draft_and_publish_what_they_wrote(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    draft = _agreed(submitted.proposal, bureau_staff)
    registry = actions.get_or_create_organization(
        bureau_staff, name_ja="国立大学法人テスト大学", kind="university"
    )
    kobe = MemberGovernment.objects.get(lg_code="281000")
    actions.update_agreement_draft(
        bureau_staff,
        draft,
        actions.AgreementInput(
            title_ja="港湾における水素利活用に関する連携協定",
            title_en="Agreement on hydrogen use in ports",
            outline_ja="港湾の荷役機械の脱炭素化に向けて連携する。",
            outline_en="The parties work together to decarbonise cargo handling.",
            theme_code="carbon_neutral",
            date_year=2026,
            date_month=7,
            date_day=None,
            partners=[registry],
            new_partners=[{"name_ja": "株式会社新規パートナー", "kind": "company"}],
            member_governments=[kobe],
            items=[
                {"text_ja": "水素燃料電池荷役機械の実証", "text_en": "Trials of fuel-cell cranes"},
                {"text_ja": "人材の育成", "text_en": ""},
            ],
            source_name_ja="神戸市ウェブサイト",
        ),
    )
    partnership = actions.publish_agreement(bureau_staff, draft)
    assert partnership.title_ja == "港湾における水素利活用に関する連携協定"
    assert partnership.title_en == "Agreement on hydrogen use in ports"
    assert partnership.outline_ja == "港湾の荷役機械の脱炭素化に向けて連携する。"
    assert partnership.date_iso == "2026-07"  # month precision, as written
    assert partnership.date_label_ja == "2026年7月"
    assert partnership.source_name_ja == "神戸市ウェブサイト"
    assert [(i.number, i.text_ja) for i in partnership.items.all()] == [
        (1, "水素燃料電池荷役機械の実証"),
        (2, "人材の育成"),
    ]
    assert list(partnership.member_governments.all()) == [kobe]
    assert sorted(o.name_ja for o in partnership.partners.all()) == [
        "国立大学法人テスト大学",
        "株式会社新規パートナー",
    ]
    # The proposer's own organisation was replaced by the partners staff chose.
    assert not Organization.objects.filter(name_ja="株式会社テスト水素エネルギー").exists()
    with pytest.raises(actions.ProposalError):
        actions.publish_agreement(bureau_staff, draft)
    assert Partnership.objects.filter(version__isnull=True).count() == 1


def test_an_incomplete_draft_is_not_published(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    draft = _agreed(submitted.proposal, bureau_staff)
    with pytest.raises(actions.ProposalError) as refused:
        actions.publish_agreement(bureau_staff, draft)
    assert "年月" in refused.value.message
    assert not Partnership.objects.filter(version__isnull=True).exists()


def test_a_draft_refuses_an_impossible_date(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    draft = _agreed(submitted.proposal, bureau_staff)
    data = actions.AgreementInput(
        title_ja="協定", outline_ja="", theme_code="", date_year=2026, date_month=2, date_day=30
    )
    with pytest.raises(actions.ProposalError) as refused:
        actions.update_agreement_draft(bureau_staff, draft, data)
    assert refused.value.field == "date_day"
    draft.refresh_from_db()
    assert draft.title_ja == submitted.proposal.title


@pytest.mark.parametrize("role", ["osaka_editor", "reviewer", "outsider"])
def test_only_the_bureau_edits_and_publishes_agreements(
    request: pytest.FixtureRequest, submitted: actions.Submitted, bureau_staff: User, role: str
) -> None:
    draft = _agreed(submitted.proposal, bureau_staff)
    person = request.getfixturevalue(role)
    data = actions.AgreementInput(
        title_ja="乗っ取り", outline_ja="", theme_code="", date_year=None, date_month=None
    )
    with pytest.raises(PermissionDenied):
        actions.update_agreement_draft(person, draft, data)
    with pytest.raises(PermissionDenied):
        actions.publish_agreement(person, draft)
    draft.refresh_from_db()
    assert draft.title_ja == submitted.proposal.title and not draft.is_published


def test_declining_needs_a_reason(submitted: actions.Submitted, bureau_staff: User) -> None:
    with pytest.raises(actions.ProposalError) as refused:
        actions.decline_proposal(bureau_staff, submitted.proposal, "  ")
    assert refused.value.field == "decline_reason"
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.RECEIVED
    actions.decline_proposal(bureau_staff, submitted.proposal, "予算の見込みがありません。")
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.DECLINED
    assert submitted.proposal.decline_reason == "予算の見込みがありません。"


def test_a_transition_from_the_wrong_state_is_refused(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    with pytest.raises(actions.ProposalError, match="「合意」はできません"):
        actions.agree_proposal(bureau_staff, submitted.proposal, signed_on=timezone.localdate())
    assert Partnership.objects.filter(version__isnull=True).count() == 0


def test_the_proposer_withdraws_with_the_token(submitted: actions.Submitted) -> None:
    actions.withdraw_by_token(submitted.status_token)
    submitted.proposal.refresh_from_db()
    assert submitted.proposal.state == State.WITHDRAWN
    with pytest.raises(actions.ProposalError, match="「取り下げ」はできません"):
        actions.withdraw_by_token(submitted.status_token)


# Who may move a proposal from the state before each transition.
ROLES = ["bureau_admin", "bureau_staff", "osaka_editor", "kyoto_editor", "reviewer", "outsider"]
ALLOWED = {
    "screen": {"bureau_admin", "bureau_staff"},
    "refer": {"bureau_admin", "bureau_staff"},
    "discuss": {"bureau_admin", "bureau_staff", "osaka_editor"},
    "agree": {"bureau_admin", "bureau_staff"},
    "decline": {"bureau_admin", "bureau_staff"},
    "withdraw": {"bureau_admin", "bureau_staff"},
}


def _bring_to(proposal: Proposal, name: str, admin: User) -> None:
    osaka = MemberGovernment.objects.get(lg_code="270008")
    if name in ("refer", "discuss", "agree"):
        actions.screen_proposal(admin, proposal)
    if name in ("discuss", "agree"):
        actions.refer_proposal(admin, proposal, governments=[osaka])
    if name == "agree":
        actions.start_discussion(admin, proposal)


def _run(name: str, user: User, proposal: Proposal) -> None:
    osaka = MemberGovernment.objects.get(lg_code="270008")
    match name:
        case "screen":
            actions.screen_proposal(user, proposal)
        case "refer":
            actions.refer_proposal(user, proposal, governments=[osaka])
        case "discuss":
            actions.start_discussion(user, proposal)
        case "agree":
            actions.agree_proposal(user, proposal, signed_on=datetime.date(2026, 5, 1))
        case "decline":
            actions.decline_proposal(user, proposal, "理由")
        case "withdraw":
            actions.withdraw_proposal(user, proposal)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_every_transition_checks_the_role(
    request: pytest.FixtureRequest,
    plan_version: PlanVersion,
    name: str,
    role: str,
) -> None:
    from actionplan.conftest import make_person

    people = {r: request.getfixturevalue(r) for r in ROLES}
    admin = make_person("second-admin", "bureau_admin")
    proposal = actions.submit_proposal(proposal_input()).proposal
    _bring_to(proposal, name, admin)
    before = Proposal.objects.get(pk=proposal.pk).state
    if role in ALLOWED[name]:
        _run(name, people[role], proposal)
        assert Proposal.objects.get(pk=proposal.pk).state == actions.TRANSITIONS[name][1]
    else:
        with pytest.raises(PermissionDenied):
            _run(name, people[role], proposal)
        assert Proposal.objects.get(pk=proposal.pk).state == before


def test_anonymous_cannot_move_a_proposal(submitted: actions.Submitted) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        actions.screen_proposal(AnonymousUser(), submitted.proposal)


def test_only_bureau_staff_are_assignees(
    submitted: actions.Submitted, bureau_admin: User, osaka_editor: User
) -> None:
    with pytest.raises(actions.ProposalError):
        actions.assign_proposal(bureau_admin, submitted.proposal, osaka_editor)
    with pytest.raises(PermissionDenied):
        actions.assign_proposal(osaka_editor, submitted.proposal, bureau_admin)


def test_an_editor_comments_only_once_referred_to_their_government(
    submitted: actions.Submitted, bureau_staff: User, osaka_editor: User, kyoto_editor: User
) -> None:
    proposal = submitted.proposal
    with pytest.raises(PermissionDenied):
        actions.add_note(osaka_editor, proposal, "見えないはず")
    actions.screen_proposal(bureau_staff, proposal)
    actions.refer_proposal(
        bureau_staff, proposal, governments=[MemberGovernment.objects.get(lg_code="270008")]
    )
    note = actions.add_note(osaka_editor, proposal, "検討します")
    assert note.author == osaka_editor
    with pytest.raises(PermissionDenied):
        actions.add_note(kyoto_editor, proposal, "見えないはず")


def test_purge_removes_contact_details_everywhere_and_keeps_the_rest(
    submitted: actions.Submitted, bureau_staff: User
) -> None:
    proposal = submitted.proposal
    actions.decline_proposal(bureau_staff, proposal, "対象外です。")
    open_one = actions.submit_proposal(proposal_input()).proposal
    assert actions.purge_personal_data(older_than_days=30) == 0
    later = timezone.now() + datetime.timedelta(days=31)
    assert actions.purge_personal_data(older_than_days=30, now=later) == 1
    proposal.refresh_from_db()
    assert (proposal.contact_name, proposal.email, proposal.phone) == ("", "", "")
    assert proposal.title and proposal.organization_name and proposal.decline_reason
    assert proposal.personal_data_purged_at is not None
    history = proposal.history.all()
    assert history.count() >= 2
    assert not history.exclude(email="").exists()
    assert not history.exclude(phone="").exists()
    assert not history.exclude(contact_name="").exists()
    # The open proposal keeps its details: the proposer is still being answered.
    open_one.refresh_from_db()
    assert open_one.email == EMAIL and open_one.phone == PHONE
    assert open_one.history.filter(email=EMAIL).exists()


def test_corporate_number_check_digit() -> None:
    assert actions.corporate_number_is_valid("7000012050002")  # 国税庁
    assert not actions.corporate_number_is_valid("8000012050002")
    assert not actions.corporate_number_is_valid("700001205000")
    assert not actions.corporate_number_is_valid("７000012050002")


def test_organizations_are_deduplicated_by_normalised_name(bureau_staff: User) -> None:
    first = actions.get_or_create_organization(
        bureau_staff, name_ja="株式会社Ａｌｐｈａ Ｗｏｒｋｓ", kind="company"
    )
    second = actions.get_or_create_organization(bureau_staff, name_ja="AlphaWorks")
    assert first == second
    assert Organization.objects.filter(normalized_name=first.normalized_name).count() == 1
    with pytest.raises(actions.ProposalError) as refused:
        actions.get_or_create_organization(
            bureau_staff, name_ja="別の会社", corporate_number="1234567890123"
        )
    assert refused.value.field == "corporate_number"


def test_only_the_bureau_edits_the_registry(osaka_editor: User, reviewer: User) -> None:
    for person in (osaka_editor, reviewer):
        with pytest.raises(PermissionDenied):
            actions.get_or_create_organization(person, name_ja="株式会社だれか")
        with pytest.raises(PermissionDenied):
            actions.create_partnership(
                person, title_ja="x", outline_ja="y", theme_code="", signed_on=timezone.localdate()
            )
    assert not Organization.objects.filter(name_ja="株式会社だれか").exists()
