"""The writer and the reader agree: what is written reads back as the same plan."""

from __future__ import annotations

import dataclasses
from typing import Any

from actionplan.plans.importer.document import PlanDocument, read_plan_document
from actionplan.plans.importer.writer import render_document

from .documents import BUNDLED


def comparable(doc: PlanDocument) -> Any:
    """Everything a reader sees; not where it stood in the file."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "line"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    data = dataclasses.asdict(doc)
    for name in ("checksum", "legacy_checksum", "line_count", "encoding"):
        data.pop(name)
    return strip(data)


def test_the_bundled_plan_reads_back_the_same_after_writing() -> None:
    plan = read_plan_document(BUNDLED.read_bytes())
    written = render_document(plan)
    assert written != BUNDLED.read_text(encoding="utf-8")
    assert comparable(read_plan_document(written.encode())) == comparable(plan)


def test_a_changed_item_is_written_and_read_back() -> None:
    plan = read_plan_document(BUNDLED.read_bytes())
    action = plan.themes[0].actions[0]
    action.text = "新しい取組「Test Event 2026」の開催"
    again = read_plan_document(render_document(plan).encode())
    assert again.themes[0].actions[0].text == "新しい取組「Test Event 2026」の開催"
