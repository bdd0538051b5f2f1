"""Page wording that depends on the page's language or the length of what it shows: full
partnership titles, list separators, a long search query in the title, the API docs link."""

from __future__ import annotations

import html
import re

from django.test import Client

from actionplan.plans.models import MemberGovernment, Organization, Partnership, PlanVersion


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def _long_partnership(plan_version: PlanVersion) -> Partnership:
    p = Partnership.objects.filter(version=plan_version).first()
    assert p is not None
    p.title_ja = (
        "兵庫県立大学と日本ゼオン株式会社との包括的な連携と協力に関する協定書"
        "（水素社会の実現に向けて）"
    )
    p.title_en = (
        "Partnership and cooperation agreement between the University of Hyogo"
        " and Zeon Corporation towards a hydrogen society"
    )
    p.save()
    p.member_governments.set(MemberGovernment.objects.filter(lg_code__in=["270008", "271004"]))
    p.partners.set(
        [
            Organization.objects.create(
                name_ja="兵庫県立大学", name_en="University of Hyogo", normalized_name="test-hyogo"
            ),
            Organization.objects.create(
                name_ja="日本ゼオン株式会社",
                name_en="Zeon Corporation",
                normalized_name="test-zeon",
            ),
        ]
    )
    return p


def test_partnership_title_is_whole_in_both_languages(
    client: Client, plan_version: PlanVersion
) -> None:
    p = _long_partnership(plan_version)
    ja = _title(client.get(f"/partnerships/{p.pk}/").content.decode())
    assert ja.startswith(f"{p.title_ja} | ")
    en = _title(client.get(f"/en/partnerships/{p.pk}/").content.decode())
    assert en.startswith(f"{p.title_en} | ")
    assert "…" not in ja and "…" not in en


def test_partnership_names_are_joined_in_the_page_s_language(
    client: Client, plan_version: PlanVersion
) -> None:
    p = _long_partnership(plan_version)
    en = client.get(f"/en/partnerships/{p.pk}/").content.decode()
    assert "University of Hyogo, Zeon Corporation" in en
    assert re.search(r"Osaka Prefecture</a>, <a [^>]*>Osaka City</a>", en)
    assert "、" not in re.sub(
        r'lang="ja">[^<]*<', "", en.split('<dl class="facts">')[1].split("</dl>")[0]
    )
    ja = client.get(f"/partnerships/{p.pk}/").content.decode()
    assert "兵庫県立大学、日本ゼオン株式会社" in ja
    assert re.search(r"大阪府</a>、<a [^>]*>大阪市</a>", ja)


def test_action_governments_are_joined_in_the_page_s_language(
    client: Client, plan_version: PlanVersion
) -> None:
    from actionplan.plans.models import Action

    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    action.member_governments.set(MemberGovernment.objects.filter(lg_code__in=["270008", "271004"]))
    en = client.get(f"/en/actions/{action.pk}/").content.decode()
    assert re.search(r"Osaka Prefecture</a>, <a [^>]*>Osaka City</a>", en)
    ja = client.get(f"/actions/{action.pk}/").content.decode()
    assert re.search(r"大阪府</a>、<a [^>]*>大阪市</a>", ja)


def test_a_long_search_query_is_shortened_in_the_title(
    client: Client, plan_version: PlanVersion
) -> None:
    for prefix in ("/en", ""):
        response = client.get(f"{prefix}/search/", {"q": "a" * 3000})
        assert response.status_code == 400
        title = _title(response.content.decode())
        assert "a" * 41 not in title
        assert "a" * 39 + "…" in title
        assert len(title) < 120


def test_api_docs_links_lead_to_the_docs_in_the_page_s_language(
    client: Client, plan_version: PlanVersion
) -> None:
    en_home = client.get("/en/").content.decode()
    assert 'href="/api/v1/docs?lang=en"' in en_home
    assert 'href="/api/v1/docs"' not in en_home
    en_opendata = client.get("/en/opendata/").content.decode()
    assert '<a href="/api/v1/docs?lang=en">' in en_opendata
    assert 'href="/api/v1/docs"' not in en_opendata
    for path in ("/", "/opendata/"):
        ja = client.get(path).content.decode()
        assert 'href="/api/v1/docs"' in ja
        assert "?lang=" not in ja
    # The link leads to the English docs, marked current in the footer there.
    docs = client.get("/api/v1/docs?lang=en").content.decode()
    assert '<html lang="en"' in docs
    assert '<a href="/api/v1/docs?lang=en" aria-current="page">' in docs
