"""Every public page of the portal is documented in the README's Public portal section."""

from __future__ import annotations

import re
from pathlib import Path

from actionplan.portal import urls

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_portal_page_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Public portal", 1)[1].split("\n## ", 1)[0]
    for pattern in urls.urlpatterns:
        route = "/" + re.sub(r"<\w+:(\w+)>", r"<\1>", str(pattern.pattern))
        route = route.replace("<action_id>", "<id>").replace("<partnership_id>", "<id>")
        assert f"`{route}" in section, f"{route} is not documented in README.md"
