"""Where the hubs map writes the prefecture names: near each prefecture's middle, but never on
another name nor on a marker (offices and hubs crowd around Osaka). A name that has to move away
gets a leader line back to its prefecture.

The boxes are estimated from the number of characters at the largest font size the page uses
(the phone size in portal.css); on a wide screen the same names are drawn smaller around the same
anchor, so their boxes lie inside the estimated ones and cannot meet either.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# The phone font size of `.map-label` in portal.css, in viewBox units: the largest one drawn.
LABEL_FONT_SIZE = 22.0
# Half the side of a marker (the office square is 12 wide with its stroke, a hub circle 12 across).
MARKER_HALF = 7.5
GAP = 2.0
RING_STEP = 8.0
MAX_RADIUS = 240.0
DIRECTIONS = 24

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    x: float  # the text's middle (text-anchor="middle")
    y: float  # its baseline
    anchor_x: float  # the prefecture's middle, where a leader line starts
    anchor_y: float
    leader: bool

    @property
    def line_end(self) -> tuple[float, float]:
        """The point of the label's box nearest to the anchor, where the leader line ends."""
        left, top, right, bottom = label_box(self.text, self.x, self.y)
        return (
            round(min(max(self.anchor_x, left), right), 1),
            round(min(max(self.anchor_y, top), bottom), 1),
        )


def text_width(text: str, font_size: float = LABEL_FONT_SIZE) -> float:
    """A generous width: full-width characters one em, others 0.65 em (wider than the
    proportional fonts' averages, so that the real text fits inside)."""
    return sum(
        font_size if unicodedata.east_asian_width(c) in "WF" else font_size * 0.65 for c in text
    )


def label_box(text: str, x: float, y: float, font_size: float = LABEL_FONT_SIZE) -> Box:
    half = text_width(text, font_size) / 2
    return (x - half, y - font_size, x + half, y + font_size * 0.3)


def _meets(a: Box, b: Box) -> bool:
    return a[0] < b[2] + GAP and b[0] < a[2] + GAP and a[1] < b[3] + GAP and b[1] < a[3] + GAP


def _candidates(x: float, y: float) -> Iterable[tuple[float, float]]:
    yield x, y
    radius = RING_STEP
    while radius <= MAX_RADIUS:
        for step in range(DIRECTIONS):
            angle = 2 * math.pi * step / DIRECTIONS
            yield x + radius * math.cos(angle), y + radius * math.sin(angle)
        radius += RING_STEP


def place_labels(
    labels: list[tuple[str, float, float]],
    markers: list[tuple[float, float]],
    width: float,
    height: float,
) -> list[PlacedLabel]:
    """Each (text, x, y) placed at the first free spot on rings around (x, y): inside the map,
    clear of the markers and of the labels placed before it. A label left where it was when no
    spot is free (never on this map) keeps the map readable rather than failing the page."""
    taken: list[Box] = [
        (mx - MARKER_HALF, my - MARKER_HALF, mx + MARKER_HALF, my + MARKER_HALF)
        for mx, my in markers
    ]
    placed = []
    for text, x, y in labels:
        spot = (x, y)
        for cx, cy in _candidates(x, y):
            box = label_box(text, cx, cy)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_meets(box, other) for other in taken):
                spot = (cx, cy)
                break
        box = label_box(text, *spot)
        taken.append(box)
        moved = not (box[0] <= x <= box[2] and box[1] <= y <= box[3])
        placed.append(
            PlacedLabel(text, round(spot[0], 1), round(spot[1], 1), round(x, 1), round(y, 1), moved)
        )
    return placed
