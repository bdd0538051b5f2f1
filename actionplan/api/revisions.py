"""What changed between two published editions of the plan, as the revision pages show it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from actionplan.plans import models as m
from actionplan.plans.queries import diff_versions, predecessor

from .errors import ApiError
from .params import PlanVersionNumber

router = Router(tags=["plan"])


class DetailOut(Schema):
    # date, date_label, figure_label, figure_value, figure_unit, figure_year, note, outline,
    # item.N (an agreement's numbered content item)
    field: str
    old: str
    new: str


class ChangeOut(Schema):
    kind: str  # added | removed | changed | moved
    record: str  # action | year_theme | milestone | partnership | theme
    key: str
    theme_code: str
    fiscal_year: int | None
    actor: str
    old_text: str
    new_text: str
    old_cell: str
    new_cell: str
    reworded: bool  # the words differ (changed or moved); false when only details differ
    details: list[DetailOut]


class ComparisonOut(Schema):
    old_plan_version: int
    new_plan_version: int
    old_edition: str
    new_edition: str
    counts: dict[str, int]
    changes: list[ChangeOut]


@router.get(
    "/plan-versions/{number}/changes",
    response=ComparisonOut,
    summary="What changed from the previous edition to plan version N",
)
def plan_version_changes(request: HttpRequest, number: PlanVersionNumber) -> Any:
    version = m.PlanVersion.objects.published().filter(number=number).first()
    if version is None:
        raise ApiError(404, "not_found", f"no plan version {number}", "plan_version")
    previous = predecessor(version)
    if previous is None:
        raise ApiError(404, "not_found", f"plan version {number} is the first one", "plan_version")
    diff = diff_versions(previous, version)
    return {
        "old_plan_version": previous.number,
        "new_plan_version": version.number,
        "old_edition": previous.edition_ja,
        "new_edition": version.edition_ja,
        "counts": {k: diff.count(k) for k in ("added", "removed", "changed", "moved")},
        "changes": [asdict(c) for c in diff.changes],
    }
