from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from actionplan.plans.models import PlanVersion


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_search_prints_hits_one_per_line(plan_version: PlanVersion) -> None:
    lines = run("search", "蓄電池", "--limit", "2").splitlines()
    assert len(lines) == 3
    kind, record_id, theme, year, actor, title, snippet = lines[0].split("\t")
    assert kind in {"action", "partnership", "milestone", "theme"} and int(record_id) > 0
    assert theme == "carbon_neutral" and "蓄電池" in snippet
    assert lines[-1].endswith("records match; 2 shown")


def test_search_json_has_every_hit_field(plan_version: PlanVersion) -> None:
    data = json.loads(run("search", "hydrogen", "--json", "--limit", "5"))
    assert data["total"] == 11 and len(data["hits"]) == 5
    for hit in data["hits"]:
        assert "水素" in hit["text"] + hit["title"]
        assert {"kind", "id", "theme_code", "fiscal_year", "actor", "snippet_html"} <= set(hit)


def test_search_refuses_a_bad_limit(plan_version: PlanVersion) -> None:
    with pytest.raises(CommandError, match="--limit"):
        run("search", "水素", "--limit", "0")


def test_reindex_reports_what_it_indexed(plan_version: PlanVersion) -> None:
    assert run("reindex") == "indexed 235 records\n"
