"""An index rebuild no longer holds SQLite's write lock for its whole duration: it writes in
batches of short transactions, and a public form post sent during it is stored at once.

On a SQLite file of its own, with the real server's settings (a 20 s busy timeout, WAL), the
index of the bundled plan written 20 times over (4,000+ documents) by ``rebuild_lock.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actionplan.faults.tests import live
from actionplan.search.actions import REBUILD_BATCH

pytestmark = [pytest.mark.slow, live.own_databases]


def test_a_form_post_during_a_rebuild_waits_for_one_batch_not_for_the_whole_rebuild() -> None:
    script = (Path(__file__).parent / "rebuild_lock.py").read_text(encoding="utf-8")
    with live.sqlite_site() as (site, _folder):
        out = site.command("shell", "-c", script, timeout=600)
    # The figures, whatever another thread of the site wrote after them on the line.
    decoder = json.JSONDecoder()
    runs = [
        decoder.raw_decode(line[8:])[0] for line in out.splitlines() if line.startswith("REBUILD ")
    ]
    whole, batched = runs
    print(f"one transaction: {whole}\nbatches of {REBUILD_BATCH}: {batched}")
    assert whole["documents"] == batched["documents"] > 4000
    assert batched["batch"] == REBUILD_BATCH
    # Before: the form post waited for the whole write; now for one batch at most.
    assert whole["post_wait_seconds"] > 0.8 * whole["longest_write_seconds"]
    assert whole["longest_write_seconds"] > 3 * batched["longest_write_seconds"]
    assert batched["post_status"] == 302 and batched["proposal_stored"]
    assert batched["post_answered_before_the_rebuild_ended"]
    assert batched["post_wait_seconds"] < whole["longest_write_seconds"]
