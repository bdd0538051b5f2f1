from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from django.utils import timezone

from actionplan.plans.actions import REFERENCE_DIR, import_plan_document, load_reference_data
from actionplan.plans.models import Hub, PlanVersion
from actionplan.plans.tests.documents import BUNDLED
from actionplan.search.actions import rebuild_index
from actionplan.search.models import IndexState, SearchDocument
from actionplan.search.queries import search

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


def test_index_holds_the_current_version_and_the_registry(plan_version: PlanVersion) -> None:
    count = rebuild_index()
    kinds = {
        k: SearchDocument.objects.filter(kind=k).count()
        for k in ("theme", "year_theme", "action", "milestone", "partnership", "hub")
    }
    assert kinds == {
        "theme": 6,
        "year_theme": 18,
        "action": 165,
        "milestone": 23,
        "partnership": 12,
        "hub": Hub.objects.count(),
    }
    assert count == sum(kinds.values())


def test_index_follows_a_reimport(
    plan_version: PlanVersion, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    assert search("ポテンシャルマップ").total == 1
    text = BUNDLED.read_text(encoding="utf-8")
    assert "水素ポテンシャルマップ" in text
    revised = text.replace("水素ポテンシャルマップ", "水素ポテンシャル地図帳").replace(
        "2025年11月改訂版", "2026年5月改訂版"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = import_plan_document(revised.encode("utf-8"), source_name="revised.txt")
    assert result.created and result.version.is_current
    hits = search("地図帳").hits
    assert len(hits) == 1
    assert SearchDocument.objects.get(kind=hits[0].kind, object_id=hits[0].id)
    assert hits[0].id in set(result.version.actions.values_list("pk", flat=True))
    assert search("ポテンシャルマップ").total == 0
    # Only the current version is indexed: no record of the old one is left.
    assert not SearchDocument.objects.filter(
        kind="action", object_id__in=plan_version.actions.values("pk")
    ).exists()


def test_searches_see_a_new_edition_from_the_moment_it_is_current(
    plan_version: PlanVersion, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    """The new version's rows are written before its activation, which switches to them in its
    own transaction: no rebuild needs to run (none does here) for searches to find its words,
    and none of the old version's."""
    assert search("ポテンシャルマップ").total == 1
    revised = (
        BUNDLED.read_text(encoding="utf-8")
        .replace("水素ポテンシャルマップ", "水素ポテンシャル地図帳")
        .replace("2025年11月改訂版", "2026年5月改訂版")
    )
    with django_capture_on_commit_callbacks(execute=False) as later:
        result = import_plan_document(revised.encode("utf-8"), source_name="revised.txt")
    assert result.created and result.version.is_current
    state = IndexState.objects.get()
    assert (state.version_id, state.prepared) == (result.version.pk, None)
    new_actions = set(result.version.actions.values_list("pk", flat=True))
    hits = search("地図帳").hits
    assert [hit.id in new_actions for hit in hits] == [True]
    assert search("ポテンシャルマップ").total == 0
    assert search("水素").total == search("水素").total > 0
    assert all(hit.id in new_actions for hit in search("水素").hits if hit.kind == "action")
    # The rebuild that follows every activation (run now) changes nothing a search sees.
    before = [(h.kind, h.id) for h in search("水素", limit=50).hits]
    assert later
    for callback in later:
        callback()
    assert [(h.kind, h.id) for h in search("水素", limit=50).hits] == before
    assert IndexState.objects.get().version_id == result.version.pk


def test_an_activation_while_a_rebuild_holds_the_index_leaves_it_to_the_rebuild(
    plan_version: PlanVersion, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    """Nothing is prepared while another rebuild writes the other side: the version becomes
    current all the same, the index stays as it was, and the rebuild that follows the
    activation brings the new version in."""
    IndexState.objects.update(rebuilding_since=timezone.now())
    revised = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    with django_capture_on_commit_callbacks(execute=False) as later:
        result = import_plan_document(revised.encode("utf-8"), source_name="revised.txt")
    assert result.version.is_current
    state = IndexState.objects.get()
    assert (state.version_id, state.prepared) == (plan_version.pk, None)
    IndexState.objects.update(rebuilding_since=None)
    for callback in later:
        callback()
    new_actions = set(result.version.actions.values_list("pk", flat=True))
    assert IndexState.objects.get().version_id == result.version.pk
    assert all(h.id in new_actions for h in search("水素").hits if h.kind == "action")


def test_script_in_a_record_is_escaped_in_the_snippet(
    reference: None, tmp_path: Path, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    shutil.copy(REFERENCE_DIR / "member-governments.csv", tmp_path / "member-governments.csv")
    hubs = (REFERENCE_DIR / "hubs.csv").read_text(encoding="utf-8-sig").splitlines()
    header = hubs[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        name_ja="水素<script>alert(1)</script>ステーション",
        name_en="Station",
        lat="34.7",
        lon="135.5",
    )
    hubs.append(",".join(f'"{row[c]}"' for c in header))
    (tmp_path / "hubs.csv").write_text("\n".join(hubs) + "\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        load_reference_data(tmp_path)
    hit = next(h for h in search("ステーション").hits if h.kind == "hub")
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>ステーション</mark>" in hit.snippet_html


def test_a_changed_hub_is_reindexed_after_commit(
    reference: None, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    rebuild_index()
    hub = Hub.objects.first()
    assert hub is not None
    hub.name_en = "Quokka Research Campus"
    with django_capture_on_commit_callbacks(execute=True):
        hub.save()
    assert [h.id for h in search("quokka").hits] == [hub.pk]
    with django_capture_on_commit_callbacks(execute=True):
        hub.delete()
    assert search("quokka").total == 0
