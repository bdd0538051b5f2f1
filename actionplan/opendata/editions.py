"""The open data's part in verifying a plan version before it becomes current: its files must
build, or the version is refused and the published files stay as they are."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from actionplan.plans import models as m

from .export import all_records, export_open_data


def check_staged_version(
    sender: type[m.PlanVersion], version: m.PlanVersion, **kwargs: Any
) -> None:
    # Built in a private directory that is thrown away: publication happens on demand once
    # the version is current (see publish.py).
    with tempfile.TemporaryDirectory(prefix="actionplan-verify-") as directory:
        records = all_records(version)
        export_open_data(Path(directory) / "csv", "csv", version, records)
        export_open_data(Path(directory) / "json", "json", version, records)
