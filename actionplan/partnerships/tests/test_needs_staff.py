"""Staff keep each action's needs on the desk's pages: a stored row replaces the bundled file's
entry for its key until staff restore the bundled phrases."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships.models import ActionNeeds
from actionplan.partnerships.suggest import (
    NEEDS_FILE,
    action_needs,
    bundled_phrases,
    parse_needs,
    suggest,
)
from actionplan.plans.models import Action, Hub, PlanVersion
from actionplan.web.stamp import data_stamp

from .conftest import proposal_input

# Proposals of several subjects, in both languages: their suggestions must not move while no
# staff row exists.
TEXTS = [
    ("水素と蓄電池を組み合わせた港湾の脱炭素化実証", False),
    ("創薬シーズを製薬会社に売り込みたいバイオベンチャーです", False),
    ("We are a biotech venture looking for a licensing partner for our compound", True),
    ("学生に起業を教えるプログラムを大学と一緒に作りたい", False),
]
# A word that no record of the plan writes.
WORD = "ズィクワク"


def _action(plan_version: PlanVersion) -> Action:
    # A life-science action: nothing of it is about the words the tests use.
    action = Action.objects.filter(version=plan_version, theme__code="life_science").last()
    assert action is not None
    return action


def _textarea(page: str, name: str) -> str:
    """The opening tag of the page's textarea `name`."""
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def _ranked(texts: list[tuple[str, bool]] = TEXTS) -> list[list[tuple[str, float, str]]]:
    found = []
    for text, english in texts:
        with translation.override("en" if english else "ja"):
            ranked = suggest(text, english=english)
            found.append([(s.key, s.score, s.reason) for s in ranked["action"]])
    return found


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_are_refused_on_both_pages(
    plan_version: PlanVersion, osaka_editor: User, method: str
) -> None:
    key = _action(plan_version).key
    data = {"phrases_ja": WORD, "phrases_en": "zyxwq", "confirmed": "yes"}
    urls = ["/desk/needs/", f"/desk/needs/{key}/", f"/desk/needs/{key}/restore/"]
    for url in urls:
        anonymous = getattr(Client(), method)(url, data)
        # Sent to sign in (the restore step takes POST only).
        assert anonymous.status_code in (302, 405), url
        if anonymous.status_code == 302:
            assert "/accounts/login/" in anonymous["Location"], url
        editor = getattr(client_for(osaka_editor), method)(url, data)
        assert editor.status_code in (403, 405), url
        if method == "post" and url != "/desk/needs/":
            assert editor.status_code == 403, url
    ActionNeeds.objects.create(plan=plan_version.plan, action_key=key, phrases_ja="x")
    assert client_for(osaka_editor).post(urls[2], data).status_code == 403
    assert Client().post(urls[2], data).status_code == 302
    assert ActionNeeds.objects.get().phrases_ja == "x"
    assert ActionNeeds.history.count() == 1


def test_the_list_groups_actions_with_counts_and_changes(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    japanese, english = bundled_phrases(action.key)
    staff = client_for(bureau_staff)
    page = staff.get("/desk/needs/").content.decode()
    assert page.count("<h2>") == 6  # the six themes
    assert f'href="/desk/needs/{action.key}/"' in page
    assert "変更あり" not in page
    staff.post(f"/desk/needs/{action.key}/", {"phrases_ja": WORD, "phrases_en": ""})
    page = staff.get("/desk/needs/?theme=life_science").content.decode()
    assert page.count("<h2>") == 1
    assert "<h2>ライフサイエンス</h2>" in page
    row = page.split(f'href="/desk/needs/{action.key}/"')[1].split("</tr>")[0]
    assert "<td>1</td>" in row and "<td>0</td>" in row and "変更あり" in row
    english_page = staff.get("/en/desk/needs/?theme=life_science").content.decode()
    assert action.text_en in english_page
    assert "Changed" in english_page and "Action needs" in english_page
    assert len(japanese) >= 4 and len(english) >= 4


def test_staff_save_stores_the_row_and_its_history(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    japanese, english = bundled_phrases(action.key)
    url = f"/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    form = staff.get(url).content.decode()
    assert japanese[0] in form and english[0] in form and action.text_ja in form
    posted = {
        "phrases_ja": "\n".join(
            [*japanese[1:], "", f"  {WORD}を探したい  ", "相手、できれば関西で"]
        ),
        "phrases_en": "\n".join(english),
    }
    response = staff.post(url, posted)
    assert response.status_code == 302
    row = ActionNeeds.objects.get(plan=plan_version.plan, action_key=action.key)
    assert row.japanese == [*japanese[1:], f"{WORD}を探したい", "相手、できれば関西で"]
    assert row.english == english
    assert row.changed_by == bureau_staff
    record = ActionNeeds.history.get()
    assert record.history_user == bureau_staff and record.history_type == "+"
    page = staff.get(url).content.decode()
    # Each phrase quoted: one may hold the separator a list of them would use (、).
    assert (
        f'日本語 追加: 「<span lang="ja">{WORD}を探したい</span>」'
        '「<span lang="ja">相手、できれば関西で</span>」'
    ) in page
    assert f'日本語 削除: 「<span lang="ja">{japanese[0]}</span>」' in page
    assert "staff" in page.split("履歴")[-1]
    english_page = staff.get(f"/en{url}").content.decode()
    assert (
        f'Japanese added: “<span lang="ja">{WORD}を探したい</span>”, '
        '“<span lang="ja">相手、できれば関西で</span>”'
    ) in english_page
    assert "English removed:" not in english_page


def test_a_phrase_added_on_the_page_brings_its_action_first(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    japanese, english = bundled_phrases(action.key)
    text = f"{WORD}の相手を探しています"
    before = suggest(text)["action"]
    assert [s.key for s in before[:1]] != [action.key]
    staff = client_for(bureau_staff)
    staff.post(
        f"/desk/needs/{action.key}/",
        {"phrases_ja": "\n".join([*japanese, WORD]), "phrases_en": "\n".join(english)},
    )
    # The same process, no restart: the stored change moves the index's signature.
    after = suggest(text)["action"]
    assert after[0].key == action.key
    assert WORD in after[0].reason


def test_a_stored_change_counts_even_when_the_data_stamp_stays(plan_version: PlanVersion) -> None:
    # Rows written without Django's signals (bulk_create, another tool on the database) do not
    # move the data stamp; the index's signature still sees them on the next suggestion.
    action = _action(plan_version)
    text = f"{WORD}の相手を探しています"
    assert [s.key for s in suggest(text)["action"][:1]] != [action.key]
    stamp = data_stamp()
    ActionNeeds.objects.bulk_create(
        [ActionNeeds(plan=plan_version.plan, action_key=action.key, phrases_ja=WORD)]
    )
    assert data_stamp() == stamp
    assert suggest(text)["action"][0].key == action.key


def test_restore_asks_then_removes_the_override(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    before = _ranked()
    staff = client_for(bureau_staff)
    url = f"/desk/needs/{action.key}/"
    staff.post(url, {"phrases_ja": WORD, "phrases_en": ""})
    assert action_needs(plan_version)[action.key] == WORD
    assert "同梱の表現に戻す" in staff.get(url).content.decode()
    asked = staff.post(f"{url}restore/")
    assert asked.status_code == 200
    assert "同梱の表現に戻しますか" in asked.content.decode()
    assert ActionNeeds.objects.filter(action_key=action.key).exists()
    done = staff.post(f"{url}restore/", {"confirmed": "yes"})
    assert done.status_code == 302
    assert not ActionNeeds.objects.exists()
    records = list(ActionNeeds.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "-"]
    assert records[1].history_user == bureau_staff
    page = staff.get(url).content.decode()
    assert "計画に同梱の表現" in page
    assert "同梱の表現に戻しました。" in page.split("<h2>履歴</h2>")[1]
    assert (
        action_needs(plan_version)[action.key]
        == parse_needs(json.loads(NEEDS_FILE.read_text(encoding="utf-8")), "x")[action.key]
    )
    assert _ranked() == before


def test_an_emptied_row_means_no_needs(plan_version: PlanVersion, bureau_staff: User) -> None:
    action = _action(plan_version)
    japanese, _english = bundled_phrases(action.key)
    staff = client_for(bureau_staff)
    staff.post(f"/desk/needs/{action.key}/", {"phrases_ja": "", "phrases_en": "\n \n"})
    assert action_needs(plan_version)[action.key] == ""
    row = ActionNeeds.objects.get()
    assert row.japanese == [] and row.english == []


@pytest.mark.parametrize(
    ("prefix", "messages"),
    [
        (
            "",
            [
                "ニーズの表現（日本語） 3行目: 表現は80文字までです（81文字）。",
                "ニーズの表現（英語） 21行目: 表現は20件までです（21件あります）。",
            ],
        ),
        (
            "/en",
            [
                "Need phrases (Japanese), line 3: a phrase has at most 80 characters (81).",
                "Need phrases (English), line 21: at most 20 phrases (there are 21).",
            ],
        ),
    ],
)
def test_validation_names_the_field_and_line(
    plan_version: PlanVersion, bureau_staff: User, prefix: str, messages: list[str]
) -> None:
    action = _action(plan_version)
    posted = {
        "phrases_ja": "\n".join(["展示会に出たい", "", "あ" * 81, " " + "い" * 80 + " "]),
        "phrases_en": "\n".join(f"phrase {n}" for n in range(21)),
    }
    response = client_for(bureau_staff).post(f"{prefix}/desk/needs/{action.key}/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    for message in messages:
        assert message in page
    # The 80-character line (stripped) is accepted: only line 3 is named.
    assert "4行目" not in page and "line 4" not in page
    assert not ActionNeeds.objects.exists()


def test_without_rows_the_needs_are_the_files(plan_version: PlanVersion) -> None:
    bundled = parse_needs(json.loads(NEEDS_FILE.read_text(encoding="utf-8")), "x")
    assert action_needs(plan_version) == bundled
    before = _ranked()
    # A row of another plan's key changes nothing of this plan's actions.
    ActionNeeds.objects.create(plan=plan_version.plan, action_key="not.an.action", phrases_ja=WORD)
    assert {k: v for k, v in action_needs(plan_version).items() if k in bundled} == bundled
    assert _ranked() == before


def test_the_desk_links_each_suggested_action_to_its_needs(
    plan_version: PlanVersion, bureau_staff: User, osaka_editor: User
) -> None:
    proposal = actions.submit_proposal(
        proposal_input(
            theme_codes=["life_science"],
            title="創薬シーズのライセンス先を探しています",
            summary="製薬会社と商談したいバイオベンチャーです。",
            details="",
        )
    ).proposal
    page = client_for(bureau_staff).get(f"/desk/proposals/{proposal.pk}/").content.decode()
    listed = page.split('<ol class="suggestions">')[1].split("</ol>")[0]
    assert listed.count('class="needs-link"') >= 1
    first = Action.objects.get(
        version=plan_version, key=listed.split('href="/desk/needs/')[1].split("/")[0]
    )
    assert first.theme.code
    for url in ("/progress/", "/desk/proposals/"):
        menu = client_for(bureau_staff).get(url, follow=True).content.decode()
        assert 'href="/desk/needs/"' in menu, url
    # An editor sees the desk's menu without the staff-only page.
    assert 'href="/desk/needs/"' not in client_for(osaka_editor).get("/progress/").content.decode()


def test_two_first_saves_at_once_end_in_one_row_not_an_error(
    plan_version: PlanVersion, bureau_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other save made the row after this one looked for it: the insert fails on the unique
    # key, and the save becomes an update of that row.
    from django.db.models import QuerySet

    from actionplan.partnerships.needs import save_needs

    action = _action(plan_version)
    ActionNeeds.objects.create(plan=plan_version.plan, action_key=action.key, phrases_ja="先")
    first = QuerySet.first
    missed: list[bool] = []

    def first_missing_once(self: QuerySet[ActionNeeds]) -> ActionNeeds | None:
        if self.model is ActionNeeds and not missed:
            missed.append(True)
            return None
        return first(self)

    monkeypatch.setattr(QuerySet, "first", first_missing_once)
    row = save_needs(bureau_staff, plan_version.plan, action.key, [f"{WORD}を探す"], [])
    assert missed
    assert ActionNeeds.objects.filter(action_key=action.key).count() == 1
    assert row.japanese == [f"{WORD}を探す"]


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "取組のニーズの表現は事務局のみが扱えます。"),
        ("/en", "Only bureau staff keep the actions&#x27; need phrases."),
    ],
)
def test_an_editor_is_told_who_keeps_the_need_phrases(
    plan_version: PlanVersion, osaka_editor: User, prefix: str, message: str
) -> None:
    key = _action(plan_version).key
    editor = client_for(osaka_editor)
    refusals = [
        editor.get(f"{prefix}/desk/needs/"),
        editor.get(f"{prefix}/desk/needs/{key}/"),
        editor.post(f"{prefix}/desk/needs/{key}/restore/"),
    ]
    for refused in refusals:
        assert refused.status_code == 403
        page = refused.content.decode()
        assert message in page
        assert "登録簿" not in page and "registry" not in page
    # The registry's pages keep their own message.
    hub = editor.get(f"{prefix}/desk/hubs/{Hub.objects.first().pk}/")  # type: ignore[union-attr]
    assert hub.status_code == 403
    assert message not in hub.content.decode()


@pytest.mark.parametrize(
    ("prefix", "message"),
    [("", '<li class="info">変更はありません。'), ("/en", '<li class="info">Nothing changed.')],
)
def test_saving_the_phrases_in_use_stores_nothing(
    plan_version: PlanVersion, bureau_staff: User, prefix: str, message: str
) -> None:
    action = _action(plan_version)
    japanese, english = bundled_phrases(action.key)
    url = f"{prefix}/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    # The bundled phrases as the form shows them (blank lines and spaces do not count).
    same = {"phrases_ja": "\n".join(japanese) + "\n\n", "phrases_en": " " + "\n".join(english)}
    response = staff.post(url, same)
    assert response.status_code == 302
    assert not ActionNeeds.objects.exists() and not ActionNeeds.history.exists()
    assert message in staff.get(response["Location"]).content.decode()
    # A stored row saved again unchanged stays as it was, without a new history record.
    staff.post(url, {"phrases_ja": WORD, "phrases_en": ""})
    stamp = ActionNeeds.objects.get().changed_at
    response = staff.post(url, {"phrases_ja": WORD, "phrases_en": ""})
    assert response.status_code == 302
    assert ActionNeeds.objects.get().changed_at == stamp
    assert ActionNeeds.history.count() == 1
    assert message in staff.get(response["Location"]).content.decode()


def test_repeated_phrases_are_kept_once(plan_version: PlanVersion, bureau_staff: User) -> None:
    action = _action(plan_version)
    url = f"/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    posted = {
        "phrases_ja": "\n".join(["展示会に出たい", WORD, "展示会に出たい", "ＡＢＣ", "abc"]),
        "phrases_en": "\n".join(["Trade Fair", "trade fair", "TRADE  FAIR", "buyers"]),
    }
    assert staff.post(url, posted).status_code == 302
    row = ActionNeeds.objects.get()
    assert row.japanese == ["展示会に出たい", WORD, "ＡＢＣ"]
    assert row.english == ["Trade Fair", "TRADE  FAIR", "buyers"]
    history = client_for(bureau_staff).get(url).content.decode().split("<h2>履歴</h2>")[1]
    assert history.count("展示会に出たい") == 1 and history.count("Trade Fair") == 1
    # The list counts each phrase once.
    listed = staff.get("/desk/needs/?theme=life_science").content.decode()
    row_html = listed.split(f'href="/desk/needs/{action.key}/"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row_html


def test_a_failed_save_focuses_the_first_field_to_correct(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    url = f"/en/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    response = staff.post(url, {"phrases_ja": "ok", "phrases_en": "x" * 81})
    assert response.status_code == 400
    page = response.content.decode()
    english, japanese = _textarea(page, "phrases_en"), _textarea(page, "phrases_ja")
    assert "autofocus" in english and 'aria-invalid="true"' in english
    assert "aria-describedby" in english
    assert "autofocus" not in japanese and "aria-invalid" not in japanese
    # Both invalid: the first one takes the focus.
    both = staff.post(url, {"phrases_ja": "あ" * 81, "phrases_en": "x" * 81}).content.decode()
    assert both.count("autofocus") == 1
    assert both.index("autofocus") < both.index('name="phrases_en"')
    assert "autofocus" not in staff.get(url).content.decode()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_pages_name_the_action(
    plan_version: PlanVersion, bureau_staff: User, prefix: str
) -> None:
    action = _action(plan_version)
    name = action.text_en if prefix else action.text_ja
    assert len(name) > 40
    url = f"{prefix}/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    page = staff.get(url).content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert escape(name[:39]) + "…" in title and escape(name) not in title
    heading = page.split("<h1>")[1].split("</h1>")[0]
    assert escape(name) in heading
    staff.post(url, {"phrases_ja": WORD, "phrases_en": ""})
    asked = staff.post(f"{url}restore/").content.decode()
    assert escape(name) in asked.split("<h1>")[1].split("</h1>")[0]
    assert escape(name[:39]) + "…" in asked.split("<title>")[1].split("</title>")[0]


def test_phrases_are_marked_with_their_language(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    action = _action(plan_version)
    url = f"/desk/needs/{action.key}/"
    staff = client_for(bureau_staff)
    staff.post(url, {"phrases_ja": WORD, "phrases_en": "find a licensee"})
    for prefix in ("", "/en"):
        page = staff.get(f"{prefix}{url}").content.decode()
        assert 'lang="ja"' in _textarea(page, "phrases_ja")
        assert 'lang="en"' in _textarea(page, "phrases_en")
        history = page.split('class="desk-table history"')[1].split("</table>")[0]
        assert f'<span lang="ja">{WORD}</span>' in history
        assert '<span lang="en">find a licensee</span>' in history
