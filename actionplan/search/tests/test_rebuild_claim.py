"""One index rebuild at a time: a rebuild holds a claim on the index state, renews it with every
batch, and a claim left by a rebuild that died (a killed import) is taken over after a minute,
not kept for ever."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from actionplan.plans.models import PlanVersion
from actionplan.search import actions
from actionplan.search.models import IndexState


def _claimed_at(when: datetime.datetime) -> None:
    state = IndexState.objects.first() or IndexState.objects.create()
    IndexState.objects.filter(pk=state.pk).update(rebuilding_since=when)


def test_a_claim_left_by_a_rebuild_that_died_is_taken_over(plan_version: PlanVersion) -> None:
    # Not renewed for just over a minute: the import that started it was killed.
    _claimed_at(timezone.now() - datetime.timedelta(seconds=61))
    with mock.patch("actionplan.search.actions.time.sleep") as sleep:
        assert actions.rebuild_index() > 0
    waits = [c for c in sleep.call_args_list if c.args == (0.5,)]
    assert not waits  # it did not wait for the dead claim
    assert IndexState.objects.get().rebuilding_since is None  # released when done


def test_a_live_claim_makes_the_next_rebuild_wait(plan_version: PlanVersion) -> None:
    _claimed_at(timezone.now())
    waited: list[Any] = []

    def sleep(seconds: float) -> None:
        if seconds == 0.5:
            waited.append(seconds)
            # The other rebuild finishes: it releases its claim.
            IndexState.objects.update(rebuilding_since=None)

    with mock.patch("actionplan.search.actions.time.sleep", side_effect=sleep):
        assert actions.rebuild_index() > 0
    assert waited == [0.5]


def test_a_rebuild_renews_its_claim_with_every_batch(
    plan_version: PlanVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[datetime.datetime] = []
    write = actions._write_staged

    def watched(*args: Any) -> None:
        when = IndexState.objects.values_list("rebuilding_since", flat=True).get()
        assert when is not None  # claimed while it writes
        seen.append(when)
        write(*args)

    monkeypatch.setattr(actions, "_write_staged", watched)
    before = timezone.now()
    actions.rebuild_index(batch=50)
    assert len(seen) > 3  # several batches
    assert all(when >= before for when in seen)
    assert seen == sorted(seen)  # renewed, never older than the one before
