"""Index rebuilds are jobs of the task queue: a search never rebuilds inside its request."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone
from rq import SimpleWorker

from actionplan.jobs.queue import redis_queue
from actionplan.jobs.tests.conftest import rq_settings
from actionplan.plans.models import PlanVersion
from actionplan.search import actions
from actionplan.search.models import SIDES, IndexState, SearchDocument
from actionplan.search.queries import search

__all__ = ["rq_settings"]  # a fixture these tests use


def test_a_search_after_a_lost_index_starts_one_rebuild_job_instead_of_rebuilding(
    client: Client, plan_version: PlanVersion, rq_settings: Any
) -> None:
    # The plan is stored but its index is lost (as after a crash during a rebuild): the import
    # wrote it before the activation, so it is removed here.
    for side in SIDES:
        actions._remove_side(side)
    IndexState.objects.all().delete()
    assert not SearchDocument.objects.exists()
    first = client.get("/api/v1/search", {"q": "水素"})
    assert first.status_code == 200 and first.json()["total"] == 0
    again = client.get("/api/v1/search", {"q": "人材"})
    assert again.status_code == 200
    # Neither request built the index; one rebuild waits in the queue, not two.
    assert not SearchDocument.objects.exists()
    assert redis_queue().count == 1
    queue = redis_queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert IndexState.objects.get().version_id == plan_version.pk
    assert search("水素").total == 11
    # The answer given while the index was missing is not served again from a cache.
    assert client.get("/api/v1/search", {"q": "水素"}).json()["total"] == 11


def test_a_rebuild_reads_and_tokenizes_before_it_writes_in_batches_of_short_transactions(
    plan_version: PlanVersion, monkeypatch: Any
) -> None:
    depths: dict[str, list[int]] = {"tokenize": [], "write": []}
    tokenize, write = actions.document_from, actions.write_documents

    def tokenize_here(*args: Any) -> Any:
        depths["tokenize"].append(len(connection.atomic_blocks))
        return tokenize(*args)

    def write_here(documents: Any, *args: Any, **kwargs: Any) -> Any:
        depths["write"].append(len(documents))
        return write(documents, *args, **kwargs)

    monkeypatch.setattr(actions, "document_from", tokenize_here)
    monkeypatch.setattr(actions, "write_documents", write_here)
    count = actions.rebuild_index(batch=50)
    assert count == len(depths["tokenize"]) > 150
    # The test itself runs in one transaction: tokenizing adds none.
    assert set(depths["tokenize"]) == {1}
    # One write per batch of at most 50 documents, every document once.
    assert max(depths["write"]) == 50 and sum(depths["write"]) == count
    assert SearchDocument.objects.count() == count
    assert search("水素").total == 11


def test_an_older_rebuild_does_not_overwrite_a_newer_one(
    plan_version: PlanVersion, monkeypatch: Any
) -> None:
    actions.rebuild_index()
    newer = IndexState.objects.get().built_at
    assert newer is not None
    # A rebuild that read the records before the last one wrote them leaves the index alone.
    monkeypatch.setattr(timezone, "now", lambda: newer - datetime.timedelta(days=1))
    before = SearchDocument.objects.count()
    actions.rebuild_index()
    assert IndexState.objects.get().built_at == newer
    assert SearchDocument.objects.count() == before
