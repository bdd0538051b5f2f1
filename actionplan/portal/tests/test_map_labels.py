"""The hubs map's prefecture names: none on another name or on a marker, at 1280 and 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from actionplan.plans.models import PlanVersion
from actionplan.portal.maplabels import label_box, place_labels, text_width

RECTS = """svg => [...svg.querySelectorAll(SELECTOR)].map(n => {
  const r = n.getBoundingClientRect();
  return {text: n.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
})"""


def _meet(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_a_crowded_spot_pushes_names_apart_with_leader_lines() -> None:
    # Three names whose prefectures' middles nearly coincide, on top of a cluster of markers.
    labels = [("大阪府", 300.0, 200.0), ("奈良県", 305.0, 205.0), ("Wakayama", 295.0, 198.0)]
    markers = [(300.0 + dx, 200.0 + dy) for dx in (-12, 0, 12) for dy in (-12, 0, 12)]
    placed = place_labels(labels, markers, 600, 500)
    boxes = [label_box(p.text, p.x, p.y) for p in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
        for mx, my in markers:
            assert not (a[0] < mx + 7 and mx - 7 < a[2] and a[1] < my + 7 and my - 7 < a[3])
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= 600 and a[3] <= 500
    assert all(p.leader for p in placed)
    assert [p.text for p in placed] == ["大阪府", "奈良県", "Wakayama"]
    # A name with room around it stays where it is, without a line.
    (alone,) = place_labels([("滋賀県", 100.0, 100.0)], [(400.0, 400.0)], 600, 500)
    assert (alone.x, alone.y, alone.leader) == (100.0, 100.0, False)


def test_widths_count_full_width_characters_as_one_em() -> None:
    assert text_width("大阪府", 20) == 60
    assert text_width("Osaka", 20) == pytest.approx(65)


@pytest.mark.e2e
@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_no_name_on_the_map_covers_another_or_a_marker(
    page: Page, live_server: LiveServer, plan_version: PlanVersion, prefix: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}{prefix}/hubs/")
    svg = page.locator("figure.map > svg")
    labels = svg.evaluate(RECTS.replace("SELECTOR", "'.map-label'"))
    markers = svg.evaluate(RECTS.replace("SELECTOR", "'circle, a > rect'"))
    assert len(labels) >= 8 and len(markers) >= 10
    frame = svg.evaluate(
        "n => { const r = n.getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"
    )
    problems = []
    for i, a in enumerate(labels):
        # Drawn inside the map and big enough to read (about 12 px or more on screen).
        assert frame["left"] <= a["left"] and a["right"] <= frame["right"], a
        assert frame["top"] <= a["top"] and a["bottom"] <= frame["bottom"], a
        assert a["bottom"] - a["top"] >= 12, a
        problems += [f"{a['text']} / {b['text']}" for b in labels[i + 1 :] if _meet(a, b)]
        problems += [f"{a['text']} / marker" for b in markers if _meet(a, b)]
    assert problems == []
