"""The search index's part in verifying a plan version before it becomes current: every record
of the version must tokenize, or the version is refused and the index stays as it is."""

from __future__ import annotations

from typing import Any

from actionplan.plans import models as plans

from .actions import source_terms, sources


def check_staged_version(
    sender: type[plans.PlanVersion], version: plans.PlanVersion, **kwargs: Any
) -> None:
    # Tokenized in memory only (no index rows): the stored index is rebuilt once the version
    # is activated, from the same texts, which the tokenizer's cache then already holds.
    for source in sources(version):
        source_terms(source)
