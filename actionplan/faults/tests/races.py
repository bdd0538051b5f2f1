"""Races between concurrent writers, run inside ``actionplan shell`` against a prepared site.

Each race starts its writers together (a barrier) in threads with database connections of their
own, so on PostgreSQL they overlap for real; on SQLite the writers queue for the write lock.
Every outcome is one of: ``ok``, ``conflict`` (the documented conflict answer: a ConflictError,
or an exception ``classify`` answers with 409), ``refused: …`` (a domain error), or ``error: …``
(what would have been a 500). ``main`` prints the outcomes and the rows stored, as JSON.
"""

from __future__ import annotations

import datetime
import io
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from openpyxl import load_workbook

from actionplan.api.actions import create_api_token
from actionplan.api.models import ApiToken
from actionplan.faults.classify import Fault, classify
from actionplan.partnerships import actions as desk
from actionplan.partnerships.models import Proposal
from actionplan.plans.models import Action, MemberGovernment, Organization
from actionplan.progress import actions as progress
from actionplan.progress import excel
from actionplan.progress.models import IndicatorValue, ProgressReport, ReportingCycle

WRITERS = 8
YEAR = 2025


def race(writers: int, write: Callable[[int], object]) -> list[str]:
    barrier = threading.Barrier(writers)
    outcomes: list[str] = [""] * writers

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            write(index)
            outcomes[index] = "ok"
        except progress.ConflictError:
            outcomes[index] = "conflict"
        except (progress.ProgressError, desk.ProposalError) as exc:
            outcomes[index] = f"refused: {exc}"
        except Exception as exc:
            fault = classify(exc)
            kind = "conflict" if fault is Fault.CONFLICT else "error"
            outcomes[index] = kind if kind == "conflict" else f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _staff() -> User:
    return User.objects.get(username="staff")


def report_race(action_id: int) -> dict[str, Any]:
    staff, action = _staff(), Action.objects.get(pk=action_id)

    def write(i: int) -> None:
        data = progress.ReportInput("in_progress", 10 + i, f"writer {i}", "", [])
        progress.save_report(staff, action, YEAR, None, data, 0)

    outcomes = race(WRITERS, write)
    stored = [r.narrative_ja for r in ProgressReport.objects.filter(action=action)]
    return {"outcomes": outcomes, "stored": stored}


def workbook_race(action_id: int) -> dict[str, Any]:
    staff = _staff()
    book = load_workbook(io.BytesIO(excel.build_workbook(YEAR, None)))
    sheet = book[excel.SHEET_NAME]
    row = next(
        r
        for r in range(excel.FIRST_ROW, sheet.max_row + 1)
        if sheet.cell(row=r, column=excel.COL_ID).value == action_id
    )
    label = next(k for k, v in excel.status_labels().items() if v == "in_progress")
    sheet.cell(row=row, column=excel.COL_STATUS).value = label
    sheet.cell(row=row, column=excel.COL_PERCENT).value = 40
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()

    def write(i: int) -> None:
        result = excel.apply_workbook(staff, content)
        if result.errors:
            raise progress.ProgressError("; ".join(str(e) for e in result.errors))

    outcomes = race(2, write)
    stored = [r.percent for r in ProgressReport.objects.filter(action_id=action_id)]
    return {"outcomes": outcomes, "stored": stored}


def receipt_race() -> dict[str, Any]:
    osaka = list(MemberGovernment.objects.filter(lg_code="270008"))

    def write(i: int) -> None:
        desk.submit_proposal(
            desk.ProposalInput(
                organization_name=f"株式会社並行{i}",
                organization_kind="company",
                contact_name="並行太郎",
                email=f"race{i}@example.jp",
                title=f"並行提案{i}",
                summary="同時に送られた提案です。",
                theme_codes=["carbon_neutral"],
                member_governments=osaka,
                consent=True,
            )
        )

    outcomes = race(WRITERS, write)
    numbers = list(Proposal.objects.values_list("receipt_number", flat=True))
    return {"outcomes": outcomes, "stored": numbers}


def organization_race() -> dict[str, Any]:
    staff = _staff()
    # The same partner written in two ways: one row by its normalised name.
    names = ["株式会社並行エネルギー", "並行エネルギー"]

    def write(i: int) -> None:
        desk.get_or_create_organization(staff, name_ja=names[i % 2], kind="company")

    outcomes = race(WRITERS, write)
    stored = list(
        Organization.objects.filter(name_ja__in=names).values_list("normalized_name", flat=True)
    )
    return {"outcomes": outcomes, "stored": stored}


def cycle_race() -> dict[str, Any]:
    staff = _staff()

    def write(i: int) -> None:
        progress.open_cycle(staff, 2027, datetime.date(2028, 6, 1) + datetime.timedelta(days=i))

    outcomes = race(WRITERS, write)
    stored = [str(c.deadline) for c in ReportingCycle.objects.filter(fiscal_year=2027)]
    return {"outcomes": outcomes, "stored": stored}


def indicator_race() -> dict[str, Any]:
    staff = _staff()
    theme = Action.objects.filter(version__is_current=True).first().theme  # type: ignore[union-attr]
    indicator = progress.create_indicator(staff, "並行指標", unit="件", theme=theme)

    def write(i: int) -> None:
        progress.record_indicator_value(staff, indicator, 2026, Decimal(i), note=f"writer {i}")

    outcomes = race(WRITERS, write)
    stored = [str(v.value) for v in IndicatorValue.objects.filter(indicator=indicator)]
    return {"outcomes": outcomes, "stored": stored}


def assignment_race() -> dict[str, Any]:
    """Bureau staff saving who carries one `members` action at once, with different choices:
    the stored assignments are exactly one writer's choice, never a duplicate or a mixture."""
    staff = _staff()
    action = Action.objects.filter(version__is_current=True, actor="members").first()
    assert action is not None
    action.assignments.all().delete()
    governments = list(MemberGovernment.objects.order_by("lg_code")[:3])
    choices = [governments[: 1 + i % 3] for i in range(WRITERS)]

    def write(i: int) -> None:
        progress.assign_action(staff, action, choices[i])

    outcomes = race(WRITERS, write)
    stored = sorted(action.assignments.values_list("member_government__lg_code", flat=True))
    wanted = [sorted(g.lg_code for g in choice) for choice in choices]
    return {"outcomes": outcomes, "stored": stored, "one_choice": stored in wanted}


def token_race() -> dict[str, Any]:
    staff = _staff()

    def write(i: int) -> None:
        create_api_token(staff, staff, f"parallel {i}")

    outcomes = race(WRITERS, write)
    stored = list(
        ApiToken.objects.filter(name__startswith="parallel ").values_list("prefix", flat=True)
    )
    return {"outcomes": outcomes, "stored": stored}


def main(report_action: int, workbook_action: int) -> None:
    results = {
        "report": report_race(report_action),
        "workbook": workbook_race(workbook_action),
        "receipt": receipt_race(),
        "organization": organization_race(),
        "cycle": cycle_race(),
        "indicator": indicator_race(),
        "token": token_race(),
        "assignment": assignment_race(),
    }
    print("RACES " + json.dumps(results, ensure_ascii=False))
