"""The catalogue a reader writes a new test set from: every key a set may name, nothing of the
engine's own data."""

from __future__ import annotations

import json

from actionplan.partnerships.catalogue import catalogue
from actionplan.partnerships.evaluate import DEFAULT_SET, _known_keys
from actionplan.partnerships.suggest import NEEDS_FILE
from actionplan.plans.models import PlanVersion


def test_the_catalogue_names_every_key_a_set_may_expect(plan_version: PlanVersion) -> None:
    text = catalogue()
    rows = {line.split(" | ")[0] for line in text.splitlines() if " | " in line}
    known = _known_keys()
    for kind in ("action", "partnership", "hub"):
        assert known[kind] and known[kind] <= rows, kind
    # The keys of the bundled set are among them, and the engine's own data is not there:
    # no phrase of the needs file.
    expected = json.loads(DEFAULT_SET.read_text(encoding="utf-8"))["proposals"][0]["expected"]
    assert set(expected["action"]) <= rows
    needs = json.loads(NEEDS_FILE.read_text(encoding="utf-8"))["actions"]
    phrase = next(iter(needs.values()))["ja"][0]
    assert phrase not in text
