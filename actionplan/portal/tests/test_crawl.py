"""Every link reachable from the home page answers without error; no page loads outside assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client

from actionplan.plans.models import Action, MemberGovernment, PlanVersion


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "link" and values.get("rel") == "stylesheet":
            self.assets.append(values.get("href") or "")
        if tag in {"script", "img", "iframe", "source", "video", "audio", "embed"}:
            if values.get("src"):
                self.assets.append(values["src"] or "")
        if tag == "form" and values.get("action"):
            self.links.append(values["action"] or "")


def is_internal(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("mailto:")


def crawl(client: Client, starts: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    seen: dict[str, int] = {}
    queue = list(starts)
    assets: set[str] = set()
    css_urls: list[str] = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200:
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = urldefrag(urljoin(url, href)).url
            if is_internal(href) and target not in seen:
                queue.append(target)
        assets.update(urljoin(url, a) for a in parser.assets)
    for asset in sorted(assets):
        if is_internal(asset):
            response = client.get(asset)
            seen[asset] = response.status_code
            if asset.endswith(".css"):
                body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
                css_urls.extend(re.findall(r"url\(([^)]*)\)", body.decode()))
    return seen, sorted(assets), css_urls


def test_every_link_from_home_answers_and_no_page_loads_from_another_host(
    client: Client, plan_version: PlanVersion
) -> None:
    # Assignments make the government pages link to actions too.
    action = Action.objects.filter(version=plan_version, actor="members").first()
    assert action is not None
    action.member_governments.add(*MemberGovernment.objects.all()[:3])
    seen, assets, css_urls = crawl(client, ["/", "/en/"])
    failures = {url: status for url, status in seen.items() if status >= 400}
    assert not failures
    # The crawl really went everywhere: every action page in both languages.
    actions = Action.objects.filter(version=plan_version)
    assert all(f"/actions/{a.pk}/" in seen and f"/en/actions/{a.pk}/" in seen for a in actions)
    assert "/en/hubs/" in seen and "/opendata/" in seen and "/en/accessibility/" in seen
    for part in ("/themes/", "/organizations/", "/proposals/new/", "/progress/annual/"):
        assert part in seen and f"/en{part}" in seen
    # Offline by design: no style sheet, script, image or CSS url() from another host.
    assert any(a.endswith("portal.css") for a in assets)
    outside = [a for a in assets + css_urls if re.match(r"\s*['\"]?(https?:)?//", a)]
    assert not outside
