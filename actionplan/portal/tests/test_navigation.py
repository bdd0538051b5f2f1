"""The header and footer reach every public part of the site, in both languages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion

# Every public part, as its Japanese path; the English one is the same under /en/.
PUBLIC_PARTS = [
    "/",
    "/themes/",
    "/developments/",
    "/partnerships/",
    "/organizations/",
    "/governments/",
    "/hubs/",
    "/search/",
    "/opendata/",
    "/proposals/new/",
    "/progress/annual/",
    "/about/",
    "/accessibility/",
]


def chrome(page: str) -> str:
    """The page without its main content: header and footer only."""
    return re.sub(r"<main\b.*</main>", "", page, flags=re.S)


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("start", ["/", "/themes/startups/", "/organizations/", "/proposals/new/"])
def test_header_and_footer_link_every_public_part(
    client: Client, plan_version: PlanVersion, prefix: str, start: str
) -> None:
    response = client.get(prefix + start)
    assert response.status_code == 200
    links = set(re.findall(r'href="([^"]+)"', chrome(response.content.decode())))
    missing = [prefix + part for part in PUBLIC_PARTS if prefix + part not in links]
    assert not missing
    for part in PUBLIC_PARTS:
        assert client.get(prefix + part).status_code == 200, prefix + part


def test_menu_marks_the_part_the_reader_is_in(client: Client, plan_version: PlanVersion) -> None:
    theme = client.get("/en/themes/startups/").content.decode()
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', chrome(theme))
    assert set(current) == {"/en/themes/"}
    home = client.get("/").content.decode()
    assert set(re.findall(r'<a href="([^"]+)" aria-current="page">', chrome(home))) == {"/"}


def test_themes_page_lists_every_theme_with_its_year_headlines(
    client: Client, plan_version: PlanVersion
) -> None:
    page = client.get("/themes/").content.decode()
    assert "<h1>取組項目</h1>" in page
    for theme in plan_version.themes.all():
        assert f'href="/themes/{theme.code}/"' in page
        for headline in theme.year_themes.all():
            assert headline.text_ja in page
    english = client.get("/en/themes/").content.decode()
    assert "<h1>Themes</h1>" in english and "FY2025" in english


def test_menus_and_action_links_follow_the_language_and_the_script_prefix(
    plan_version: PlanVersion,
) -> None:
    """Menu items and action links are made once per language and script prefix, never reused
    across them; the reader's part of the site is the one item marked current."""
    from django.urls import reverse
    from django.urls.base import set_script_prefix
    from django.utils import translation

    from actionplan.plans.models import Action
    from actionplan.portal.templatetags.portal import action_url

    action = Action.objects.filter(version=plan_version).first()
    assert action is not None
    for prefix in ("/", "/plan/"):
        set_script_prefix(prefix)
        try:
            for language in ("ja", "en"):
                with translation.override(language):
                    assert action_url(action.pk) == reverse("portal:action", args=[action.pk])
        finally:
            set_script_prefix("/")
    # The menus of both languages, one after the other in the same process.
    for prefix, path in (("", "/themes/"), ("/en", "/en/themes/"), ("", "/hubs/")):
        page = Client().get(path).content.decode()
        menu = re.search(r'<ul id="site-nav-list">(.*?)</ul>', page, re.S)
        assert menu is not None
        links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', menu.group(1))
        assert len(links) > 5
        assert all(href.startswith(f"{prefix}/") for href, _ in links)
        assert [href for href, current in links if current] == [path]
