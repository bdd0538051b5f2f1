from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from actionplan.plans.actions import import_plan_document
from actionplan.plans.models import PlanVersion

from .documents import BUNDLED

pytestmark = pytest.mark.django_db


def test_plan_diff_lists_what_a_revision_changed(
    plan_version: PlanVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    revised = text.replace("蓄電池等の脱炭素推進人材の育成", "蓄電池・水素等の脱炭素推進人材の育成")
    import_plan_document(revised.encode(), source_name="revised.txt")
    call_command("plan_diff", "1")
    out = capsys.readouterr().out
    assert (
        "~ action carbon_neutral 2024 members: 蓄電池等の脱炭素推進人材の育成 → "
        "蓄電池・水素等の脱炭素推進人材の育成"
    ) in out
    assert out.strip().endswith("version 1 → 2: 0 added, 1 changed, 0 removed, 0 moved")
    call_command("plan_diff", "1", "2", "--json")
    changes = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in changes] == ["changed"]


def test_plan_diff_refuses_an_unknown_version(plan_version: PlanVersion) -> None:
    with pytest.raises(CommandError, match="no such plan version"):
        call_command("plan_diff", "7")


def test_translations_missing_lists_only_new_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revised = BUNDLED.read_text(encoding="utf-8").replace(
        "社会受容性の向上", "社会受容性の向上と理解促進"
    )
    path = tmp_path / "revised.txt"
    path.write_text(revised, encoding="utf-8")
    call_command("translations_missing", str(path))
    missing = json.loads(capsys.readouterr().out)
    assert [e["ja"] for e in missing["entries"].values()] == ["社会受容性の向上と理解促進"]
    assert missing["terms"] == {}
