"""The public proposal form is usable with a screen reader and a keyboard: grouped checkboxes
have a legend, every aria-describedby names something on the page, the browser may fill in
name, e-mail and phone, and a failed submit comes back with a focused summary of the errors."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


def _described(page: str) -> list[str]:
    return [i for ref in re.findall(r'aria-describedby="([^"]+)"', page) for i in ref.split()]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_form_groups_checkboxes_and_names_what_describes_each_field(
    client: Client, plan_version: PlanVersion, prefix: str
) -> None:
    page = client.get(f"{prefix}/proposals/new/").content.decode()
    for name in ("themes", "member_governments"):
        group = page[: page.index(f'name="{name}"')]
        assert group.rfind("<fieldset") > group.rfind("</fieldset>")
        assert group.rfind("<legend>") > group.rfind("<fieldset")
    assert set(_described(page)) <= _ids(page)
    for name, token in (("contact_name", "name"), ("email", "email"), ("phone", "tel")):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert tag is not None and f'autocomplete="{token}"' in tag.group(0)


@pytest.mark.parametrize(
    ("prefix", "title"), [("", "入力内容を確認してください"), ("/en", "Please check")]
)
def test_a_failed_submit_comes_back_with_a_focused_summary_linking_to_each_field(
    client: Client, plan_version: PlanVersion, prefix: str, title: str
) -> None:
    response = client.post(f"{prefix}/proposals/new/", {"organization_name": "株式会社テスト"})
    page = response.content.decode()
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "autofocus" in page[page.index('<div class="error-summary"') : page.index(title)]
    assert title in summary
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert len(targets) >= 3  # contact name, e-mail, title … are missing
    assert set(targets) <= _ids(page)
    assert set(_described(page)) <= _ids(page)
