from __future__ import annotations

from pathlib import Path

from actionplan.search.management.commands import reindex, search

README = Path(__file__).resolve().parents[3] / "README.md"


def test_search_commands_and_endpoint_are_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "`actionplan search QUERY [--json] [--limit N]" in readme
    assert "`actionplan reindex`" in readme
    assert "GET /api/v1/search?" in readme
    assert "data/search/glossary.json" in readme and "data/search/relevance.json" in readme
    # Guard against a command losing its help text, which `actionplan --help` shows.
    assert search.Command.help and reindex.Command.help
