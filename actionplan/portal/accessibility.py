"""The results of the last accessibility check, as the browser tests recorded them.

`accessibility.json` beside this module is written by the e2e tests when
`PORTAL_RECORD_ACCESSIBILITY=1` is set (see README, "Public portal"): one entry per run of axe-core
(language × screen width, with the day, the number of pages and of violations) and one per
keyboard check. The accessibility policy page shows exactly what is in the file, so the date and
the results on the page are those of a real test run, never a constant.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.utils import timezone

RESULTS_FILE = Path(__file__).resolve().parent / "accessibility.json"


def load_results(path: Path | None = None) -> dict[str, Any]:
    """The recorded results; an empty record when no run has been recorded yet."""
    path = path or RESULTS_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"axe": {}, "runs": [], "keyboard": []}
    for entry in data.get("runs", []) + data.get("keyboard", []):
        entry["checked_on"] = datetime.date.fromisoformat(entry["checked_on"])
    data.setdefault("runs", [])
    data.setdefault("keyboard", [])
    return data


def record(kind: str, entry: dict[str, Any], path: Path | None = None) -> None:
    """Store one result (`kind` "runs" or "keyboard"), replacing the entry for the same check.

    An entry is identified by its fields other than the day and the outcome, so running the
    tests again updates their lines instead of adding new ones.
    """
    path = path or RESULTS_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {"axe": {}, "runs": [], "keyboard": []}
    outcome = {"checked_on", "pages", "violations", "passed", "rules"}
    identity = {k: v for k, v in entry.items() if k not in outcome}
    kept = [
        old
        for old in data.get(kind, [])
        if {k: v for k, v in old.items() if k not in outcome} != identity
    ]
    entry = {**entry, "checked_on": timezone.localdate().isoformat()}
    data[kind] = sorted([*kept, entry], key=lambda e: json.dumps(e, sort_keys=True))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def record_axe(tool: dict[str, Any], path: Path | None = None) -> None:
    """The axe-core version, rule tags and browser of the recorded runs."""
    path = path or RESULTS_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {"runs": [], "keyboard": []}
    data["axe"] = tool
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
