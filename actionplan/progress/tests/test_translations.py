"""The bureau's page for writing the unofficial English of actions a new edition lacks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from actionplan.accounts.permissions import PermissionDenied
from actionplan.conftest import client_for
from actionplan.plans.actions import import_plan_document, import_plan_file
from actionplan.plans.importer.document import read_plan_document
from actionplan.plans.importer.themes import theme_code
from actionplan.plans.models import (
    Action,
    Milestone,
    Partnership,
    PartnershipItem,
    PlanVersion,
    Theme,
    VisionStatement,
    YearTheme,
)
from actionplan.plans.tests.documents import BUNDLED
from actionplan.plans.translations import (
    KINDS,
    Translations,
    missing_entries,
    untranslated_items,
)
from actionplan.progress import actions
from actionplan.progress.actions import UNOFFICIAL_TRANSLATION_REASON, ProgressError
from actionplan.search.actions import rebuild_index
from actionplan.search.models import Kind
from actionplan.search.queries import search

URL = "/progress/translations/"
ENGLISH = "Run a pilot matching programme for regional start-ups and large firms."


def token(action: Action) -> str:
    return f"action-action-text-{action.pk}"


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
    shown = {
        a.pk
        for a in Action.objects.filter(pk__in=missing)
        if f'id="action-action-text-{a.pk}"' in html
    }
    assert {a.pk for a in untranslated} <= shown
    assert f'id="action-action-text-{translated.pk}"' not in html
    assert "英訳のない文章：" in html
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
    response = staff.post(URL, {"item": token(action), "text_en": f"  {ENGLISH}\n"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.text_en == ENGLISH
    last = action.history.first()
    assert last is not None
    assert last.text_en == ENGLISH
    assert last.history_user_id == bureau_staff.pk
    assert last.history_change_reason == UNOFFICIAL_TRANSLATION_REASON
    # Gone from the list, shown (with the unofficial notice) on the public English page.
    assert f'id="action-action-text-{action.pk}"' not in staff.get(URL).content.decode()
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
    assert f'id="action-action-text-{untranslated[0].pk}"' in html
    saved = actions.translate_action(bureau_staff, untranslated[0], ENGLISH)
    assert saved.text_en == ENGLISH


@pytest.mark.django_db
def test_superseded_edition_and_empty_text_are_refused(
    bureau_staff: User, plan_version: PlanVersion, untranslated: list[Action]
) -> None:
    with pytest.raises(ProgressError) as empty:
        actions.translate_action(bureau_staff, untranslated[0], "   ")
    assert empty.value.field == "text_en"
    response = client_for(bureau_staff).post(URL, {"item": token(untranslated[0]), "text_en": " "})
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
    assert client.post(URL, {"item": token(action), "text_en": ENGLISH}).status_code == 403
    action.refresh_from_db()
    assert action.text_en == ""
    with pytest.raises(PermissionDenied):
        actions.translate_action(user, action, ENGLISH)


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(untranslated: list[Action]) -> None:
    client = client_for(None)
    response = client.post(URL, {"item": token(untranslated[0]), "text_en": ENGLISH})
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
    html = client_for(bureau_staff).get(f"{URL}?theme={theme.pk}&kind=action").content.decode()
    count = Action.objects.filter(theme=theme).count()
    assert f"英訳のない文章：{count}件" in html
    other = Action.objects.filter(version=plan_version).exclude(theme=theme).first()
    assert other is not None
    assert f'id="action-action-text-{other.pk}"' not in html
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


@pytest.fixture
def untranslated_edition(reference: None) -> PlanVersion:
    """The bundled plan imported with no translation at all: every text lacks English, as in
    a new edition the translation file does not cover yet."""
    return import_plan_file(BUNDLED, translations=Translations()).version


def shown_tokens(html: str) -> set[str]:
    return set(re.findall(r'<section class="translation-item" id="([^"]+)"', html))


@pytest.mark.django_db
def test_every_kind_of_text_is_listed(
    bureau_staff: User, untranslated_edition: PlanVersion
) -> None:
    staff = client_for(bureau_staff)
    expected = {
        "action": Action.objects.filter(version=untranslated_edition).first(),
        "milestone": Milestone.objects.filter(version=untranslated_edition).first(),
        "year_theme": YearTheme.objects.filter(version=untranslated_edition).first(),
        "vision": VisionStatement.objects.filter(version=untranslated_edition).first(),
        "partnership_item": PartnershipItem.objects.filter(
            partnership__version=untranslated_edition
        ).first(),
    }
    for kind in KINDS:
        html = staff.get(f"{URL}?kind={kind}").content.decode()
        tokens = shown_tokens(html)
        assert tokens, kind
        assert all(t.startswith(f"{kind}-") for t in tokens), kind
        record = expected.get(kind)
        if record is not None:
            name = type(record)._meta.model_name
            assert f"{kind}-{name}-text-{record.pk}" in tokens
    theme = Theme.objects.filter(version=untranslated_edition).first()
    assert theme is not None
    html = staff.get(f"{URL}?kind=theme").content.decode()
    assert f"theme-theme-desired_state-{theme.pk}" in shown_tokens(html)
    assert theme.desired_state_ja in html
    partnership = Partnership.objects.filter(version=untranslated_edition).first()
    assert partnership is not None
    html = staff.get(f"{URL}?kind=partnership").content.decode()
    assert f"partnership-partnership-title-{partnership.pk}" in shown_tokens(html)
    everything = untranslated_items(untranslated_edition)
    assert f"英訳のない文章：{len(everything)}件" in staff.get(URL).content.decode()


@pytest.mark.django_db
def test_kind_and_theme_filters_and_pages(
    bureau_staff: User, untranslated_edition: PlanVersion
) -> None:
    staff = client_for(bureau_staff)
    theme = Theme.objects.filter(version=untranslated_edition).order_by("position")[1]
    milestones = Milestone.objects.filter(theme=theme)
    # text, note, figure label and source of each development of the theme that has them
    count = sum(
        bool(getattr(ms, f"{name}_ja"))
        for ms in milestones
        for name in ("text", "note", "figure_label", "figure_source")
    )
    html = staff.get(f"{URL}?kind=milestone&theme={theme.pk}").content.decode()
    assert f"英訳のない文章：{count}件" in html
    other = Milestone.objects.filter(version=untranslated_edition).exclude(theme=theme).first()
    assert other is not None
    assert f"milestone-milestone-text-{other.pk}" not in html
    total = len(untranslated_items(untranslated_edition))
    pages = (total + 19) // 20
    seen: set[str] = set()
    for number in range(1, pages + 1):
        seen |= shown_tokens(staff.get(f"{URL}?page={number}").content.decode())
    assert len(seen) == total


@pytest.mark.django_db
def test_staff_write_a_development_an_agreement_item_and_a_label(
    bureau_staff: User, untranslated_edition: PlanVersion
) -> None:
    staff = client_for(bureau_staff)
    milestone = Milestone.objects.filter(version=untranslated_edition).first()
    assert milestone is not None
    token_ms = f"milestone-milestone-text-{milestone.pk}"
    response = staff.post(URL, {"item": token_ms, "text_en": "  A hub opened.\n"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.text_en == "A hub opened."
    last = milestone.history.first()
    assert last is not None
    assert last.history_user_id == bureau_staff.pk
    assert last.history_change_reason == UNOFFICIAL_TRANSLATION_REASON
    item = PartnershipItem.objects.filter(partnership__version=untranslated_edition).first()
    assert item is not None
    staff.post(URL, {"item": f"partnership_item-partnershipitem-text-{item.pk}", "text_en": "X"})
    item.refresh_from_db()
    assert item.text_en == "X"
    # A label: every row that carries it gets the English, each with its history row.
    group = (
        Action.objects.filter(version=untranslated_edition)
        .exclude(group_ja="")
        .values_list("group_ja", flat=True)
        .first()
    )
    assert group is not None
    term = next(i for i in untranslated_items(untranslated_edition) if i.text_ja == group)
    assert len(term.rows) > 1
    staff.post(URL, {"item": term.token, "text_en": "Start-ups"})
    carrying = Action.objects.filter(version=untranslated_edition, group_ja=group)
    assert set(carrying.values_list("group_en", flat=True)) == {"Start-ups"}
    assert all(a.history.first().history_change_reason for a in carrying)
    listed = shown_tokens(staff.get(URL + "?kind=milestone").content.decode())
    assert token_ms not in listed
    # The public English page shows it, under the notice that English is unofficial.
    english = client_for(None).get("/en/developments/").content.decode()
    assert "A hub opened." in english
    assert "unofficial" in english.lower()


@pytest.mark.django_db
def test_too_long_label_and_unknown_item_are_refused(
    bureau_staff: User, untranslated_edition: PlanVersion
) -> None:
    staff = client_for(bureau_staff)
    period = untranslated_edition.periods.first()
    assert period is not None
    term = next(
        i
        for i in untranslated_items(untranslated_edition, kind="term")
        if i.text_ja == period.label_ja
    )
    html = staff.post(
        URL + "?kind=term", {"item": term.token, "text_en": "x" * 60}
    ).content.decode()
    assert "英訳が長すぎます（50文字まで）" in html
    period.refresh_from_db()
    assert period.label_en == ""
    html = staff.post(URL, {"item": "action-action-text-999999", "text_en": "x"}).content.decode()
    assert "この版にこの文章はありません" in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["osaka_editor", "outsider"])
def test_others_cannot_write_any_kind(
    who: str, request: pytest.FixtureRequest, untranslated_edition: PlanVersion
) -> None:
    user: User = request.getfixturevalue(who)
    milestone = Milestone.objects.filter(version=untranslated_edition).first()
    assert milestone is not None
    token_ms = f"milestone-milestone-text-{milestone.pk}"
    response = client_for(user).post(URL, {"item": token_ms, "text_en": "A hub opened."})
    assert response.status_code == 403
    milestone.refresh_from_db()
    assert milestone.text_en == ""
    with pytest.raises(PermissionDenied):
        actions.translate_item(user, untranslated_edition, token_ms, "A hub opened.")


@pytest.mark.django_db
def test_page_and_translation_file_cover_the_same_texts(
    untranslated_edition: PlanVersion,
) -> None:
    """What the staff page lists for an edition without English is what `translations-missing`
    (the translation file's format) lists for its document, and the other way round."""
    doc = read_plan_document(BUNDLED.read_bytes())
    codes = {t.name: theme_code(t.name, t.heading) for t in doc.themes}
    missing = missing_entries(doc, codes, Translations())
    entries: Any = missing["entries"]
    terms: Any = missing["terms"]
    from_file = {e["ja"] for e in entries.values()} | set(terms)
    on_page = {
        line
        for item in untranslated_items(untranslated_edition)
        for line in (
            [item.text_ja] if item.kind in ("term", "version") else item.text_ja.split("\n")
        )
    }
    assert on_page == from_file


@pytest.mark.django_db
def test_english_written_by_staff_follows_into_the_next_edition(
    bureau_staff: User, untranslated_edition: PlanVersion
) -> None:
    milestone = Milestone.objects.filter(version=untranslated_edition).first()
    action = Action.objects.filter(version=untranslated_edition, parent=None).first()
    assert milestone is not None and action is not None
    actions.translate_item(
        bureau_staff, untranslated_edition, f"milestone-milestone-text-{milestone.pk}", "Opened."
    )
    actions.translate_action(bureau_staff, action, "Kept action.")
    revised = (
        BUNDLED.read_text(encoding="utf-8")
        .replace("2025年11月改訂版", "2026年5月改訂版")
        .replace("2025年11月", "2026年5月")
    )
    new = import_plan_document(
        revised.encode(), source_name="revised.txt", translations=Translations()
    ).version
    assert new.is_current
    assert Milestone.objects.get(version=new, key=milestone.key).text_en == "Opened."
    assert Action.objects.get(version=new, key=action.key).text_en == "Kept action."


@pytest.mark.django_db
def test_english_of_an_agreement_item_is_found_by_search(
    bureau_staff: User,
    untranslated_edition: PlanVersion,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rebuild_index()
    item = PartnershipItem.objects.filter(partnership__version=untranslated_edition).first()
    assert item is not None
    assert not search("hydrothermal").hits
    with django_capture_on_commit_callbacks(execute=True):
        actions.translate_item(
            bureau_staff,
            untranslated_edition,
            f"partnership_item-partnershipitem-text-{item.pk}",
            "Joint hydrothermal research",
        )
    hits = search("hydrothermal").hits
    assert [(hit.kind, hit.id) for hit in hits] == [(Kind.PARTNERSHIP, item.partnership_id)]
