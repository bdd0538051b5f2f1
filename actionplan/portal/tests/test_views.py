from __future__ import annotations

import pytest
from django.test import Client

from actionplan.plans.models import Action, MemberGovernment, Partnership, PlanVersion


@pytest.mark.django_db
def test_home_is_in_japanese_at_the_root(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ja"
    assert "関西広域産業ビジョン アクションプラン" in response.content.decode()


@pytest.mark.django_db
def test_home_stays_japanese_at_the_root_for_an_english_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "関西広域産業ビジョン アクションプラン" in response.content.decode()


@pytest.mark.django_db
def test_home_is_in_english_under_en(client: Client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert "Kansai Industrial Vision Action Plan" in page
    assert '<html lang="en">' in page


def test_home_shows_the_vision_and_the_six_themes(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/").content.decode()
    for theme in plan_version.themes.all():
        assert f'href="/themes/{theme.code}/"' in page
        assert theme.name_ja in page
    assert plan_version.vision.first().text_ja in page  # type: ignore[union-attr]


def test_language_switcher_links_to_the_same_page_in_the_other_language(
    client: Client, plan_version: PlanVersion
) -> None:
    ja = client.get("/themes/startups/").content.decode()
    assert 'href="/en/themes/startups/" hreflang="en" lang="en">English</a>' in ja
    en = client.get("/en/themes/startups/").content.decode()
    assert 'href="/themes/startups/" hreflang="ja" lang="ja">日本語</a>' in en


def test_the_alternate_language_links_are_django_s_translate_url_of_each_page(
    client: Client, plan_version: PlanVersion
) -> None:
    """The links reverse the view the request resolved to; the same URLs as Django's
    translate_url of the page's path, query kept, on every kind of page and on a 404."""
    from django.urls import translate_url
    from django.utils.html import escape

    action = Action.objects.filter(version=plan_version).order_by("pk").first()
    assert action is not None
    paths = [
        "/",
        "/themes/startups/",
        f"/actions/{action.pk}/",
        "/search/?q=%E6%B0%B4%E7%B4%A0&page=1",
        "/developments/",
        "/hubs/",
        "/opendata/",
        "/no-such-page/",
    ]
    for path in paths:
        for prefix in ("", "/en"):
            page = client.get(prefix + path).content.decode()
            for language in ("ja", "en"):
                expected = translate_url(prefix + path, language)
                link = f'<link rel="alternate" hreflang="{language}" href="{escape(expected)}">'
                assert link in page, (prefix + path, language, expected)


def test_theme_page_shows_the_table_with_years_headlines_and_nested_items(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/themes/life_science/").content.decode()
    theme = plan_version.themes.get(code="life_science")
    assert "令和6年度（2024年度）" in page
    assert "万博前" in page
    for headline in theme.year_themes.all():
        assert headline.text_ja in page
    child = Action.objects.filter(theme=theme, parent__isnull=False).first()
    assert child is not None and child.parent is not None
    parent_at = page.index(f'href="/actions/{child.parent.pk}/"')
    child_at = page.index(f'href="/actions/{child.pk}/"')
    nested = page[parent_at:child_at]
    assert '<ul class="sub">' in nested and "</li>" not in nested
    assert theme.desired_state_ja.splitlines()[0] in page


def test_english_theme_page_shows_the_translation_labelled_unofficial(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/en/themes/life_science/").content.decode()
    theme = plan_version.themes.get(code="life_science")
    assert theme.name_en in page
    assert "FY2024" in page and "FY2026 onwards" in page
    assert "令和6年度" not in page
    assert 'class="notice" role="note"' in page
    assert "unofficial" in page.lower()
    assert '<th scope="row">Headline</th>' in page


def test_unknown_theme_and_action_are_not_found(client: Client, plan_version: PlanVersion) -> None:
    assert client.get("/themes/no_such_theme/").status_code == 404
    assert client.get("/actions/999999/").status_code == 404
    assert client.get("/partnerships/999999/").status_code == 404
    assert client.get("/governments/999999/").status_code == 404


def test_action_page_shows_text_theme_year_actor_and_governments(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    osaka = MemberGovernment.objects.get(lg_code="270008")
    action.member_governments.add(osaka)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert action.text_ja in page
    assert action.theme.name_ja in page
    assert "構成府県市" in page
    assert 'href="/governments/270008/"' in page
    en = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert action.text_en in en
    assert f'<dd lang="ja">{action.text_ja}</dd>' in en


def test_a_union_action_does_not_call_the_union_a_member_government(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="union").first()
    assert action is not None and not action.member_governments.exists()
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "担当する構成府県市" not in page
    assert '<span class="tag tag--union">関西広域連合</span>' in page  # 実施主体 says who
    en = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert "Member governments carrying it" not in en
    assert '<span class="tag tag--union">Union of Kansai Governments</span>' in en


def test_a_member_action_without_governments_says_none_is_assigned_yet(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    action.member_governments.clear()
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "<dt>担当する構成府県市</dt>" in page and "<dd>未設定</dd>" in page
    en = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert "<dt>Member governments carrying it</dt>" in en
    assert "<dd>Not yet assigned</dd>" in en


def test_government_page_lists_the_actions_it_carries(
    client: Client, plan_version: PlanVersion
) -> None:
    action = Action.objects.filter(version=plan_version, actor="members").last()
    assert action is not None
    action.member_governments.add(MemberGovernment.objects.get(lg_code="260002"))
    kyoto = client.get("/governments/260002/").content.decode()
    osaka = client.get("/governments/270008/").content.decode()
    assert f'href="/actions/{action.pk}/"' in kyoto
    assert f'href="/actions/{action.pk}/"' not in osaka


def test_partnership_directory_filters_by_theme_government_and_year(
    client: Client, plan_version: PlanVersion
) -> None:
    everything = client.get("/partnerships/").content.decode()
    for p in Partnership.objects.filter(version=plan_version):
        assert f'href="/partnerships/{p.pk}/"' in everything
    startups = client.get("/partnerships/", {"theme": "startups"}).content.decode()
    for p in Partnership.objects.filter(version=plan_version):
        assert (f'href="/partnerships/{p.pk}/"' in startups) == (p.theme_code == "startups")
    by_year = Partnership.objects.filter(version=plan_version).first()
    assert by_year is not None
    page = client.get("/partnerships/", {"year": by_year.date_year}).content.decode()
    for p in Partnership.objects.filter(version=plan_version):
        assert (f'href="/partnerships/{p.pk}/"' in page) == (p.date_year == by_year.date_year)
    government = by_year.member_governments.first()
    assert government is not None
    page = client.get("/partnerships/", {"government": government.lg_code}).content.decode()
    for p in Partnership.objects.filter(version=plan_version):
        carried = p.member_governments.filter(pk=government.pk).exists()
        assert (f'href="/partnerships/{p.pk}/"' in page) == carried


def test_partnership_page_shows_outline_items_and_governments(
    client: Client, plan_version: PlanVersion
) -> None:
    p = Partnership.objects.filter(version=plan_version).prefetch_related("items").first()
    assert p is not None
    page = client.get(f"/partnerships/{p.pk}/").content.decode()
    assert p.title_ja in page
    for item in p.items.all():
        assert item.text_ja in page


def test_developments_are_listed_newest_first(client: Client, plan_version: PlanVersion) -> None:
    page = client.get("/developments/").content.decode()
    dates = [d.split('"')[0] for d in page.split('<time datetime="')[1:]]
    assert len(dates) >= 5
    assert dates == sorted(dates, reverse=True)


def test_hubs_map_has_named_markers_and_the_same_list(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/en/hubs/").content.decode()
    assert page.count("<path d=") == 8
    for government in MemberGovernment.objects.all():
        assert f'aria-label="{government.name_en}"' in page
    assert 'aria-label="Kobe Biomedical Innovation Cluster"' in page
    assert page.count("Kobe Biomedical Innovation Cluster") >= 2


def test_opendata_page_has_the_licence_and_the_data_dictionary(
    client: Client, plan_version: PlanVersion
) -> None:
    from actionplan.opendata.schema import TABLES

    page = client.get("/opendata/").content.decode()
    assert "公共データ利用規約" in page and "PDL1.0" in page and "CC BY 4.0" in page
    for table in TABLES:
        assert table.filename in page
        for column in table.columns:
            assert f"<code>{column.name}</code>" in page


def test_english_pages_use_their_own_words_where_apps_share_a_japanese_one(
    client: Client, plan_version: PlanVersion
) -> None:
    # 団体 is also an organisation kind ("Association") and 計画 the model's name ("plan").
    governments = client.get("/en/governments/").content.decode()
    assert '<th scope="col">Government</th>' in governments and "Association" not in governments
    about = client.get("/en/about/").content.decode()
    assert "<dt>Plan</dt>" in about
