"""Bulk work: submit a body's complete drafts at once, accept several reports after a preview,
and assign governments to many actions in one matrix."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from actionplan.conftest import client_for
from actionplan.plans.models import Action, ActionAssignment, Actor, PlanVersion
from actionplan.progress import actions, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, ReviewState, Status
from actionplan.progress.queries import actions_for_year

from .conftest import YEAR, kyoto, osaka
from .test_excel import download, to_bytes


def three_osaka_actions(plan_version: PlanVersion, staff: User) -> list[Action]:
    chosen = list(
        actions_for_year(plan_version, YEAR).filter(actor=Actor.MEMBERS, parent__isnull=True)[:3]
    )
    for action in chosen:
        actions.assign_action(staff, action, [osaka()])
    return chosen


def test_editor_submits_every_complete_draft_after_applying_a_workbook(
    cycle: ReportingCycle, plan_version: PlanVersion, osaka_editor: User, bureau_staff: User
) -> None:
    three_osaka_actions(plan_version, bureau_staff)
    wb = download()
    ws = wb[excel.SHEET_NAME]
    for offset, narrative in enumerate(["実施した", "継続中", None]):
        row = excel.FIRST_ROW + offset
        ws.cell(row=row, column=excel.COL_STATUS).value = "実施中"
        ws.cell(row=row, column=excel.COL_PERCENT).value = 50
        ws.cell(row=row, column=excel.COL_NARRATIVE_JA).value = narrative
    editor = client_for(osaka_editor)
    upload = editor.post(
        "/progress/upload/", {"workbook": SimpleUploadedFile("w.xlsx", to_bytes(wb))}
    )
    applied = editor.post(upload["Location"] + "apply/", follow=True)
    page = applied.content.decode()
    assert "まとめて提出" in page
    assert "提出できる下書きが 2 件あります" in page
    assert "取組内容が空の下書き 1 件は提出されません" in page
    values = re.findall(r'name="report" value="(\d+:\d+)"', page)
    assert len(values) == 2
    done = editor.post(
        f"/progress/{YEAR}/270008/submit/", {"report": values}, follow=True
    ).content.decode()
    assert "2 件の報告を提出しました" in done
    states = sorted(ProgressReport.objects.values_list("state", "narrative_ja"))
    assert states == [
        (ReviewState.DRAFT, ""),
        (ReviewState.SUBMITTED, "実施した"),
        (ReviewState.SUBMITTED, "継続中"),
    ]
    for report in ProgressReport.objects.filter(state=ReviewState.SUBMITTED):
        assert report.history.latest("history_date").history_user == osaka_editor


def test_bulk_submit_is_all_or_nothing_and_refuses_another_body(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    osaka_editor: User,
    kyoto_editor: User,
    bureau_staff: User,
) -> None:
    first, second, _third = three_osaka_actions(plan_version, bureau_staff)
    a, _ = actions.save_report(
        osaka_editor, first, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10, "a"), 0
    )
    b, _ = actions.save_report(
        osaka_editor, second, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 10, "b"), 0
    )
    # A stale revision for b: nothing is submitted.
    page = client_for(osaka_editor).post(
        f"/progress/{YEAR}/270008/submit/", {"report": [f"{a.pk}:1", f"{b.pk}:9"]}, follow=True
    )
    assert "他の人が先に更新" in page.content.decode()
    assert set(ProgressReport.objects.values_list("state", flat=True)) == {ReviewState.DRAFT}
    refused = client_for(kyoto_editor).post(
        f"/progress/{YEAR}/270008/submit/", {"report": [f"{a.pk}:1"]}
    )
    assert refused.status_code == 403
    sneaky = client_for(kyoto_editor).post(
        f"/progress/{YEAR}/{kyoto().lg_code}/submit/", {"report": [f"{a.pk}:1"]}, follow=True
    )
    assert "報告ではないものが含まれています" in sneaky.content.decode()
    assert set(ProgressReport.objects.values_list("state", flat=True)) == {ReviewState.DRAFT}


def test_bureau_previews_and_accepts_several_reports_but_not_its_own(
    cycle: ReportingCycle,
    plan_version: PlanVersion,
    union_action: Action,
    osaka_editor: User,
    bureau_staff: User,
) -> None:
    first, second, _third = three_osaka_actions(plan_version, bureau_staff)
    for action in (first, second):
        report, _ = actions.save_report(
            osaka_editor, action, YEAR, osaka(), ReportInput(Status.DONE, 100, "完了の報告"), 0
        )
        actions.submit_report(osaka_editor, report, 1)
    own, _ = actions.save_report(
        bureau_staff, union_action, YEAR, None, ReportInput(Status.ONGOING, 70, "局の報告"), 0
    )
    own = actions.submit_report(bureau_staff, own, 1)
    staff = client_for(bureau_staff)
    page = staff.get(f"/progress/review/?year={YEAR}").content.decode()
    assert page.count("完了の報告") == 2 and "局の報告" in page
    assert "自分の報告（承認できません）" in page
    values = re.findall(r'name="report" value="(\d+:\d+)"', page)
    assert len(values) == 2 and f"{own.pk}:" not in " ".join(values)
    # Nothing is ticked in advance: an officer who ticks some accepts only those.
    assert re.findall(r'<input type="checkbox" name="report"[^>]*>', page)
    assert not re.search(r'<input type="checkbox" name="report"[^>]*checked', page)
    # Adding its own report to the batch refuses the whole batch.
    staff.post(f"/progress/review/?year={YEAR}", {"report": [*values, f"{own.pk}:2"]})
    assert not ProgressReport.objects.filter(state=ReviewState.ACCEPTED).exists()
    done = staff.post(f"/progress/review/?year={YEAR}", {"report": values}, follow=True)
    assert "2 件の報告を承認しました" in done.content.decode()
    assert ProgressReport.objects.filter(state=ReviewState.ACCEPTED).count() == 2
    own.refresh_from_db()
    assert own.state == ReviewState.SUBMITTED


def test_matrix_assigns_filtered_actions_in_one_step_with_history(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    theme = plan_version.themes.order_by("position").first()
    assert theme is not None
    url = f"/progress/assignments/matrix/?theme={theme.code}&year={YEAR}"
    page = staff.get(url).content.decode()
    rows = [int(v) for v in re.findall(r'name="row" value="(\d+)"', page)]
    expected = actions_for_year(plan_version, YEAR).filter(actor=Actor.MEMBERS, theme=theme)
    assert sorted(rows) == sorted(a.pk for a in expected) and rows
    other_theme = Action.objects.filter(version=plan_version, actor=Actor.MEMBERS).exclude(
        theme=theme
    )[0]
    actions.assign_action(bureau_staff, other_theme, [kyoto()])
    data: dict[str, object] = {"row": rows}
    data[f"a{rows[0]}"] = [osaka().pk, kyoto().pk]
    data[f"a{rows[1]}"] = [kyoto().pk]
    done = staff.post(url, data, follow=True).content.decode()
    assert "追加 3、解除 0" in done
    assigned = set(ActionAssignment.objects.values_list("action_id", "member_government_id"))
    assert assigned == {
        (rows[0], osaka().pk),
        (rows[0], kyoto().pk),
        (rows[1], kyoto().pk),
        (other_theme.pk, kyoto().pk),  # not shown, not touched
    }
    assert ActionAssignment.history.filter(history_user=bureau_staff).count() == 4
    # Unticking in the matrix removes.
    staff.post(url, {"row": rows, f"a{rows[0]}": [osaka().pk]})
    assert set(
        ActionAssignment.objects.filter(action_id__in=rows).values_list(
            "action_id", "member_government_id"
        )
    ) == {(rows[0], osaka().pk)}


def test_matrix_and_review_are_bureau_pages(
    plan_version: PlanVersion, osaka_editor: User, reviewer: User
) -> None:
    for person in (osaka_editor, reviewer):
        client = client_for(person)
        assert client.get("/progress/assignments/matrix/").status_code == 403
        assert client.get("/progress/review/").status_code == 403
