"""The portal says what the plan says: every passage, note, figure and group a reader of the
plan sees, in Japanese and English."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.utils.translation import override

from actionplan.partnerships.suggest import terms
from actionplan.plans.models import Action, Actor, Milestone, PlanVersion
from actionplan.portal.templatetags.portal import partial_date


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match is not None
    return unescape(match.group(1)).strip()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_open_period_caveat_follows_every_theme_table(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    note = plan_version.period_note_en if prefix else plan_version.period_note_ja
    assert note
    for theme in plan_version.themes.all():
        page = client.get(f"{prefix}/themes/{theme.code}/").content.decode()
        table_end = page.index("</table>")
        assert note in unescape(page[table_end : page.index("</section>", table_end)])


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_open_period_caveat_is_on_action_pages_of_that_period_only(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    note = plan_version.period_note_en if prefix else plan_version.period_note_ja
    open_action = Action.objects.filter(version=plan_version, period__fiscal_year_end=None)[0]
    closed_action = Action.objects.exclude(period__fiscal_year_end=None)[0]
    assert note in unescape(client.get(f"{prefix}/actions/{open_action.pk}/").content.decode())
    assert note not in unescape(
        client.get(f"{prefix}/actions/{closed_action.pk}/").content.decode()
    )


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_developments_note_is_shown_wherever_the_development_is(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    noted = Milestone.objects.exclude(note_ja="")
    assert noted
    for item in noted:
        note = item.note_en if prefix else item.note_ja
        for path in ("/developments/", f"/themes/{item.theme.code}/"):
            assert note in unescape(client.get(prefix + path).content.decode()), path


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_figure_keeps_its_year_and_source_on_every_page(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    figures = Milestone.objects.exclude(figure_value=None).exclude(figure_as_of_year=None)
    assert figures
    for item in figures:
        source = item.figure_source_en if prefix else item.figure_source_ja
        # Japanese brackets on Japanese pages only.
        year = f"({item.figure_as_of_year})" if prefix else f"【{item.figure_as_of_year}年】"
        for path in ("/developments/", f"/themes/{item.theme.code}/"):
            page = _text(_main(client.get(prefix + path).content.decode()))
            assert year in page, path
            assert source in page, path


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_grouped_developments_carry_their_group(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    grouped = list(Milestone.objects.exclude(group_ja=""))
    assert grouped
    for item in grouped:
        page = client.get(f"{prefix}/themes/{item.theme.code}/").content.decode()
        entry = page[page.index(f'id="development-{item.pk}"') :]
        entry = entry[: entry.index("</li>")]
        group = f"[{item.group_en}]" if prefix else f"【{item.group_ja}】"
        assert group in _text(entry)
        if prefix:
            assert "【" not in _text(entry)


@pytest.mark.parametrize(("prefix", "wording"), [("", "時期の記載なし"), ("/en", "No date given")])
def test_undated_developments_read_the_same_on_every_page(
    client: Client, plan_version: PlanVersion, prefix: str, wording: str
) -> None:
    undated = Milestone.objects.filter(date_year=None).select_related("theme").first()
    assert undated is not None
    for path in ("/developments/", f"/themes/{undated.theme.code}/"):
        page = client.get(prefix + path).content.decode()
        entry = page[page.index(f'id="development-{undated.pk}"') :]
        entry = entry[: entry.index("</li>")]
        assert wording in entry, path
        assert "—" not in entry


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_home_page_gives_each_developments_date_once(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    page = client.get(f"{prefix}/").content.decode()
    dated = [m for m in Milestone.objects.exclude(date_year=None) if f"development-{m.pk}" in page]
    assert dated
    for item in dated:
        entry = page[page.index(f'id="development-{item.pk}"') :]
        entry = _text(entry[: entry.index("</li>")])
        with override("en" if prefix else "ja"):
            date = partial_date(item)
        assert entry.count(date) == 1, entry


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_action_titles_name_the_theme_year_and_actor_without_cutting(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    members = Action.objects.filter(version=plan_version, actor="members").select_related(
        "theme", "period"
    )
    longest = max(members, key=lambda a: len(a.text_en))
    title = _title(client.get(f"{prefix}/actions/{longest.pk}/").content.decode())
    text = longest.text_en if prefix else longest.text_ja
    theme = longest.theme.name_en if prefix else longest.theme.name_ja
    assert text in title
    assert theme in title
    assert (f"FY{longest.period.fiscal_year_start}" if prefix else "年度") in title
    with override("en" if prefix else "ja"):
        assert str(Actor.MEMBERS.label) in title
    assert "関西広域連合" not in title and "Union of Kansai" not in title


def test_actions_with_the_same_text_get_different_titles(
    client: Client, plan_version: PlanVersion
) -> None:
    titles: dict[str, set[str]] = {}
    for action in Action.objects.filter(version=plan_version):
        titles.setdefault(action.text_ja, set()).add(str(action.pk))
    repeated = next(pks for pks in titles.values() if len(pks) > 1)
    seen = {_title(client.get(f"/actions/{pk}/").content.decode()) for pk in repeated}
    assert len(seen) == len(repeated)


def test_english_home_cards_do_not_cut_a_word(client: Client, plan_version: PlanVersion) -> None:
    page = client.get("/en/").content.decode()
    for theme in plan_version.themes.all():
        card = page[page.index(f'href="/en/themes/{theme.code}/"') :]
        card = unescape(card[card.index("<p>") + 3 : card.index("</p>")])
        words = set(theme.desired_state_en.replace("\n", " ").split())
        for word in card.rstrip("…").split():
            assert word in words, word


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_home_page_gives_the_plans_introduction(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    assert plan_version.introduction_ja and plan_version.introduction_en
    page = _text(client.get(f"{prefix}/").content.decode())
    text = plan_version.introduction_en if prefix else plan_version.introduction_ja
    for paragraph in text.split("\n"):
        assert paragraph in page
    assert ("About the action plan" if prefix else "アクションプランについて") in page


@pytest.mark.parametrize("path", ["/", "/partnerships/", "/en/", "/en/partnerships/"])
def test_the_appendixs_call_for_proposals_leads_to_the_proposal_form(
    client: Client, plan_version: PlanVersion, path: str
) -> None:
    page = client.get(path).content.decode()
    section = page[page.index('aria-labelledby="call-heading"') :]
    section = section[: section.index("</section>")]
    first_sentence = plan_version.appendix_note_ja.split("\n")[0]
    assert first_sentence in unescape(section)
    form = "/en/proposals/new/" if path.startswith("/en") else "/proposals/new/"
    assert f'href="{form}"' in section
    assert client.get(form).status_code == 200


@pytest.mark.parametrize(
    ("path", "heading", "lang"),
    [
        ("/themes/nope/", "ページが見つかりません", "ja"),
        ("/en/themes/nope/", "Page not found", "en"),
        ("/no/such/page/", "ページが見つかりません", "ja"),
        ("/en/no/such/page/", "Page not found", "en"),
        ("/actions/999999/", "ページが見つかりません", "ja"),
    ],
)
def test_a_missing_page_answers_with_the_sites_own_404_in_its_language(
    client: Client, plan_version: PlanVersion, settings: object, path: str, heading: str, lang: str
) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "Not Found" not in page
    assert "no such" not in page  # the reason is for the log, not the visitor


def _broken(request: object) -> None:
    raise RuntimeError("a failure the visitor must not see")


@pytest.mark.parametrize(
    ("prefix", "heading", "lang"),
    [("", "エラーが発生しました", "ja"), ("/en", "An error occurred", "en")],
)
def test_a_server_error_answers_with_the_sites_own_500_in_its_language(
    plan_version: PlanVersion,
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    heading: str,
    lang: str,
) -> None:
    from actionplan.portal import queries

    settings.DEBUG = False  # type: ignore[attr-defined]
    monkeypatch.setattr(queries, "theme_table", _broken)
    response = Client(raise_request_exception=False).get(f"{prefix}/themes/startups/?fresh=1")
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "a failure the visitor must not see" not in page


def _results(page: str) -> list[str]:
    listing = page[
        page.index('<ol class="results"') : page.index("</ol>", page.index('<ol class="results"'))
    ]
    return listing.split("<li>")[1:]


def test_search_hits_of_the_same_text_are_told_apart_by_theme_year_and_actor(
    client: Client, plan_version: PlanVersion
) -> None:
    texts: dict[str, list[Action]] = {}
    for action in Action.objects.filter(version=plan_version).select_related("period", "theme"):
        texts.setdefault(action.text_ja, []).append(action)
    twins = next(a for a in texts.values() if len({x.actor for x in a}) > 1)
    page = client.get("/search/", {"q": twins[0].text_ja, "kind": "action"}).content.decode()
    metas = set()
    for hit in _results(page):
        found = next((a for a in twins if f'href="/actions/{a.pk}/"' in hit), None)
        if found is None:
            continue
        action = found
        meta = re.search(r'<p class="muted result-meta">(.*?)</p>', hit)
        assert meta is not None
        metas.add(meta.group(1))
        assert action.theme.name_ja in meta.group(1)
        assert f"（{action.period.fiscal_year_start}年度）" in meta.group(1)
        assert action.get_actor_display() in meta.group(1)
    assert len(metas) == len(twins)


def test_a_search_hit_does_not_repeat_its_title_as_snippet(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/search/", {"q": "水素"}).content.decode()
    hits = _results(page)
    assert hits
    for hit in hits:
        title = _text(hit[: hit.index("</p>")]).split()[0]
        extract = "".join(re.findall(r"<p (?:lang=\"\w+\")?\s*>(.*?)</p>", hit, re.S))
        assert not _text(extract).strip().startswith(title.rstrip("…")[:20]), hit


def test_development_and_hub_hits_lead_to_their_own_entry(
    client: Client, plan_version: PlanVersion
) -> None:
    from actionplan.plans.models import Hub

    development = Milestone.objects.filter(version=plan_version).select_related("theme")[0]
    answer = client.get("/search/", {"q": development.text_ja[:12], "kind": "milestone"})
    anchor = f"/themes/{development.theme.code}/#development-{development.pk}"
    assert f'href="{anchor}"' in answer.content.decode()
    assert f'id="development-{development.pk}"' in client.get(anchor).content.decode()
    hub = Hub.objects.first()
    assert hub is not None
    page = client.get("/search/", {"q": hub.name_ja, "kind": "hub"}).content.decode()
    assert f'href="/hubs/#hub-{hub.pk}"' in page
    assert f'id="hub-{hub.pk}"' in client.get("/hubs/").content.decode()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_search_without_results_offers_other_spellings_that_find_something(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    from actionplan.search.glossary import glossary

    # A glossary term misspelt by one character: close enough to be offered, not found itself.
    term = next(t for t in glossary().groups if len(t) >= 5 and not t.isascii())
    typo = term[:-1] + "ゑ"
    page = client.get(f"{prefix}/search/", {"q": typo}).content.decode()
    assert 'class="results"' not in page
    help_block = page[page.index('class="search-help"') :]
    offered = re.findall(r'href="\?q=([^"]+)"', help_block)
    assert offered
    assert any(unescape(o) for o in offered)
    from urllib.parse import unquote

    first = unquote(offered[0])
    again = client.get(f"{prefix}/search/", {"q": first}).content.decode()
    assert 'class="results"' in again


def test_home_cards_count_actions_as_the_chart_does(
    client: Client, plan_version: PlanVersion
) -> None:
    from actionplan.portal.queries import actions_per_theme_and_period, theme_summaries

    totals = {t.pk: sum(c) for t, c in actions_per_theme_and_period(plan_version)}
    for summary in theme_summaries(plan_version):
        assert summary["union"] + summary["members"] == totals[summary["theme"].pk]
    page = _text(client.get("/").content.decode())
    for summary in theme_summaries(plan_version):
        assert f"関西広域連合の取組 {summary['union']}件" in page


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_hub_names_on_theme_pages_are_links_to_the_hub(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    from actionplan.plans.models import Hub

    hub = next(h for h in Hub.objects.all() if h.theme_codes)
    page = client.get(f"{prefix}/themes/{hub.theme_codes[0]}/").content.decode()
    assert f'href="{prefix}/hubs/#hub-{hub.pk}"' in page


def test_partnership_names_on_the_organizations_page_are_links(
    client: Client, plan_version: PlanVersion
) -> None:
    from actionplan.plans.models import Partnership

    page = client.get("/organizations/").content.decode()
    linked = [p for p in Partnership.objects.all() if f'href="/partnerships/{p.pk}/"' in page]
    assert linked and all(p.partners.exists() for p in linked)
    assert len(linked) == Partnership.objects.filter(partners__isnull=False).distinct().count()


def test_action_pages_relate_records_by_content_and_say_why(
    client: Client, plan_version: PlanVersion
) -> None:
    blocks = set()
    for action in Action.objects.filter(version=plan_version, theme__code="carbon_neutral")[:12]:
        page = client.get(f"/actions/{action.pk}/").content.decode()
        section = page[page.index('aria-labelledby="partnerships-heading"') :]
        section = section[: section.index("</section>")]
        blocks.add(section)
        for reason in re.findall(r"共通する語「(.*?)」", section):
            for word in unescape(reason).split("、"):
                # A word as written (related), which the action's terms hold as such or stemmed.
                own = terms(f"{action.text_ja}\n{action.text_en}\n{action.group_ja}")
                assert word in own or terms(word) <= own, word
    # Actions of one theme no longer share one identical block.
    assert len(blocks) > 1


def test_the_map_draws_the_offices_above_the_hubs(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/hubs/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<circle" in svg and "<rect" in svg
    # SVG paints in document order: the last drawn is on top.
    assert svg.rindex("<circle") < svg.index("<rect")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_home_pages_call_for_proposals_is_followed_by_the_examples_it_announces(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    from actionplan.plans.models import Partnership

    assert "以下のような公民連携の取組を実施しています" in plan_version.appendix_note_ja
    page = client.get(f"{prefix}/").content.decode()
    section = page[page.index('aria-labelledby="call-heading"') :]
    section = section[: section.index("</section>")]
    after_note = unescape(section).split("以下のような公民連携の取組を実施しています")[1]
    examples = list(Partnership.objects.filter(version=plan_version).order_by("position", "id"))
    assert len(examples) > 1
    links = re.findall(rf'<a href="{prefix}/partnerships/(\d+)/">', after_note)
    assert links == [str(p.pk) for p in examples]
    for example in examples:
        title = example.title_en if prefix and example.title_en else example.title_ja
        assert title in after_note
