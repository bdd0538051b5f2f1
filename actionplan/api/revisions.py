"""What changed between two published editions of the plan, as the revision pages show it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from actionplan.plans import models as m
from actionplan.plans.queries import diff_versions, predecessor

from .errors import ApiError
from .params import PlanVersionNumber

router = Router(tags=["plan"])


class DetailOut(Schema):
    field: str = Field(
        description="The value that differs: a field of the record without its language "
        "(group, parent, note, date, date_label, date_kind, figure_label, figure_value, "
        "figure_unit, figure_year, figure_source, outline, source_name, member_governments, "
        "partners, name, heading, desired_state_note, fiscal_year_end), position (its order "
        "among the records both editions have) or item.N (an agreement's content item N)"
    )
    old: str
    new: str


# Every kind of record the comparison reports (`plans.queries.record_names`; a test checks).
RecordKind = Literal[
    "plan_start_fy",
    "plan_end_fy",
    "period_note",
    "appendix_note",
    "introduction",
    "future_image",
    "target_state",
    "theme",
    "period",
    "year_theme",
    "action",
    "milestone",
    "partnership",
]


class ChangeOut(Schema):
    kind: Literal["added", "removed", "changed", "moved"]
    record: RecordKind
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
