"""Staff record on a proposal's desk page the actions it truly relates to; every recorded
proposal becomes an example the suggestions learn from, but never for itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from actionplan.conftest import client_for
from actionplan.partnerships import actions
from actionplan.partnerships.evaluate import evaluate
from actionplan.partnerships.models import Proposal, ProposalAction
from actionplan.partnerships.suggest import proposal_text, suggest, suggest_for_proposal
from actionplan.plans.models import Action, MemberGovernment, PlanVersion
from actionplan.web.stamp import data_stamp

from .conftest import proposal_input

# Words that no record of the plan writes: only a recorded proposal can teach them.
TITLE = "ズィクワク工房の職人技を若手に継ぎたい"
SUMMARY = "ホゲラ漆器とモゲラ木工の職人を育てる場をつくりたい。"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _propose(title: str = TITLE, summary: str = SUMMARY) -> Proposal:
    submitted = actions.submit_proposal(
        proposal_input(title=title, summary=summary, details="", theme_codes=[]),
        [],
        site_url="http://testserver/",
    )
    return submitted.proposal


def _two_actions(plan_version: PlanVersion) -> list[Action]:
    # Life-science actions: nothing of them is about the words the tests use.
    return list(Action.objects.filter(version=plan_version, theme__code="life_science"))[-2:]


def _url(proposal: Proposal, english: bool = False) -> str:
    return f"{'/en' if english else ''}/desk/proposals/{proposal.pk}/actions/"


def test_outsiders_cannot_record(
    plan_version: PlanVersion, bureau_staff: User, osaka_editor: User, reviewer: User
) -> None:
    proposal = _propose()
    actions.screen_proposal(bureau_staff, proposal)
    actions.refer_proposal(
        bureau_staff,
        proposal,
        governments=MemberGovernment.objects.filter(lg_code="270008"),
        owner=None,
    )
    key = _two_actions(plan_version)[0].key
    anonymous = Client().post(_url(proposal), {"actions": [key]})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # The Osaka editor sees the referred proposal and writes notes, but records nothing.
    assert client_for(osaka_editor).get(f"/desk/proposals/{proposal.pk}/").status_code == 200
    for person in (osaka_editor, reviewer):
        refused = client_for(person).post(_url(proposal), {"actions": [key]})
        assert refused.status_code == 403
        assert "関連する取組の記録は事務局のみが行えます。" in refused.content.decode()
    page = client_for(osaka_editor).get(f"/desk/proposals/{proposal.pk}/").content.decode()
    assert 'id="record-actions"' not in page
    assert not ProposalAction.objects.exists() and not ProposalAction.history.exists()


def test_staff_record_two_actions_with_their_history(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    proposal = _propose()
    first, second = _two_actions(plan_version)
    staff = client_for(bureau_staff)
    page = staff.get(f"/desk/proposals/{proposal.pk}/").content.decode()
    assert "この提案に関連する取組として記録" in page
    # Any action of the edition can be chosen, by its name, grouped by theme.
    assert f'<option value="{first.key}">' in page and '<optgroup label="ライフサイエンス">' in page
    before = proposal.history.count()
    response = staff.post(_url(proposal), {"actions": [first.key, "", second.key]})
    assert response.status_code == 302
    rows = ProposalAction.objects.filter(proposal=proposal)
    assert sorted(rows.values_list("action_key", flat=True)) == sorted([first.key, second.key])
    assert {row.recorded_by for row in rows} == {bureau_staff}
    assert ProposalAction.history.filter(history_type="+").count() == 2
    assert proposal.history.count() == before + 1
    page = staff.get(f"/desk/proposals/{proposal.pk}/").content.decode()
    assert "関連する取組を記録しました。" in page
    recorded = page.split('id="recorded-actions"')[1].split("</ul>")[0]
    assert f'href="/actions/{first.pk}/"' in recorded and first.text_ja in recorded
    assert "staff" in recorded
    # Recorded, so ticked, though the engine does not suggest them.
    form = page.split('id="record-actions"')[1].split("</form>")[0]
    assert f'value="{first.key}" checked' in form and f'value="{second.key}" checked' in form
    assert "関連する取組の記録: 2件追加" in page.split("履歴")[-1]

    # The same again: nothing written, and the page says so.
    response = staff.post(_url(proposal), {"actions": [second.key, first.key]}, follow=True)
    assert "変更はありません。" in response.content.decode()
    assert ProposalAction.history.count() == 2 and proposal.history.count() == before + 1
    # Unticking one removes it, with its history (the form sends the records it showed).
    staff.post(_url(proposal), {"actions": [second.key], "shown": ["", first.key, second.key]})
    assert list(rows.values_list("action_key", flat=True)) == [second.key]
    assert ProposalAction.history.filter(history_type="-").get().action_key == first.key


def test_two_staff_saving_at_once_add_up(
    plan_version: PlanVersion, bureau_staff: User, bureau_admin: User
) -> None:
    # Both open the page while nothing is recorded; the first records one action, the second,
    # from the page as it was, another: both stay (the second's page did not show the first).
    proposal = _propose()
    first, second = _two_actions(plan_version)
    one, other = client_for(bureau_staff), client_for(bureau_admin)
    page = other.get(f"/desk/proposals/{proposal.pk}/").content.decode()
    form = page.split('id="record-actions"')[1].split("</form>")[0]
    assert '<input type="hidden" name="shown" value="">' in form
    one.post(_url(proposal), {"actions": [first.key], "shown": [""]})
    other.post(_url(proposal), {"actions": [second.key], "shown": [""]})
    rows = ProposalAction.objects.filter(proposal=proposal)
    assert sorted(rows.values_list("action_key", flat=True)) == sorted([first.key, second.key])
    # A page showing both records, with one unticked, removes that one only.
    page = one.get(f"/desk/proposals/{proposal.pk}/").content.decode()
    for key in (first.key, second.key):
        assert f'<input type="hidden" name="shown" value="{key}">' in page
    one.post(_url(proposal), {"actions": [second.key], "shown": ["", first.key, second.key]})
    assert list(rows.values_list("action_key", flat=True)) == [second.key]


def test_an_unknown_key_is_refused_in_the_page_s_language(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    proposal = _propose()
    staff = client_for(bureau_staff)
    key = _two_actions(plan_version)[0].key
    japanese = staff.post(_url(proposal), {"actions": [key, "no.such.action"]}, follow=True)
    assert "計画にない取組は記録できません: no.such.action" in japanese.content.decode()
    english = staff.post(_url(proposal, True), {"actions": ["no.such.action"]}, follow=True)
    assert "An action not in the plan cannot be recorded: no.such.action" in (
        english.content.decode()
    )
    assert not ProposalAction.objects.exists()


def test_a_recorded_proposal_teaches_the_next_one(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    first, _second = _two_actions(plan_version)
    recorded = _propose()
    new = _propose("ズィクワク工房について相談したい", "ホゲラ漆器の職人です。")
    with translation.override("ja"):
        assert first.key not in [s.key for s in suggest_for_proposal(new)["action"]]
        client_for(bureau_staff).post(_url(recorded), {"actions": [first.key]})
        # The same process, no cache cleared: the record moves the index's signature.
        found = suggest_for_proposal(new)["action"]
    assert found[0].key == first.key
    # The reason names the new proposal's words, never the recorded proposal's text.
    # Not a word only the recorded proposal writes (its title's 職人技, 若手; its summary's
    # モゲラ, 木工), on any suggestion.
    for kind in ("action", "partnership", "hub", "government"):
        for s in suggest_for_proposal(new)[kind]:
            assert not any(word in s.reason for word in ("職人技", "若手", "モゲラ", "木工"))


def test_a_record_counts_even_when_the_data_stamp_stays(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    # Rows written without Django's signals do not move the data stamp; the signature still
    # sees them on the next suggestion.
    first, _second = _two_actions(plan_version)
    recorded = _propose()
    text = "ズィクワク工房について相談したい"
    assert first.key not in [s.key for s in suggest(text)["action"]]
    stamp = data_stamp()
    ProposalAction.objects.bulk_create([ProposalAction(proposal=recorded, action_key=first.key)])
    assert data_stamp() == stamp
    assert suggest(text)["action"][0].key == first.key


def test_a_proposal_s_own_record_does_not_vote_for_itself(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    first, _second = _two_actions(plan_version)
    proposal = _propose()
    with translation.override("ja"):
        before = [(s.key, s.score, s.reason) for s in suggest_for_proposal(proposal)["action"]]
        assert first.key not in [key for key, _score, _reason in before]
        actions.record_actions(bureau_staff, proposal, [first.key])
        # Its own text, asked without the proposal, meets its record...
        assert suggest(proposal_text(proposal))["action"][0].key == first.key
        # ...but its desk page shows what the engine finds without it.
        after = [(s.key, s.score, s.reason) for s in suggest_for_proposal(proposal)["action"]]
    assert after == before


def test_the_english_page_shows_english_only(plan_version: PlanVersion, bureau_staff: User) -> None:
    first, second = _two_actions(plan_version)
    proposal = _propose()
    staff = client_for(bureau_staff)
    staff.post(_url(proposal), {"actions": [first.key, second.key]})
    page = staff.get(f"/en/desk/proposals/{proposal.pk}/").content.decode()
    form = page.split('id="record-actions"')[1].split("</form>")[0]
    # The suggestions' reasons may name a Japanese proposal's own words: not looked at here.
    form = re.sub(r"<small>.*?</small>", "", form)
    recorded = page.split('id="recorded-actions"')[1].split("</ul>")[0]
    history = page.split('class="desk-table history"')[1].split("</table>")[0]
    for part in (form, recorded, history):
        assert not _JAPANESE.search(part), _JAPANESE.findall(part)[:20]
    assert "Record as actions this proposal relates to" in form
    assert escape(first.text_en) in recorded and "Related actions recorded: 2 added" in history


def test_evaluate_leaves_the_desk_s_records_out(
    plan_version: PlanVersion, bureau_staff: User, tmp_path: Path
) -> None:
    # A test set whose proposal the desk has recorded: measured with the record it would find
    # its action from the record alone; evaluate measures sets as on a database without any.
    first, _second = _two_actions(plan_version)
    actions.record_actions(bureau_staff, _propose(), [first.key])
    with translation.override("ja"):
        assert suggest(TITLE)["action"][0].key == first.key
    proposal = {
        "id": "x01",
        "language": "ja",
        "title": TITLE,
        "summary": SUMMARY,
        "themes": [],
        "expected": {"action": [first.key]},
    }
    path = tmp_path / "suggestion_set_mine.json"
    path.write_text(json.dumps({"proposals": [proposal]}), encoding="utf-8")
    assert evaluate(path).recall == 0.0


def test_the_privacy_page_says_how_a_recorded_proposal_is_used(client: Client) -> None:
    japanese = client.get("/proposals/privacy/").content.decode()
    assert "似た提案に関連する取組を職員に示すためにも、事務局の中で使われます" in japanese
    with translation.override("ja"):
        english = client.get("/en/proposals/privacy/").content.decode()
    assert "used within the bureau to show staff the related actions of similar proposals" in (
        english
    )
