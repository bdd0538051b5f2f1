"""The portal leads to what it is built from: the plan as the Union of Kansai Governments
publishes it, the Union's site, and each agreement's own announcement."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from actionplan.plans.models import Partnership, PlanVersion

UNION = "https://www.kouiki-kansai.jp/"
PLAN_PAGE = "https://www.kouiki-kansai.jp/example/action-plan.html"
NOTE = {"": "（外部サイト）", "/en": " (external site)"}


def external_links(html: str) -> dict[str, str]:
    """href → visible text of every link that leaves the site."""
    links = {}
    for attrs, text in re.findall(r"<a ([^>]*)>(.*?)</a>", html, re.S):
        href = re.search(r'href="([^"]+)"', attrs)
        if href and 'rel="external noopener"' in attrs:
            links[unescape(href.group(1))] = unescape(re.sub(r"<[^>]+>", "", text))
    return links


def _parts(html: str) -> tuple[str, str]:
    main = html[html.index("<main") : html.index("</main>")]
    footer = html[html.index("<footer") : html.index("</footer>")]
    return main, footer


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_union_and_the_plan_are_linked_on_home_about_revisions_and_every_footer(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    for path in ("/", "/about/", "/revisions/", f"/revisions/{plan_version.number}/"):
        main, footer = _parts(client.get(prefix + path).content.decode())
        for part in (main, footer):
            links = external_links(part)
            assert UNION in links, (path, part[-500:])
            assert links[UNION].endswith(NOTE[prefix])
    # Every page's footer, not only those above.
    _, footer = _parts(client.get(f"{prefix}/themes/").content.decode())
    assert UNION in external_links(footer)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_plans_own_page_is_a_setting_of_its_own(
    client: Client, plan_version: PlanVersion, settings: Any, prefix: str
) -> None:
    settings.PLAN_SOURCE_URL = PLAN_PAGE
    main, _ = _parts(client.get(f"{prefix}/about/").content.decode())
    links = external_links(main)
    assert set(links) == {PLAN_PAGE, UNION}
    plan_label = {
        "": "「関西広域産業ビジョン アクションプラン」の公表ページ（PDF）（外部サイト）",
        "/en": ("The Kansai Industrial Vision Action Plan as published (PDF) (external site)"),
    }
    assert links[PLAN_PAGE] == plan_label[prefix]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_an_agreement_links_its_source_page_on_its_page_and_in_the_list(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    linked, unlinked = Partnership.objects.filter(version=plan_version).exclude(source_name_ja="")[
        :2
    ]
    # Staff add the address in the admin; the plan gives only the source's name.
    Partnership.objects.filter(pk=linked.pk).update(source_url="https://example.org/news/1")
    linked.refresh_from_db()
    name = linked.source_name_en if prefix else linked.source_name_ja
    page = client.get(f"{prefix}/partnerships/{linked.pk}/").content.decode()
    main, _ = _parts(page)
    assert external_links(main)["https://example.org/news/1"] == name + NOTE[prefix]
    listing, _ = _parts(client.get(f"{prefix}/partnerships/").content.decode())
    assert external_links(listing) == {"https://example.org/news/1": name + NOTE[prefix]}
    # Without an address the source is named, not linked.
    other, _ = _parts(client.get(f"{prefix}/partnerships/{unlinked.pk}/").content.decode())
    other_name = unlinked.source_name_en if prefix else unlinked.source_name_ja
    assert other_name in unescape(other) and not external_links(other)
