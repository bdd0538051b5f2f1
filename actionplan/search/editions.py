"""The search index's part in publishing a plan version: every record of the version must
tokenize, or the version is refused and the index stays as it is; before the version becomes
current its rows are written to the side of the index searches do not read, and the activation's
transaction switches to that side, so that searches see the new version from its first moment."""

from __future__ import annotations

from typing import Any

from actionplan.plans import models as plans

from .actions import prepare_index, source_terms, sources, switch_to_prepared


def check_staged_version(
    sender: type[plans.PlanVersion], version: plans.PlanVersion, **kwargs: Any
) -> None:
    # Tokenized in memory only (no index rows, inside the staging transaction): the rows are
    # written before the activation (prepare_version), from the same texts, which the
    # tokenizer's cache then already holds.
    for source in sources(version):
        source_terms(source)


def prepare_version(
    sender: type[plans.PlanVersion], version: plans.PlanVersion, **kwargs: Any
) -> None:
    # The version's rows on the side searches do not read, before it becomes current.
    prepare_index(version)


def activate_version(
    sender: type[plans.PlanVersion], version: plans.PlanVersion, **kwargs: Any
) -> None:
    # In the activation's transaction: searches read the prepared side from its commit on.
    # The rebuild that every activation starts (signals.on_version_saved) follows, for any
    # record changed meanwhile, or builds the index if nothing was prepared.
    switch_to_prepared(version)
