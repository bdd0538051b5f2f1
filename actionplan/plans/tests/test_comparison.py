"""The comparison of two editions covers every stored content field: each revision below
changes one thing the comparison once ignored, and must be reported as exactly that change —
also when it comes with the same edition label, which is then refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from actionplan.plans import models as m
from actionplan.plans.actions import import_plan_document
from actionplan.plans.queries import (
    NOT_COMPARED,
    NOT_CONTENT,
    RECORD_KINDS,
    Change,
    compared_fields,
    diff_versions,
)

from .documents import BUNDLED

LABEL = "2025年11月改訂版"


def replace(old: str, new: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        assert old in text
        return text.replace(old, new)

    return rewrite


def in_year_headers(old: str, new: str) -> Callable[[str], str]:
    """A year label renamed in the header row of every table."""

    def rewrite(text: str) -> str:
        lines = text.split("\n")
        return "\n".join(
            line.replace(old, new) if line.startswith("年度\t") else line for line in lines
        )

    return rewrite


def swap_first_two_developments(text: str) -> str:
    lines = text.split("\n")
    first = next(n for n, line in enumerate(lines) if line.startswith("- 2024年6月、"))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    return "\n".join(lines)


# (name, revision, the changes it must give: kind, record, differing details)
REVISIONS: list[tuple[str, Callable[[str], str], list[tuple[str, str, list[str]]]]] = [
    (
        "future_image",
        replace("日本の未来を牽引する関西", "日本の未来を切り拓く関西"),
        [("added", "future_image", []), ("removed", "future_image", [])],
    ),
    (
        "target_state",
        replace("- ▶ 産業転換と深化", "- ▶ 産業転換と高度化"),
        [("added", "target_state", []), ("removed", "target_state", [])],
    ),
    (
        "introduction",
        replace("連携強化につながる", "連携の強化につながる"),
        [("changed", "introduction", [])],
    ),
    (
        "group",
        replace("関西広域連合\t【空飛ぶクルマ】", "関西広域連合\t【空飛ぶ車】"),
        [("changed", "action", ["group"])],
    ),
    (
        "desired_state_note",
        replace(
            "*ダイバーシティ経営：多様な人材を活かし", "*ダイバーシティ経営：多様な人材を生かし"
        ),
        [("changed", "theme", ["desired_state_note"])],
    ),
    (
        "member_governments",
        replace("【兵庫県】\n\n兵庫県立大学と日本ゼオン", "【大阪府】\n\n兵庫県立大学と日本ゼオン"),
        [("changed", "partnership", ["member_governments"])],
    ),
    (
        "appendix_note",
        replace("「公民連携」の提案を募集しています", "「公民連携」の提案を随時募集しています"),
        [("changed", "appendix_note", [])],
    ),
    (
        "figure_source",
        replace("（出典：令和6年度産業技術調査", "（出典：令和7年度産業技術調査"),
        [("changed", "milestone", ["figure_source"])],
    ),
    (
        "period_label",
        in_year_headers("万博前", "万博以前"),
        [("changed", "period", [])],
    ),
    (
        "order",
        swap_first_two_developments,
        [("changed", "milestone", ["position"])],
    ),
]


def cases(table: list[Any], width: int = 2) -> list[Any]:
    """The rows of a table of (name, …) as test cases named by their first column."""
    return [pytest.param(*row[1 : 1 + width], id=row[0]) for row in table]


def summary(changes: list[Change]) -> list[tuple[str, str, list[str]]]:
    return sorted((c.kind, c.record, [d.field for d in c.details]) for c in changes)


@pytest.mark.django_db
@pytest.mark.parametrize(("revision", "expected"), cases(REVISIONS))
def test_each_stored_difference_is_a_change(
    plan_version: m.PlanVersion,
    revision: Callable[[str], str],
    expected: list[tuple[str, str, list[str]]],
) -> None:
    text = revision(BUNDLED.read_text(encoding="utf-8")).replace(LABEL, "2026年5月改訂版")
    new = import_plan_document(text.encode(), source_name="revised.txt").version
    diff = diff_versions(plan_version, new)
    assert summary(diff.changes) == sorted(expected)
    for change in diff.changes:
        if change.kind == "changed" and not change.details:
            assert change.reworded and change.old_text and change.new_text
            assert change.old_text != change.new_text


@pytest.mark.django_db
@pytest.mark.parametrize("revision", cases(REVISIONS, 1))
def test_the_same_label_with_such_a_difference_is_refused(
    plan_version: m.PlanVersion, tmp_path: Path, revision: Callable[[str], str]
) -> None:
    path = tmp_path / "same-label.txt"
    path.write_text(revision(BUNDLED.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import", str(path))
    message = str(info.value)
    assert f"the edition label '{LABEL}' is already version 1, with other content" in message
    assert "(0 differences" not in message
    assert m.PlanVersion.objects.count() == 1


def test_every_field_of_an_edition_is_compared_or_excluded_with_a_reason() -> None:
    """A field added to a model of an edition is compared unless it is named as not content."""
    models: set[type[Any]] = {
        m.PlanVersion,
        m.PartnershipItem,
        *(kind.model for kind in RECORD_KINDS),
    }
    for model in models:
        fields = {
            f.name
            for f in (*model._meta.concrete_fields, *model._meta.many_to_many)
            if not f.primary_key and not f.name.endswith("_en")
        }
        compared = {f.name for f in compared_fields(model)}
        skipped = {**NOT_CONTENT, **NOT_COMPARED.get(model, {})}
        assert fields == compared | (fields & skipped.keys()), model
        assert all(skipped[name] for name in fields - compared)
    # What the comparison once ignored.
    assert {"introduction_ja", "appendix_note_ja", "period_note_ja"} <= {
        f.name for f in compared_fields(m.PlanVersion)
    }
    assert "group_ja" in {f.name for f in compared_fields(m.Action)}
    assert "desired_state_note_ja" in {f.name for f in compared_fields(m.Theme)}
    assert {"member_governments", "partners"} <= {f.name for f in compared_fields(m.Partnership)}


def without_lines(*starts: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        lines = text.split("\n")
        kept = [line for line in lines if not line.lstrip().startswith(starts)]
        assert len(kept) < len(lines)
        return "\n".join(kept)

    return rewrite


def without_introduction(text: str) -> str:
    start = text.index("アクションプランについて\n")
    end = text.index("関西広域産業ビジョンとアクションプランの関係")
    return text[:start] + text[end:]


def without_table_note(text: str) -> str:
    """The ※ note on the tables' year columns, on a line of its own or after a heading."""
    return re.sub(r"※「\d{4}～[^\n]*?取組を含む", "", text)


# (name, damage, what the refusal must say)
LOST_SECTIONS: list[tuple[str, Callable[[str], str], str]] = [
    (
        "introduction",
        without_introduction,
        "the introduction (アクションプランについて) is missing; the current edition has",
    ),
    (
        "goals",
        without_lines("- ▶ "),
        "the goals (めざす姿) is missing: 0 target_state records; the current edition has 3",
    ),
    (
        "table_note",
        without_table_note,
        "the tables' note (※) is missing; the current edition has 25 characters of it",
    ),
    (
        "theme_notes",
        without_lines("*"),
        "the notes of the desired states (ありたい姿の*) is missing: 0 of 6 theme records "
        "have one; the current edition has 1",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("damage", "reason"), cases(LOST_SECTIONS))
def test_a_document_that_lost_a_section_is_refused_unless_forced(
    plan_version: m.PlanVersion, tmp_path: Path, damage: Callable[[str], str], reason: str
) -> None:
    path = tmp_path / "lost.txt"
    text = damage(BUNDLED.read_text(encoding="utf-8")).replace(LABEL, "2026年5月改訂版")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import", str(path))
    message = str(info.value)
    assert reason in message and "use --force if this is intended" in message
    assert m.PlanVersion.objects.count() == 1
    call_command("import", str(path), "--force", stdout=StringIO())
    assert m.PlanVersion.objects.get(is_current=True).number == 2
