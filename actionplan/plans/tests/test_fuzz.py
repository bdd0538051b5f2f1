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
from actionplan.plans.queries import (
    CELL,
    NOT_COMPARED,
    NOT_CONTENT,
    Change,
    VersionDiff,
    detail_name,
)
from actionplan.plans.signals import version_staged
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


# A stored record: its model, its stable key (numbered when a key comes twice, in reading order)
# and every value it holds, relations as the related record's key.
Snapshot = dict[tuple[str, str], dict[str, str]]


def _edition_models() -> list[type[Any]]:
    """Every model whose rows belong to an edition (not their history)."""
    return [
        model
        for model in apps.get_app_config("plans").get_models()
        if not model.__name__.startswith("Historical")
        and (
            model is m.PlanVersion
            or any(f.name in ("version", "partnership") for f in model._meta.concrete_fields)
        )
    ]


def _identity(row: Any) -> str:
    if isinstance(row, m.PartnershipItem):
        return f"{row.partnership.key}.item.{row.number}"
    for name in ("key", "code", "fiscal_year_start"):
        if hasattr(row, name):
            return str(getattr(row, name))
    return "edition"


def snapshot(version: m.PlanVersion) -> Snapshot:
    """Every stored value of an edition, read field by field from the models (not from the
    comparison's list of what it compares)."""
    stored: Snapshot = {}
    seen: set[tuple[str, str]] = set()
    for model in _edition_models():
        if model is m.PlanVersion:
            rows: Any = [version]
        elif model is m.PartnershipItem:
            rows = model.objects.filter(partnership__version=version).order_by("pk")
        else:
            rows = model.objects.filter(version=version).order_by("pk")
        for row in rows:
            key = (model.__name__, _identity(row))
            n = 1
            while key in seen:
                n += 1
                key = (model.__name__, f"{_identity(row)}.{n}")
            seen.add(key)
            values = {}
            for f in (*model._meta.concrete_fields, *model._meta.many_to_many):
                if f.primary_key or f.name == "version":
                    continue
                if f.many_to_many:
                    values[f.name] = "、".join(sorted(str(o) for o in getattr(row, f.name).all()))
                elif f.is_relation:
                    target = getattr(row, f.name)
                    values[f.name] = "" if target is None else _identity(target)
                else:
                    values[f.name] = str(getattr(row, f.name))
            stored[key] = values
    return stored


def unexplained(old: Snapshot, new: Snapshot, diff: VersionDiff) -> list[str]:
    """Stored values that differ between the versions without a change of the comparison
    naming them: a record added or removed, a value in its words or details, a record in
    another cell (moved), or a new order of the records both editions have in one cell. The
    fields not checked are the comparison's `NOT_CONTENT` and `NOT_COMPARED`, each with its
    reason, and English."""
    by_key: dict[str, list[Change]] = {}
    for change in diff.changes:
        by_key.setdefault(change.key, []).append(change)
    models = {model.__name__: model for model in _edition_models()}

    def present_in_one(model_name: str, key: str, kind: str) -> bool:
        if model_name == "PartnershipItem":  # an item of an agreement, or of one added
            agreement, _, number = key.partition(".item.")
            return any(
                c.kind == kind or f"item.{number}" in {d.field for d in c.details}
                for c in by_key.get(agreement, [])
            )
        return any(c.kind == kind for c in by_key.get(key, []))

    missing = [
        f"{model_name} {key} added"
        for model_name, key in new.keys() - old.keys()
        if not present_in_one(model_name, key, "added")
    ]
    missing += [
        f"{model_name} {key} removed"
        for model_name, key in old.keys() - new.keys()
        if not present_in_one(model_name, key, "removed")
    ]
    for (model_name, key), before in old.items():
        model = models[model_name]
        after = new.get((model_name, key))
        if after is None:
            continue
        skipped = NOT_COMPARED.get(model, {})
        for name, value in before.items():
            if value == after[name] or name.endswith("_en") or name == "position":
                continue
            if skipped.get(name) == CELL:
                named = [c for c in by_key.get(key, []) if c.kind == "moved"]
            elif name in skipped or name in NOT_CONTENT:
                continue
            elif model is m.PlanVersion:
                named = [c for c in diff.changes if c.record == detail_name(name)]
            elif model is m.PartnershipItem:
                agreement, _, number = key.partition(".item.")
                named = [
                    c
                    for c in by_key.get(agreement, [])
                    if f"item.{number}" in {d.field for d in c.details}
                ]
            else:
                named = [
                    c
                    for c in by_key.get(key, [])
                    if (c.old_text, c.new_text) == (value, after[name])
                    or detail_name(name) in {d.field for d in c.details}
                ]
            if not named:
                missing.append(f"{model_name} {key} {name}: {value} → {after[name]}")
    missing += _unexplained_order(old, new, by_key, models)
    return missing


def _unexplained_order(
    old: Snapshot, new: Snapshot, by_key: dict[str, list[Change]], models: dict[str, Any]
) -> list[str]:
    """Records both editions have in the same cell, in another order, without a change of
    any of them naming its position."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (model_name, key), after in new.items():
        before = old.get((model_name, key))
        if before is None or "position" not in after:
            continue
        model = models[model_name]
        cell_fields = [
            name
            for name in NOT_COMPARED.get(model, {})
            if not (field := model._meta.get_field(name)).many_to_many
            and (field.is_relation or field.choices)
        ]
        cell = tuple(after[name] for name in cell_fields)
        if cell == tuple(before[name] for name in cell_fields):
            groups.setdefault((model_name, cell), []).append(key)
    missing = []
    for (model_name, cell), keys in groups.items():
        old_order = sorted(keys, key=lambda k: int(old[(model_name, k)]["position"]))
        new_order = sorted(keys, key=lambda k: int(new[(model_name, k)]["position"]))
        if old_order != new_order and not any(
            "position" in {d.field for d in c.details} for k in keys for c in by_key.get(k, [])
        ):
            missing.append(f"{model_name} {cell}: the order of {len(keys)} records")
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
    old = snapshot(plan_version)
    staged: list[Snapshot] = []
    failures: list[BaseException] = []

    def keep(version: m.PlanVersion, **kwargs: Any) -> None:
        # A receiver's error would refuse the copy: kept to fail the test instead.
        try:
            staged.append(snapshot(version))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    before = row_counts()
    stored = set(m.PlanVersion.objects.values_list("checksum", flat=True))
    outcome: Counter[str] = Counter()
    # The verdict for each distinct content (and whether its text is a stored version's).
    verdicts: dict[tuple[str, bool], str] = {}
    version_staged.connect(keep, dispatch_uid="fuzz-snapshot")
    try:
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
                    staged.clear()
                    verdicts[key] = verdict(data, old, staged, plan_version, mutation.__name__)
                    assert failures == []
                    assert row_counts() == before, mutation.__name__
                    assert m.PlanVersion.objects.get(is_current=True).pk == plan_version.pk
                outcome[verdicts[key]] += 1
    finally:
        version_staged.disconnect(dispatch_uid="fuzz-snapshot")
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
    old: Snapshot,
    staged: list[Snapshot],
    plan_version: m.PlanVersion,
    mutation: str,
) -> str:
    """Import a copy as a dry run: refused, the current version itself, or accepted with a
    comparison that names every stored value that differs (`staged`: what the staged version
    held, read while it was staged)."""
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
    assert len(staged) == 1
    assert unexplained(old, staged[0], verification.diff) == [], mutation
    return "accepted"
