"""Plan editions: stage, verify, then activate — and nothing published changes on a refusal.

Run on SQLite by default and on PostgreSQL with DATABASE_URL; the tests that need one database's
feature say so.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from actionplan.opendata.publish import current_publication
from actionplan.plans import models as m
from actionplan.plans.actions import activate_version, import_plan_document, import_plan_file
from actionplan.plans.importer.document import read_plan_document
from actionplan.plans.importer.writer import render_document
from actionplan.plans.queries import editions_of_action
from actionplan.plans.verification import MAX_TEXT_LENGTH, EditionRefused
from actionplan.search.queries import search

from .documents import BUNDLED

REVISED_LABEL = "2026年5月改訂版"
PAGES = ("/", "/developments/", "/api/v1/milestones", "/opendata/feed.atom")


def bundled_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


def revised(text: str | None = None) -> str:
    return (text or bundled_text()).replace("2025年11月改訂版", REVISED_LABEL)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if fragment in line)


def published() -> dict[str, Any]:
    """Everything the public sees of the plan: the current version, search results, the
    open data files and some pages, byte for byte."""
    current = m.PlanVersion.objects.get(is_current=True)
    publication = current_publication()
    client = Client()
    return {
        "current": (current.pk, current.number, current.edition_ja),
        "versions": list(m.PlanVersion.objects.values_list("pk", "is_current", "checksum")),
        "plans": m.Plan.objects.count(),
        "search": [
            [(hit.kind, hit.id) for hit in search(q, limit=50).hits]
            for q in ("水素", "万博", "大学発ベンチャー")
        ],
        "open data": {
            name: (publication.directory / name).read_bytes()
            for name in publication.files
            if name.endswith((".csv", ".json"))
        },
        "pages": {path: client.get(path).content for path in PAGES},
    }


def run_import(path: Path, *options: str) -> str:
    """`actionplan import`, as a user runs it; the error as its message."""
    try:
        call_command("import", str(path), *options)
    except CommandError as exc:
        return str(exc)
    return ""


def figure_of_400_digits(text: str) -> str:
    return text.replace("981【2024年】", "9" * 400 + "【2024年】")


def item_of_200000_characters(text: str) -> str:
    return text.replace("社会受容性の向上", "社会受容性の向上" + "あ" * 200_000, 1)


def february_30(text: str) -> str:
    return text.replace("- 2024年6月、医療機関", "- 2024年2月30日、医療機関")


def month_13(text: str) -> str:
    return text.replace("- 2024年6月、医療機関", "- 2024年13月、医療機関")


def agreement_on_february_30(text: str) -> str:
    return text.replace("(締結時期：2025年9月10日)", "(締結時期：2025年2月30日)", 1)


def day_0(text: str) -> str:
    return text.replace("- 2024年6月、医療機関", "- 2024年6月0日、医療機関")


def agreement_on_day_0(text: str) -> str:
    return text.replace("(締結時期：2025年9月10日)", "(締結時期：2025年9月0日)", 1)


def cut_at_line_252(text: str) -> str:
    return "\n".join(text.split("\n")[:252]) + "\n"


def without_title(text: str) -> str:
    return text.replace("関西広域産業ビジョン アクションプラン\n", "", 1)


def same_label_other_content(text: str) -> str:
    return text.replace("社会受容性の向上", "社会受容性の向上と理解促進")


# Each bad input of the issue, with what the refusal must say and, where the reader can tell,
# the line it must name (given as a fragment of that line in the bad file).
BAD_INPUTS: list[tuple[Callable[[str], str], str, str | None]] = [
    (figure_of_400_digits, "figure_value", "- ・バイオ・ライフサイエンス、グリーンテック"),
    (item_of_200000_characters, f"more than the {MAX_TEXT_LENGTH}", "社会受容性の向上"),
    (february_30, "'2024年2月30日' is not a date of the calendar", "2024年2月30日"),
    (month_13, "'2024年13月' is not a date: a month is 1 to 12", "2024年13月"),
    (agreement_on_february_30, "'2025年2月30日' is not a date of the calendar", "2025年2月30日"),
    (day_0, "the development's date '2024年6月0日' is not a date of the calendar", "2024年6月0日"),
    (
        agreement_on_day_0,
        "the agreement's date (締結時期) '2025年9月0日' is not a date of the calendar",
        "2025年9月0日",
    ),
    (cut_at_line_252, "0 of 12 partnerships", None),
    (without_title, "expected the plan title", "2025年11月改訂版"),
    (same_label_other_content, "the edition label '2025年11月改訂版' is already version 1", None),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("damage", "reason", "line_fragment"),
    BAD_INPUTS,
    ids=[damage.__name__ for damage, _, _ in BAD_INPUTS],
)
def test_a_bad_edition_is_refused_and_nothing_published_changes(
    plan_version: m.PlanVersion,
    tmp_path: Path,
    damage: Callable[[str], str],
    reason: str,
    line_fragment: str | None,
) -> None:
    # The damage of the issue is applied to the bundled plan as it is (the figure line follows
    # the development it belongs to; the refusal names the development's line).
    text = damage(bundled_text())
    assert text != bundled_text()
    before = published()
    bad = tmp_path / "bad.txt"
    bad.write_text(text, encoding="utf-8")
    error = run_import(bad)
    assert reason in error and error.count("nothing was imported") == 1
    if line_fragment is not None:
        assert error.startswith(f"{bad}:{line_of(text, line_fragment)}: ")
    assert published() == before
    # Re-importing the good file is still possible and changes nothing.
    assert "unchanged" in _output_of_import(BUNDLED)
    assert published() == before


def _output_of_import(path: Path, *options: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import", str(path), *options, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "rewrite",
    [
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text.replace("\n", "  \n").replace("万博\n", "万博\u3000\n"),
        lambda text: "\n\n" + text + "\n\n\n",
    ],
    ids=["crlf", "trailing-spaces", "blank-lines-around"],
)
def test_line_endings_and_trailing_spaces_are_not_a_new_edition(
    plan_version: m.PlanVersion, tmp_path: Path, rewrite: Callable[[str], str]
) -> None:
    before = published()
    path = tmp_path / "same.txt"
    path.write_bytes(rewrite(bundled_text()).encode("utf-8"))
    assert "unchanged: the document is already version 1" in _output_of_import(path)
    assert published() == before


@pytest.mark.django_db
def test_a_plan_imported_before_line_endings_were_normalized_is_still_found(
    plan_version: m.PlanVersion,
) -> None:
    # Earlier releases stored the checksum of the text as decoded.
    doc = read_plan_document(BUNDLED.read_bytes())
    m.PlanVersion.objects.filter(pk=plan_version.pk).update(checksum=doc.legacy_checksum)
    result = import_plan_file(BUNDLED)
    assert not result.created and result.version.pk == plan_version.pk


@pytest.mark.django_db
def test_the_database_allows_one_current_version_per_plan(plan_version: m.PlanVersion) -> None:
    import_plan_document(revised().encode(), source_name="revised.txt", activate=False)
    staged = m.PlanVersion.objects.get(number=2)
    assert not staged.is_current
    with pytest.raises(IntegrityError), transaction.atomic():
        m.PlanVersion.objects.filter(pk=staged.pk).update(is_current=True)
    assert m.PlanVersion.objects.filter(is_current=True).get().pk == plan_version.pk


@pytest.mark.django_db
def test_a_missing_title_line_does_not_start_a_second_plan(plan_version: m.PlanVersion) -> None:
    # A title line damaged rather than removed: the reader cannot tell, the import can.
    text = revised().replace("関西広域産業ビジョン アクションプラン\n", "関西広域産業\n", 1)
    with pytest.raises(EditionRefused) as info:
        import_plan_document(text.encode(), source_name="retitled.txt")
    assert "the title '関西広域産業' names no stored plan" in str(info.value)
    assert m.Plan.objects.count() == 1
    assert m.PlanVersion.objects.filter(is_current=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_prints_the_verification_and_comparison_and_writes_nothing(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    before = published()
    path = tmp_path / "revised.txt"
    path.write_text(
        revised().replace("社会受容性の向上", "社会受容性の向上と理解促進"), encoding="utf-8"
    )
    out = _output_of_import(path, "--dry-run")
    assert "verified: values, search index, open data files" in out
    assert "compared with version 1 (2025年11月改訂版): 0 added, 0 removed, 1 changed" in out
    # The comparison itself, per theme and cell, as `plan-diff` prints it.
    changed = next(line for line in out.splitlines() if "社会受容性の向上 → " in line)
    assert re.fullmatch(r"~ action [a-z_]+ 20\d\d (union|members): .+と理解促進.*", changed)
    assert "dry run: version 2 (2026年5月改訂版) passed; nothing was written" in out
    assert published() == before
    # A damaged file in a dry run is refused the same way, with its numbers.
    cut = tmp_path / "cut.txt"
    cut.write_text(cut_at_line_252(revised()), encoding="utf-8")
    assert "0 of 12 partnerships" in run_import(cut, "--dry-run")
    assert published() == before


@pytest.mark.django_db
def test_force_publishes_a_document_that_lost_its_appendix(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    text = revised()
    path = tmp_path / "no-appendix.txt"
    path.write_text(
        text[: text.index("\n【Appendix】 将来像の実現に向けた公民連携の取組例（")],
        encoding="utf-8",
    )
    error = run_import(path)
    assert "0 of 12 partnerships (the appendix is missing); the current edition has 12" in error
    assert "use --force if this is intended" in error
    assert "now current" in _output_of_import(path, "--force")
    current = m.PlanVersion.objects.get(is_current=True)
    assert (current.number, current.partnerships.count()) == (2, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("percent", [10, 50])
def test_the_share_of_removed_items_is_a_setting(
    plan_version: m.PlanVersion, percent: int, settings: Any
) -> None:
    """Every cell cut to its first three items: about a quarter of the actions gone."""
    settings.PLAN_IMPORT_MAX_REMOVED_PERCENT = percent
    doc = read_plan_document(revised().encode())
    removed = 0
    for theme in doc.themes:
        kept = [a for a in theme.actions if (a.parent or a.position) <= 3]
        removed += len(theme.actions) - len(kept)
        theme.actions = kept
    share = removed * 100 // plan_version.actions.count()
    assert 10 < share < 50
    try:
        result = import_plan_document(render_document(doc).encode(), source_name="short.txt")
    except EditionRefused as exc:
        assert percent == 10
        assert f"more than PLAN_IMPORT_MAX_REMOVED_PERCENT={percent}%" in str(exc)
        assert m.PlanVersion.objects.count() == 1
    else:
        assert percent == 50 and result.version.is_current


@pytest.mark.django_db(transaction=True)
def test_versions_lists_states_and_activate_goes_back(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    path = tmp_path / "revised.txt"
    path.write_text(revised(), encoding="utf-8")
    before = published()
    assert "staged; `actionplan activate 2` makes it current" in _output_of_import(path, "--stage")
    staged = published()
    assert len(staged.pop("versions")) == 2
    assert staged == {k: v for k, v in before.items() if k != "versions"}
    client = Client()
    # A staged version is not public.
    assert client.get("/api/v1/plan-versions").json()["count"] == 1
    assert client.get("/api/v1/plan-versions/2").status_code == 404
    listing = _output_of("versions")
    assert "1\t2025年11月改訂版\tcurrent\t6 themes, 165 actions" in listing
    assert f"2\t{REVISED_LABEL}\tstaged\t6 themes, 165 actions" in listing
    assert f"version 2 ({REVISED_LABEL}) is now current" in _output_of("activate", "2")
    assert "1\t2025年11月改訂版\tsuperseded" in _output_of("versions")
    assert client.get("/api/v1/plan-versions").json()["count"] == 2
    # The way back after a mistake.
    assert "version 1 (2025年11月改訂版) is now current" in _output_of("activate", "1")
    after = published()
    assert after["current"] == before["current"]
    assert after["search"] == before["search"]
    with pytest.raises(CommandError, match="no plan version 7"):
        call_command("activate", "7")


def _output_of(*command: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*command, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_failing_index_build_refuses_the_activation(plan_version: m.PlanVersion) -> None:
    """A receiver of version_staged that fails (as the tokenizer did on a huge text) refuses
    the version; the earlier one stays current."""
    from actionplan.plans.signals import version_staged

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the tokenizer refused the text")

    import_plan_document(revised().encode(), source_name="revised.txt", activate=False)
    staged = m.PlanVersion.objects.get(number=2)
    before = published()
    version_staged.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(EditionRefused, match="the tokenizer refused the text"):
            activate_version(staged)
    finally:
        version_staged.disconnect(dispatch_uid="test-broken")
    assert published() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_file_make_one_version(reference: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with its own lock (transaction_mode IMMEDIATE)")
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(import_plan_file(BUNDLED).summary())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.split(" ")[0] for r in results) == ["imported", "unchanged:"]
    assert m.PlanVersion.objects.count() == 1
    assert m.PlanVersion.objects.get().is_current


def crafted_revision() -> tuple[str, dict[str, str]]:
    """The bundled plan revised the way a bureau would: an item moved to the next year, one
    reworded, one added, one removed, an agreement added, and the year labels written in
    other brackets. Returns the text and the words of each change."""
    import copy

    doc = read_plan_document(BUNDLED.read_bytes())
    doc.edition = REVISED_LABEL
    doc.published_year, doc.published_month = 2026, 5
    theme = doc.themes[1]

    def plain(period: int, actor: str) -> list[Any]:
        return [
            a
            for a in theme.actions
            if a.period_position == period
            and a.actor == actor
            and a.parent is None
            and not any(
                c.parent == a.position and c.period_position == period and c.actor == actor
                for c in theme.actions
            )
        ]

    moved = plain(1, "union")[0]
    target = [a for a in theme.actions if a.period_position == 2 and a.actor == "union"]
    moved.period_position, moved.group = 2, target[-1].group
    moved.position = max(a.position for a in target) + 1
    reworded = plain(1, "members")[0]
    old_words = reworded.text
    reworded.text = old_words + "と普及啓発"
    removed = plain(2, "members")[-1]
    theme.actions.remove(removed)
    added = copy.copy(plain(3, "union")[-1])
    added.text, added.position = "水素社会の実装に向けた新たな実証事業", 99
    theme.actions.append(added)
    agreement = copy.deepcopy(doc.partnerships[-1])
    agreement.title = "大阪府と株式会社サンプルとの包括連携協定"
    agreement.position = len(doc.partnerships) + 1
    doc.partnerships.append(agreement)
    text = render_document(doc)
    lines = [
        line.replace("〈", "（").replace("〉", "）") if line.startswith("年度\t") else line
        for line in text.split("\n")
    ]
    return "\n".join(lines), {
        "theme": theme.name,
        "moved": moved.text,
        "old": old_words,
        "reworded": reworded.text,
        "removed": removed.text,
        "added": added.text,
        "agreement": agreement.title,
    }


@pytest.mark.django_db
def test_a_crafted_revision_is_imported_and_compared_exactly(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    text, words = crafted_revision()
    assert "年度\t2024 （万博前）" in text
    path = tmp_path / "revised.txt"
    path.write_text(text, encoding="utf-8")
    assert "now current" in _output_of_import(path)
    new = m.PlanVersion.objects.get(is_current=True)
    assert [p.label_ja for p in new.periods.all()] == ["万博前", "現状・万博開催", "万博後"]
    out = _output_of("plan_diff", "1", "2", "--json")
    changes = {(c["kind"], c["record"]): c for c in json.loads(out)}
    assert sorted(changes) == [
        ("added", "action"),
        ("added", "partnership"),
        ("changed", "action"),
        ("moved", "action"),
        ("removed", "action"),
    ]
    moved = changes[("moved", "action")]
    old_action = plan_version.actions.get(text_ja=words["moved"])
    assert moved["key"] == old_action.key
    code = old_action.theme.code
    assert (moved["old_cell"], moved["new_cell"]) == (f"{code}/2024/union", f"{code}/2025/union")
    assert new.actions.get(key=old_action.key).period.fiscal_year_start == 2025
    changed = changes[("changed", "action")]
    assert (changed["old_text"], changed["new_text"]) == (words["old"], words["reworded"])
    assert changes[("removed", "action")]["old_text"] == words["removed"]
    assert changes[("added", "action")]["new_text"] == words["added"]
    assert changes[("added", "partnership")]["new_text"] == words["agreement"]


@pytest.mark.django_db
def test_import_bundled_imports_the_plan_shipped_with_the_package(reference: None) -> None:
    assert "imported version 1 (2025年11月改訂版, utf-8, now current)" in _output_of(
        "import", "--bundled"
    )
    assert "unchanged" in _output_of("import", "--bundled")
    with pytest.raises(CommandError, match="give either a PATH or --bundled"):
        call_command("import")


def test_a_new_edition_keeps_the_source_pages_staff_entered(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    first = m.Partnership.objects.filter(version=plan_version).order_by("position")[0]
    # Entered in the admin: the plan names the source page but gives no address.
    m.Partnership.objects.filter(pk=first.pk).update(source_url="https://example.org/kyotei")
    path = tmp_path / "revised.txt"
    path.write_text(revised(), encoding="utf-8")
    assert run_import(path) == ""
    current = m.PlanVersion.objects.get(is_current=True)
    assert current.pk != plan_version.pk
    again = m.Partnership.objects.get(version=current, key=first.key)
    assert again.source_url == "https://example.org/kyotei"
    others = m.Partnership.objects.filter(version=current).exclude(key=first.key)
    assert set(others.values_list("source_url", flat=True)) == {""}


def crafted_moved_and_details() -> tuple[str, dict[str, Any]]:
    """The bundled plan revised with an item moved to another year AND reworded, a
    development's figure updated (value and year), a development re-dated (its words carry the
    date), and an agreement's date and second content item changed."""
    import copy

    doc = read_plan_document(BUNDLED.read_bytes())
    doc.edition = REVISED_LABEL
    doc.published_year, doc.published_month = 2026, 5
    theme = doc.themes[2]
    leaves = [
        a
        for a in theme.actions
        if a.period_position == 1
        and a.actor == "members"
        and a.parent is None
        and not any(c.parent == a.position and c.period_position == 1 for c in theme.actions)
    ]
    moved = leaves[0]
    old_words = moved.text
    target = [a for a in theme.actions if a.period_position == 3 and a.actor == "members"]
    moved.period_position, moved.group = 3, target[-1].group if target else moved.group
    moved.position = max((a.position for a in target), default=0) + 1
    moved.text = old_words + "と普及啓発"
    figure = next(ms for t in doc.themes for ms in t.milestones if ms.figure)
    assert figure.figure is not None
    old_figure = copy.copy(figure.figure)
    figure.figure.value, figure.figure.as_of_year = figure.figure.value + 19, 2025
    dated = next(ms for t in doc.themes for ms in t.milestones if ms.month == 6)
    old_dated = dated.text
    dated.text = dated.text.replace("6月", "7月", 1)
    dated.month = 7
    agreement = doc.partnerships[0]
    old_day, old_item = agreement.day, agreement.items[1][1]
    agreement.day = (agreement.day or 1) + 1
    agreement.items[1] = (2, old_item + "の推進")
    return render_document(doc), {
        "theme": theme.name,
        "old": old_words,
        "moved": moved.text,
        "figure_text": figure.text,
        "figure": old_figure,
        "dated_old": old_dated,
        "dated_new": dated.text,
        "agreement": agreement.title,
        "old_day": old_day,
        "old_item": old_item,
    }


@pytest.mark.django_db
def test_a_moved_and_reworded_item_keeps_its_identity_and_details_are_compared(
    plan_version: m.PlanVersion, tmp_path: Path
) -> None:
    text, words = crafted_moved_and_details()
    path = tmp_path / "revised.txt"
    path.write_text(text, encoding="utf-8")
    assert "now current" in _output_of_import(path)
    new = m.PlanVersion.objects.get(is_current=True)
    changes = json.loads(_output_of("plan_diff", "1", "2", "--json"))
    assert sorted((c["kind"], c["record"]) for c in changes) == [
        ("changed", "milestone"),
        ("changed", "milestone"),
        ("changed", "partnership"),
        ("moved", "action"),
    ]
    moved = next(c for c in changes if c["kind"] == "moved")
    old_action = plan_version.actions.get(text_ja=words["old"])
    code = old_action.theme.code
    assert moved["key"] == old_action.key
    assert moved["reworded"] is True
    assert (moved["old_text"], moved["new_text"]) == (words["old"], words["moved"])
    assert (moved["old_cell"], moved["new_cell"]) == (
        f"{code}/2024/members",
        f"{code}/2026/members",
    )
    # The stable identity is kept: what is attached to the action follows it.
    new_action = new.actions.get(key=old_action.key)
    assert new_action.text_ja == words["moved"]
    assert sorted(editions_of_action(new_action).values_list("pk", flat=True)) == sorted(
        [old_action.pk, new_action.pk]
    )
    figure = next(c for c in changes if c["new_text"] == words["figure_text"])
    old_figure = words["figure"]
    assert figure["reworded"] is False
    assert figure["details"] == [
        {
            "field": "figure_value",
            "old": str(old_figure.value),
            "new": str(old_figure.value + 19),
        },
        {"field": "figure_year", "old": str(old_figure.as_of_year), "new": "2025"},
    ]
    dated = next(c for c in changes if c["new_text"] == words["dated_new"])
    assert dated["reworded"] is True and dated["old_text"] == words["dated_old"]
    assert [d["field"] for d in dated["details"]] == ["date"]
    assert dated["details"][0]["new"].endswith("-07")
    agreement = next(c for c in changes if c["record"] == "partnership")
    assert agreement["reworded"] is False
    assert {d["field"]: (d["old"], d["new"]) for d in agreement["details"]} == {
        "date": (
            f"2023-12-{words['old_day']:02d}",
            f"2023-12-{words['old_day'] + 1:02d}",
        ),
        "item.2": (words["old_item"], words["old_item"] + "の推進"),
    }
    out = _output_of("plan_diff", "1", "2")
    assert f"> action {code}/2024/members → {code}/2026/members: {words['moved']}" in out
    assert f"    figure_value: {old_figure.value} → {old_figure.value + 19}" in out
