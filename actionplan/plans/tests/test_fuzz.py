"""Damaged copies of a revised edition, seeded: each is either refused with nothing changed, or
accepted with a comparison that explains every difference from the current version.

The copies are checked with ``dry_run`` (the full staging, verification and comparison, then a
rollback), so that each is compared with the same current version. Every copy is read; the
database path runs once per distinct content (many copies differ from another only in a blank
line, an encoding or line endings), which keeps the test to well under a minute.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest
from django.apps import apps

from actionplan.plans import models as m
from actionplan.plans.actions import import_plan_document
from actionplan.plans.importer.document import PlanDocument, PlanFormatError, read_plan_document
from actionplan.plans.queries import VersionDiff
from actionplan.plans.verification import EditionRefused

from .documents import BUNDLED

SEED = 20251101
COPIES_PER_KIND = 34  # six kinds: 204 copies


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in apps.get_app_config("plans").get_models()
    }


def cut(text: str, rng: random.Random) -> bytes:
    lines = text.split("\n")
    return "\n".join(lines[: rng.randrange(1, len(lines))]).encode()


def flip_bytes(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 3)):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def delete_line(text: str, rng: random.Random) -> bytes:
    lines = text.split("\n")
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines).encode()


def duplicate_line(text: str, rng: random.Random) -> bytes:
    lines = text.split("\n")
    n = rng.randrange(len(lines))
    lines.insert(n, lines[n])
    return "\n".join(lines).encode()


def reencode(text: str, rng: random.Random) -> bytes:
    choice = rng.choice(["utf-16", "utf-8-sig", "cp932", "mojibake", "crlf"])
    if choice == "cp932":
        return text.encode("cp932", errors="replace")
    if choice == "mojibake":
        # UTF-8 read as Latin-1 and saved again: the Japanese is gone.
        return text.encode().decode("latin-1").encode()
    if choice == "crlf":
        return text.replace("\n", "\r\n").encode("utf-16")
    return text.encode(choice)


def swap_lines(text: str, rng: random.Random) -> bytes:
    lines = text.split("\n")
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines).encode()


MUTATIONS: list[Callable[[str, random.Random], bytes]] = [
    cut,
    flip_bytes,
    delete_line,
    duplicate_line,
    reencode,
    swap_lines,
]


def texts(version: m.PlanVersion) -> dict[str, Counter[str]]:
    return {
        "action": Counter(version.actions.values_list("text_ja", flat=True)),
        "milestone": Counter(version.milestones.values_list("text_ja", flat=True)),
        "partnership": Counter(version.partnerships.values_list("title_ja", flat=True)),
        "year_theme": Counter(version.year_themes.values_list("text_ja", flat=True)),
        "theme": Counter(version.themes.values_list("desired_state_ja", flat=True)),
    }


def document_texts(doc: PlanDocument) -> dict[str, Counter[str]]:
    return {
        "action": Counter(a.text for t in doc.themes for a in t.actions),
        "milestone": Counter(ms.text for t in doc.themes for ms in t.milestones),
        "partnership": Counter(p.title for p in doc.partnerships),
        "year_theme": Counter(y.text for t in doc.themes for y in t.year_themes),
        "theme": Counter(t.desired_state for t in doc.themes),
    }


def unexplained(old: dict[str, Counter[str]], doc: PlanDocument, diff: VersionDiff) -> list[str]:
    """Texts that differ between the versions without a change of the comparison naming them."""
    new = document_texts(doc)
    missing = []
    for record, before in old.items():
        after = new[record]
        gone = before - after
        came = after - before
        named_old = Counter(c.old_text for c in diff.changes if c.record == record and c.old_text)
        named_new = Counter(c.new_text for c in diff.changes if c.record == record and c.new_text)
        missing += [f"{record} gone: {t}" for t in gone - named_old]
        missing += [f"{record} new: {t}" for t in came - named_new]
    return missing


def content_of(doc: PlanDocument) -> str:
    """What the importer makes of a document, apart from where each record stood (its line)
    and the checksums of the bytes: two copies with the same content are staged, verified and
    compared alike, so the database path runs once for them."""

    def without_lines(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_lines(v) for k, v in value.items() if k != "line"}
        if isinstance(value, list | tuple):
            return [without_lines(v) for v in value]
        return value

    fields = asdict(doc)
    for name in ("checksum", "legacy_checksum", "line_count"):
        fields.pop(name)
    return repr(without_lines(fields))


@pytest.mark.django_db
def test_damaged_copies_are_refused_or_fully_explained(
    plan_version: m.PlanVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    base = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    rng = random.Random(SEED)  # noqa: S311 - a reproducible test, not a secret
    old = texts(plan_version)
    before = row_counts()
    stored = set(m.PlanVersion.objects.values_list("checksum", flat=True))
    outcome: Counter[str] = Counter()
    # The verdict for each distinct content (and whether its text is a stored version's).
    verdicts: dict[tuple[str, bool], str] = {}
    for mutation in MUTATIONS:
        for _ in range(COPIES_PER_KIND):
            data = mutation(base, rng)
            try:
                # What the import reads first; a copy the reader refuses never reaches the
                # database (the import would raise the same error before writing anything).
                doc = read_plan_document(data)
            except PlanFormatError:
                outcome["refused by the reader"] += 1
                continue
            key = (content_of(doc), bool({doc.checksum, doc.legacy_checksum} & stored))
            if key not in verdicts:
                verdicts[key] = verdict(data, doc, old, plan_version, mutation.__name__)
                assert row_counts() == before, mutation.__name__
                assert m.PlanVersion.objects.get(is_current=True).pk == plan_version.pk
            outcome[verdicts[key]] += 1
    with capsys.disabled():
        print(
            f"\n{sum(outcome.values())} damaged copies: "
            + ", ".join(f"{n} {what}" for what, n in sorted(outcome.items()))
            + f"; {len(verdicts)} distinct documents staged, verified and compared"
        )
    assert sum(outcome.values()) >= 200
    assert outcome["accepted"] and outcome["refused by the reader"]
    assert outcome["refused by the verification"]


def verdict(
    data: bytes,
    doc: PlanDocument,
    old: dict[str, Counter[str]],
    plan_version: m.PlanVersion,
    mutation: str,
) -> str:
    """Import a copy as a dry run: refused, the current version itself, or accepted with a
    comparison that names every text that differs."""
    try:
        result = import_plan_document(data, source_name="copy.txt", dry_run=True)
    except PlanFormatError:
        return "refused by the reader"
    except EditionRefused:
        return "refused by the verification"
    if not result.dry_run:
        assert result.version.pk == plan_version.pk
        return "the current version itself"
    verification = result.verification
    assert verification is not None and verification.diff is not None
    assert unexplained(old, doc, verification.diff) == [], mutation
    return "accepted"
