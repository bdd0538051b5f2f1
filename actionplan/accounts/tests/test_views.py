from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from actionplan.accounts.models import Invitation, Profile, Role
from actionplan.conftest import PASSWORD, client_for
from actionplan.plans.models import MemberGovernment


def test_staff_invites_an_editor_who_accepts_and_is_signed_in(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    # The invitation mail leaves through the outbox once the invitation is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bureau_staff).post(
            "/accounts/users/",
            {
                "email": "new@example.jp",
                "role": Role.MEMBER_EDITOR,
                "member_government": _osaka_pk(),
            },
        )
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/invitations/\S+/)", str(mail.outbox[0].body))
    assert link is not None and mail.outbox[0].to == ["new@example.jp"]
    invitation = Invitation.objects.get()
    assert link.group(1).split("/")[-2] not in invitation.token_hash  # only the hash is stored
    client = Client()
    accepted = client.post(
        link.group(1), {"username": "newbie", "password": "kansai progress 2026!"}
    )
    assert accepted.status_code == 302
    profile = Profile.objects.get(user__username="newbie")
    assert profile.role == Role.MEMBER_EDITOR and profile.member_government is not None
    assert profile.user.password.startswith("argon2")
    # The link works once.
    assert client.get(link.group(1)).status_code == 404


def test_editor_cannot_invite(osaka_editor: User) -> None:
    response = client_for(osaka_editor).post(
        "/accounts/users/", {"email": "x@example.jp", "role": Role.BUREAU_STAFF}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_staff_cannot_invite_an_admin(bureau_staff: User) -> None:
    response = client_for(bureau_staff).post(
        "/accounts/users/", {"email": "x@example.jp", "role": Role.BUREAU_ADMIN}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_login_page_says_the_name_is_locked(osaka_editor: User) -> None:
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "osaka", "password": "nope"})
    page = client.post("/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert page.status_code == 429
    assert "この利用者名はこの端末から15分間サインインできません" in page.content.decode()
    assert "_auth_user_id" not in client.session
    english = client.post("/en/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert "this user name cannot sign in from this device for 15 minutes" in (
        english.content.decode()
    )


def test_login_page_signs_in(osaka_editor: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "osaka", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/progress/"


def test_only_admin_deactivates(bureau_admin: User, bureau_staff: User, osaka_editor: User) -> None:
    url = f"/accounts/users/{osaka_editor.pk}/active/"
    assert client_for(bureau_staff).post(url, {"active": "0"}).status_code == 403
    client_for(bureau_admin).post(url, {"active": "0"})
    osaka_editor.refresh_from_db()
    assert not osaka_editor.is_active


def _osaka_pk() -> int:
    return MemberGovernment.objects.get(lg_code="270008").pk


def test_users_page_in_english_names_each_users_member_government(bureau_staff: User) -> None:
    page = client_for(bureau_staff).get("/en/accounts/users/").content.decode()
    # The plan's catalogue gives the plain word as the actor "Member prefectures and cities".
    assert "<th>Member government</th>" in page


def test_invitation_form_offers_the_member_governments_in_the_page_language(
    bureau_staff: User, osaka_editor: User
) -> None:
    english = client_for(bureau_staff).get("/en/accounts/users/").content.decode()
    assert f'<option value="{_osaka_pk()}">Osaka Prefecture</option>' in english
    assert "大阪府" not in english and "京都府" not in english
    japanese = client_for(bureau_staff).get("/accounts/users/").content.decode()
    assert f'<option value="{_osaka_pk()}">大阪府</option>' in japanese


def _invite(inviter: User, role: str = Role.BUREAU_STAFF) -> Invitation:
    client_for(inviter).post("/accounts/users/", {"email": "guest@example.jp", "role": role})
    return Invitation.objects.get(email="guest@example.jp")


def _link(message: object) -> str:
    found = re.search(r"http://testserver(/accounts/invitations/\S+/)", str(message))
    assert found is not None
    return found.group(1)


def test_staff_resend_an_invitation_with_a_new_link(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Invitation mails leave through the outbox once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(bureau_staff)
    old_link = _link(mail.outbox[0].body)
    page = client_for(bureau_staff).get("/accounts/users/").content.decode()
    assert f'action="/accounts/invitations/{invitation.pk}/resend/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bureau_staff).post(f"/accounts/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["guest@example.jp"]
    new_link = _link(mail.outbox[1].body)
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404  # the old link no longer works
    assert Client().get(new_link).status_code == 200
    assert invitation.history.first().history_change_reason == "resend"


def test_revoking_an_invitation_asks_then_kills_the_link(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(bureau_staff)
    link = _link(mail.outbox[0].body)
    staff = client_for(bureau_staff)
    url = f"/accounts/invitations/{invitation.pk}/revoke/"
    asked = staff.post(url)
    assert asked.status_code == 200 and "招待を取り消しますか" in asked.content.decode()
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    english = staff.post(f"/en{url}")
    assert "Revoke the invitation?" in english.content.decode()
    done = staff.post(url, {"confirmed": "yes"}, follow=True)
    assert "guest@example.jp への招待を取り消しました" in done.content.decode()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert Invitation.history.filter(id=invitation.pk, history_type="-").exists()
    assert Client().get(link).status_code == 404


def test_an_admin_changes_a_role_and_the_history_keeps_it(
    bureau_admin: User, osaka_editor: User
) -> None:
    admin = client_for(bureau_admin)
    page = admin.get("/accounts/users/").content.decode()
    assert f'action="/accounts/users/{osaka_editor.pk}/role/"' in page
    url = f"/accounts/users/{osaka_editor.pk}/role/"
    kyoto = MemberGovernment.objects.get(lg_code="260002")
    admin.post(url, {"role": Role.MEMBER_EDITOR, "member_government": kyoto.pk})
    profile = Profile.objects.get(user=osaka_editor)
    assert profile.member_government == kyoto
    # An editor without a government is refused with a message in the page's language.
    refused = admin.post(url, {"role": Role.MEMBER_EDITOR}, follow=True)
    assert "構成府県市の担当者には府県市を一つ選び" in refused.content.decode()
    refused = admin.post(f"/en{url}", {"role": Role.MEMBER_EDITOR}, follow=True)
    assert "choose exactly one member government" in refused.content.decode()
    admin.post(url, {"role": Role.REVIEWER})
    profile.refresh_from_db()
    assert profile.role == Role.REVIEWER and profile.member_government is None
    assert profile.history.first().history_user == bureau_admin


def test_people_without_the_right_cannot_resend_revoke_or_change_roles(
    bureau_admin: User, bureau_staff: User, osaka_editor: User, outsider: User
) -> None:
    invitation = _invite(bureau_admin)
    sent = len(mail.outbox)
    for person in (None, outsider, osaka_editor):
        client = Client() if person is None else client_for(person)
        for url, data in (
            (f"/accounts/invitations/{invitation.pk}/resend/", {}),
            (f"/accounts/invitations/{invitation.pk}/revoke/", {"confirmed": "yes"}),
            (f"/accounts/users/{osaka_editor.pk}/role/", {"role": Role.BUREAU_ADMIN}),
        ):
            response = client.post(url, data)
            assert response.status_code in (302, 403), url
            if person is None:
                assert "login" in response["Location"]
    # Bureau staff (not admin) may not change roles either.
    staff_try = client_for(bureau_staff).post(
        f"/accounts/users/{osaka_editor.pk}/role/", {"role": Role.BUREAU_ADMIN}
    )
    assert staff_try.status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert len(mail.outbox) == sent
    assert Profile.objects.get(user=osaka_editor).role == Role.MEMBER_EDITOR


def test_an_invitation_in_english_mails_english_and_the_new_person_keeps_english(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Invited from the Japanese staff page, in English: the mail, its link and later mail.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bureau_staff).post(
            "/accounts/users/",
            {"email": "guest@example.com", "role": Role.BUREAU_STAFF, "mail_language": "en"},
        )
    assert response.status_code == 302
    sent = mail.outbox[-1]
    assert sent.to == ["guest@example.com"]
    assert sent.subject == "[Kansai Industrial Vision Action Plan] Your staff account invitation"
    assert "valid for" in str(sent.body) and not re.search(r"[ぁ-んァ-ン]", str(sent.body))
    link = re.search(r"http://testserver(/en/accounts/invitations/\S+/)", str(sent.body))
    assert link is not None
    page = client_for(bureau_staff).get("/accounts/users/").content.decode()
    assert "guest@example.com · " in page and "英語" in page  # the pending list says so
    # Sent again in the same language.
    invitation = Invitation.objects.get(email="guest@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bureau_staff).post(f"/accounts/invitations/{invitation.pk}/resend/")
    assert mail.outbox[-1].subject == sent.subject
    again = re.search(
        r"http://testserver(/en/accounts/invitations/\S+/)", str(mail.outbox[-1].body)
    )
    assert again is not None
    accepted = Client().post(
        again.group(1), {"username": "guest", "password": "kansai progress 2026!"}
    )
    assert accepted.status_code == 302
    assert Profile.objects.get(user__username="guest").mail_language == "en"


def test_an_invitation_is_japanese_unless_asked_and_an_unknown_language_is_refused(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bureau_staff).post(
            "/accounts/users/", {"email": "ja@example.jp", "role": Role.BUREAU_STAFF}
        )
    assert mail.outbox[-1].subject == "【関西広域産業ビジョン アクションプラン】利用者登録のご案内"
    assert re.search(r"http://testserver/accounts/invitations/\S+/", str(mail.outbox[-1].body))
    assert Invitation.objects.get(email="ja@example.jp").mail_language == "ja"
    refused = client_for(bureau_staff).post(
        "/accounts/users/",
        {"email": "xx@example.jp", "role": Role.BUREAU_STAFF, "mail_language": "fr"},
    )
    assert refused.status_code == 200
    assert not Invitation.objects.filter(email="xx@example.jp").exists()
    assert "英語" in refused.content.decode()  # the choices are offered again, in Japanese


@override_settings(PROGRESS_CONTACT_EMAIL="sangyo@example.jp", ACCOUNTS_INVITATION_DAYS=14)
def test_the_invitation_mail_names_the_inviter_role_government_expiry_and_contact(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    bureau_staff.first_name, bureau_staff.last_name = "花子", "山田"
    bureau_staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bureau_staff).post(
            "/accounts/users/",
            {
                "email": "new@example.jp",
                "role": Role.MEMBER_EDITOR,
                "member_government": _osaka_pk(),
            },
        )
    invitation = Invitation.objects.get()
    expires = timezone.localtime(invitation.expires_at).date().isoformat()
    body = str(mail.outbox[-1].body)
    assert "招待した人：花子 山田" in body
    assert "役割：構成府県市 担当者" in body
    assert "構成府県市：大阪府" in body
    assert f"有効期限：{expires}（14日間有効）" in body
    assert "問い合わせ先：関西広域連合 広域産業振興局" in body
    assert "メール：sangyo@example.jp" in body


@override_settings(PROGRESS_CONTACT_NAME_EN="Kansai Union, Industry Bureau")
def test_an_english_invitation_mail_says_the_same_in_english(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bureau_staff).post(
            "/accounts/users/",
            {
                "email": "guest@example.com",
                "role": Role.MEMBER_EDITOR,
                "member_government": _osaka_pk(),
                "mail_language": "en",
            },
        )
    body = str(mail.outbox[-1].body)
    assert "Invited by: staff" in body
    assert "Role: Member-government editor" in body
    assert "Member government: Osaka Prefecture" in body
    assert "Valid until: " in body
    assert "Contact: Kansai Union, Industry Bureau" in body
    assert not re.search(r"[ぁ-んァ-ン一-龥]", body)


def test_an_address_with_a_pending_invitation_is_not_invited_twice(
    bureau_staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(bureau_staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/accounts/users/", {"email": "twice@example.jp", "role": Role.BUREAU_STAFF})
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post("/accounts/users/", {"email": "Twice@Example.jp", "role": Role.REVIEWER})
    assert again.status_code == 200
    page = again.content.decode()
    assert "このメールアドレスには招待中の招待があります。" in page
    assert "「送り直す」を使ってください" in page
    assert Invitation.objects.count() == 1 and len(mail.outbox) == sent
    english = staff.post("/en/accounts/users/", {"email": "twice@example.jp", "role": "reviewer"})
    assert "This address already has a pending invitation." in english.content.decode()
    assert Invitation.objects.count() == 1
    # Once revoked (or accepted), the address may be invited again.
    revoked = Invitation.objects.get()
    staff.post(f"/accounts/invitations/{revoked.pk}/revoke/", {"confirmed": "yes"})
    staff.post("/accounts/users/", {"email": "twice@example.jp", "role": Role.REVIEWER})
    assert Invitation.objects.get().role == Role.REVIEWER
