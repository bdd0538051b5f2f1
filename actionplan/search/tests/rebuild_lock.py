"""A full index rebuild on a SQLite file while a visitor posts the public proposal form: how long
the rebuild's longest write transaction lasts, and what the post gets.

Run inside a site of its own (``actionplan shell``) by ``test_rebuild_lock.py``, which prints the
figures (``pytest -s``): the index of the bundled plan is written ``COPIES`` times over (as
documents of made-up records), once as one transaction (how rebuilds wrote it before) and once
in batches; a thread posts the form as soon as the writing has begun. Prints one JSON line per
way of writing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

from django.db import connection
from django.test import Client

from actionplan.partnerships.models import Proposal
from actionplan.plans.models import MemberGovernment
from actionplan.search import actions
from actionplan.search.models import SearchDocument

COPIES = int(os.environ.get("REBUILD_COPIES", "20"))
FIELDS = [f.attname for f in SearchDocument._meta.concrete_fields if f.attname != "id"]


def corpus() -> list[SearchDocument]:
    version = actions._current_version()
    base = [actions.document_from(s) for s in actions.sources(version)]
    documents = []
    for copy in range(COPIES):
        for document in base:
            clone = SearchDocument(**{name: getattr(document, name) for name in FIELDS})
            clone.object_id = document.object_id + copy * 10_000_000
            documents.append(clone)
    return documents


def form() -> dict[str, Any]:
    osaka = MemberGovernment.objects.get(lg_code="270008")
    return {
        "organization_name": "株式会社テスト",
        "organization_kind": "company",
        "contact_name": "試験 太郎",
        "email": "taro@example.com",
        "phone": "",
        "themes": ["carbon_neutral"],
        "title": "索引の再構築中の提案",
        "summary": "再構築中にも受け付けられること",
        "details": "",
        "member_governments": [str(osaka.pk)],
        "consent": "on",
        "website": "",
    }


def measure(batch: int, documents: list[SearchDocument]) -> dict[str, Any]:
    version = actions._current_version()
    began = threading.Event()
    post: dict[str, Any] = {}
    data = form()
    before = Proposal.objects.count()
    write = actions.write_documents

    def writing(*args: Any, **kwargs: Any) -> Any:
        began.set()
        return write(*args, **kwargs)

    def visitor() -> None:
        began.wait()
        time.sleep(0.05)  # inside the first write transaction, or just after it
        sent = time.monotonic()
        try:
            response = Client(HTTP_HOST="localhost").post("/proposals/new/", data)
            post["status"] = response.status_code
        finally:
            post["sent"], post["answered"] = sent, time.monotonic()
            connection.close()

    thread = threading.Thread(target=visitor)
    thread.start()
    actions.write_documents = writing
    start = time.monotonic()
    try:
        actions.replace_index(documents, version.pk if version else None, batch=batch)
    finally:
        actions.write_documents = write
        began.set()
    end = time.monotonic()
    thread.join()
    return {
        "batch": batch,
        "documents": len(documents),
        "rebuild_seconds": round(end - start, 3),
        "longest_write_seconds": round(actions.last_rebuild_longest_write, 3),
        "post_status": post.get("status"),
        "post_wait_seconds": round(post["answered"] - post["sent"], 3),
        "post_answered_before_the_rebuild_ended": post["answered"] < end,
        "proposal_stored": Proposal.objects.count() == before + 1,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    documents = corpus()
    for batch in (len(documents), actions.REBUILD_BATCH):
        for document in documents:
            document.pk = None
        # One write, its newline included: print writes the end apart, and the console mail
        # backend's thread (the proposal's notification) could write between the two.
        sys.stdout.write("REBUILD " + json.dumps(measure(batch, documents)) + "\n")
        sys.stdout.flush()


main()
