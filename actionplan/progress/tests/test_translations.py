"""The bureau's page for writing the unofficial English of actions a new edition lacks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from actionplan.accounts.permissions import PermissionDenied
from actionplan.conftest import client_for
from actionplan.plans.models import Action, PlanVersion
from actionplan.progress import actions
from actionplan.progress.actions import UNOFFICIAL_TRANSLATION_REASON, ProgressError

URL = "/progress/translations/"
ENGLISH = "Run a pilot matching programme for regional start-ups and large firms."


@pytest.fixture
def untranslated(plan_version: PlanVersion) -> list[Action]:
    """Three actions of the first theme without English, as in an edition the bundled
    translation does not cover yet."""
    chosen = list(Action.objects.filter(version=plan_version).order_by("pk")[:3])
    Action.objects.filter(pk__in=[a.pk for a in chosen]).update(text_en="")
    return chosen


@pytest.mark.django_db
def test_list_shows_only_actions_without_english(
    bureau_staff: User, untranslated: list[Action]
) -> None:
    missing = set(Action.objects.filter(text_en="").values_list("pk", flat=True))
    assert {a.pk for a in untranslated} <= missing
    translated = Action.objects.exclude(text_en="").first()
    assert translated is not None
    html = client_for(bureau_staff).get(URL + "?page=1").content.decode()
    shown = {a.pk for a in Action.objects.filter(pk__in=missing) if f'id="action-{a.pk}"' in html}
    assert {a.pk for a in untranslated} <= shown
    assert f'id="action-{translated.pk}"' not in html
    assert "英訳のない取組：" in html
    assert "英訳（非公式）" in html


@pytest.mark.django_db
def test_bureau_staff_saves_english_with_history_and_public_page_shows_it(
    bureau_staff: User, untranslated: list[Action]
) -> None:
    action = untranslated[0]
    public = client_for(None).get(f"/en/actions/{action.pk}/")
    assert public.status_code == 200
    assert ENGLISH not in public.content.decode()
    staff = client_for(bureau_staff)
    response = staff.post(URL, {"action": action.pk, "text_en": f"  {ENGLISH}\n"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.text_en == ENGLISH
    last = action.history.first()
    assert last is not None
    assert last.text_en == ENGLISH
    assert last.history_user_id == bureau_staff.pk
    assert last.history_change_reason == UNOFFICIAL_TRANSLATION_REASON
    # Gone from the list, shown (with the unofficial notice) on the public English page.
    assert f'id="action-{action.pk}"' not in staff.get(URL).content.decode()
    english = client_for(None).get(f"/en/actions/{action.pk}/").content.decode()
    assert ENGLISH in english
    assert "unofficial" in english.lower()


@pytest.mark.django_db
def test_staged_edition_is_listed_and_translated(
    bureau_staff: User, plan_version: PlanVersion, untranslated: list[Action]
) -> None:
    PlanVersion.objects.filter(pk=plan_version.pk).update(is_current=False, activated_at=None)
    html = client_for(bureau_staff).get(URL).content.decode()
    assert "取込済み（未公開）" in html
    assert f'id="action-{untranslated[0].pk}"' in html
    saved = actions.translate_action(bureau_staff, untranslated[0], ENGLISH)
    assert saved.text_en == ENGLISH


@pytest.mark.django_db
def test_superseded_edition_and_empty_text_are_refused(
    bureau_staff: User, plan_version: PlanVersion, untranslated: list[Action]
) -> None:
    with pytest.raises(ProgressError) as empty:
        actions.translate_action(bureau_staff, untranslated[0], "   ")
    assert empty.value.field == "text_en"
    response = client_for(bureau_staff).post(URL, {"action": untranslated[0].pk, "text_en": " "})
    assert response.status_code == 200
    assert "英訳を入力してください" in response.content.decode()
    PlanVersion.objects.filter(pk=plan_version.pk).update(is_current=False)
    with pytest.raises(ProgressError):
        actions.translate_action(bureau_staff, untranslated[0], ENGLISH)
    untranslated[0].refresh_from_db()
    assert untranslated[0].text_en == ""


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["osaka_editor", "reviewer", "outsider"])
def test_others_are_refused(
    who: str, request: pytest.FixtureRequest, untranslated: list[Action]
) -> None:
    user: User = request.getfixturevalue(who)
    client = client_for(user)
    action = untranslated[0]
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": action.pk, "text_en": ENGLISH}).status_code == 403
    action.refresh_from_db()
    assert action.text_en == ""
    with pytest.raises(PermissionDenied):
        actions.translate_action(user, action, ENGLISH)


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(untranslated: list[Action]) -> None:
    client = client_for(None)
    response = client.post(URL, {"action": untranslated[0].pk, "text_en": ENGLISH})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    untranslated[0].refresh_from_db()
    assert untranslated[0].text_en == ""


@pytest.mark.django_db
def test_theme_filter_and_pages(bureau_staff: User, plan_version: PlanVersion) -> None:
    Action.objects.filter(version=plan_version).update(text_en="")
    first = Action.objects.filter(version=plan_version).order_by("theme__position").first()
    assert first is not None
    theme = first.theme
    html = client_for(bureau_staff).get(f"{URL}?theme={theme.pk}").content.decode()
    count = Action.objects.filter(theme=theme).count()
    assert f"英訳のない取組：{count}件" in html
    other = Action.objects.filter(version=plan_version).exclude(theme=theme).first()
    assert other is not None
    assert f'id="action-{other.pk}"' not in html
    assert html.count('class="translation-item"') == min(count, 20)


@pytest.mark.django_db
def test_page_in_english_and_linked_from_staff_menu(
    bureau_staff: User, osaka_editor: User, untranslated: list[Action]
) -> None:
    english = client_for(bureau_staff).get("/en" + URL).content.decode()
    assert "English translations" in english
    assert "English translation (unofficial)" in english
    assert "英訳" not in english
    assert 'href="/en/progress/translations/"' in english
    menu = client_for(bureau_staff).get("/progress/assignments/").content.decode()
    assert f'href="{URL}"' in menu
    editor_menu = client_for(osaka_editor).get("/progress/assignments/").content.decode()
    assert f'href="{URL}"' not in editor_menu
