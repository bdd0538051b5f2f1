"""Synthetic editions of the plan: the bundled document read, varied and written back.

Each edition keeps the published structure (themes, three fiscal years, two actors, groups,
sub-items, developments, agreements) while items are dropped, added, reworded and reordered,
as a real revision would.
"""

from __future__ import annotations

import copy
import random

from actionplan.plans.importer.document import Action, PlanDocument, read_plan_document
from actionplan.plans.importer.writer import render_document
from actionplan.resources import BUNDLED_PLAN

BUNDLED = BUNDLED_PLAN
SUFFIXES = ("の推進", "の支援", "の強化", "に向けた取組", "の拡充", "の検討", "の実施")
FRAGMENTS = (
    "水素",
    "蓄電池",
    "スタートアップ",
    "人材育成",
    "万博",
    "DX",
    "海外展開",
    "販路開拓",
    "オープンイノベーション",
    "産学官連携",
    "脱炭素",
    "再生医療",
    "MaaS",
    "空飛ぶクルマ",
    "中小企業",
    "情報発信",
    "マッチング",
    "実証事業",
    "拠点整備",
    "外国人材",
)


def bundled() -> PlanDocument:
    return read_plan_document(BUNDLED.read_bytes())


def _new_text(rng: random.Random) -> str:
    words = rng.sample(FRAGMENTS, 3)
    return f"{words[0]}と{words[1]}を活かした{words[2]}{rng.choice(SUFFIXES)}"


def vary(base: PlanDocument, seed: int) -> PlanDocument:
    """A new edition: about a tenth of the items changed, dropped or added."""
    rng = random.Random(seed)
    doc = copy.deepcopy(base)
    year, month = divmod(seed, 12)
    doc.edition = f"{2026 + year}年{month + 1}月改訂版"
    doc.published_year, doc.published_month = 2026 + year, month + 1
    for theme in doc.themes:
        cells: dict[tuple[int, str], list[Action]] = {}
        for action in theme.actions:
            cells.setdefault((action.period_position, action.actor), []).append(action)
        rebuilt: list[Action] = []
        for items in cells.values():
            kept: list[Action] = []
            for action in items:
                has_children = any(a.parent == action.position for a in items)
                roll = rng.random()
                if roll < 0.05 and not has_children and action.parent is None and kept:
                    continue  # dropped in this edition
                if roll < 0.12:
                    action.text = action.text + rng.choice(SUFFIXES)
                kept.append(action)
            for _ in range(rng.randint(0, 2)):
                group = kept[-1].group if kept else ""
                kept.append(
                    Action(
                        items[0].period_position, items[0].actor, 0, _new_text(rng), group, None, 0
                    )
                )
            # Renumber, keeping each sub-item with its parent.
            numbers: dict[int, int] = {}
            for position, action in enumerate(kept, start=1):
                numbers[action.position] = position
                action.position = position
            for action in kept:
                if action.parent is not None:
                    action.parent = numbers.get(action.parent)
            rebuilt += kept
        theme.actions = rebuilt
        for milestone in theme.milestones:
            if rng.random() < 0.1:
                milestone.text = milestone.text + "が進展"
    return doc


def editions(count: int, seed: int = 1) -> list[bytes]:
    base = bundled()
    return [render_document(vary(base, seed * 1000 + i)).encode("utf-8") for i in range(count)]
