"""Names on the staff pages are in the page's language: the English names of the Union, the
member governments, the themes, the periods and the actions on /en/ pages (the ones the public
portal and the annual report show), the Japanese ones on Japanese pages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from actionplan.conftest import client_for
from actionplan.plans.models import Action, Actor, PlanVersion, Theme
from actionplan.progress import actions, excel
from actionplan.progress.actions import ReportInput
from actionplan.progress.models import ProgressReport, ReportingCycle, Status

from .conftest import YEAR, kyoto, osaka


def english_pair(action: Action) -> tuple[str, str]:
    """The start of an action's English and Japanese texts (pages may shorten long ones)."""
    assert action.text_en, "the imported plan has an English text for this action"
    return escape(action.text_en[:30]), escape(action.text_ja[:30])


def submitted_report(editor: User, action: Action) -> ProgressReport:
    report, _ = actions.save_report(
        editor, action, YEAR, osaka(), ReportInput(Status.IN_PROGRESS, 40, "実施"), 0
    )
    return actions.submit_report(editor, report, report.revision)


def test_english_body_page_names_the_union_its_themes_and_actions_in_english(
    cycle: ReportingCycle, union_action: Action, bureau_staff: User
) -> None:
    english = client_for(bureau_staff).get(f"/en/progress/{YEAR}/union/").content.decode()
    assert "<h1>Progress reports of Union of Kansai Governments for FY2025</h1>" in english
    assert "関西広域連合" not in english
    assert escape(union_action.theme.name_en) in english
    assert union_action.theme.name_ja not in english
    text_en, text_ja = english_pair(union_action)
    assert text_en in english and text_ja not in english

    japanese = client_for(bureau_staff).get(f"/progress/{YEAR}/union/").content.decode()
    assert "関西広域連合の" in japanese and union_action.theme.name_ja in japanese
    assert text_ja in japanese and "Union of Kansai Governments" not in japanese


def test_english_report_page_review_and_progress_home_name_the_body_in_english(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User, bureau_staff: User
) -> None:
    report = submitted_report(osaka_editor, members_action)
    staff = client_for(bureau_staff)
    text_en, text_ja = english_pair(members_action)
    page = staff.get(f"/en/progress/reports/{report.pk}/").content.decode()
    assert "Progress report: Osaka Prefecture · FY2025" in page
    assert escape(members_action.theme.name_en) in page and text_en in page
    assert "大阪府" not in page and members_action.theme.name_ja not in page
    assert text_ja not in page
    for path in (f"/en/progress/review/?year={YEAR}", f"/en/progress/?year={YEAR}"):
        page = staff.get(path).content.decode()
        assert "Osaka Prefecture" in page and "大阪府" not in page, path
        assert text_en in page and text_ja not in page, path
    japanese = staff.get(f"/progress/reports/{report.pk}/").content.decode()
    assert "進捗報告: 大阪府 · 令和7年度（2025年度）" in japanese and text_ja in japanese


def test_english_dashboard_and_cycle_name_themes_and_bodies_in_english(
    cycle: ReportingCycle, members_action: Action, plan_version: PlanVersion, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    dashboard = staff.get(f"/en/progress/dashboard/?year={YEAR}").content.decode()
    for theme in Theme.objects.filter(version=plan_version):
        assert escape(theme.name_en) in dashboard and theme.name_ja not in dashboard
    assert "Union of Kansai Governments" in dashboard and "Kyoto Prefecture" in dashboard
    assert "関西広域連合" not in dashboard and "京都府" not in dashboard
    cycle_page = staff.get(f"/en/progress/cycles/{YEAR}/").content.decode()
    assert "Osaka Prefecture" in cycle_page and "Union of Kansai Governments" in cycle_page
    assert "大阪府" not in cycle_page and "関西広域連合" not in cycle_page
    japanese = staff.get(f"/progress/dashboard/?year={YEAR}").content.decode()
    assert "関西広域連合" in japanese and "京都府" in japanese


def test_english_assignment_pages_name_themes_periods_actions_and_governments_in_english(
    cycle: ReportingCycle, members_action: Action, plan_version: PlanVersion, bureau_staff: User
) -> None:
    staff = client_for(bureau_staff)
    text_en, text_ja = english_pair(members_action)
    listing = staff.get("/en/progress/assignments/").content.decode()
    assert text_en in listing and text_ja not in listing
    assert escape(members_action.theme.name_en) in listing
    assert members_action.theme.name_ja not in listing
    assert "Osaka Prefecture" in listing and "大阪府" not in listing
    before_expo = Action.objects.filter(
        version=plan_version, actor=Actor.MEMBERS, period__label_ja="万博前"
    ).first()
    assert before_expo is not None and before_expo.period.label_en == "Before the Expo"
    assert "Before the Expo" in listing and "万博前" not in listing

    assign = staff.get(f"/en/progress/actions/{members_action.pk}/assign/").content.decode()
    assert text_en in assign and text_ja not in assign
    # The checkboxes and the history of the assignment made by the fixture.
    assert "Kyoto Prefecture" in assign
    assert "京都府" not in assign and "大阪府" not in assign
    assert "Added: Osaka Prefecture" in assign

    matrix = staff.get(f"/en/progress/assignments/matrix/?year={YEAR}").content.decode()
    assert text_en in matrix and text_ja not in matrix

    japanese = staff.get(f"/progress/actions/{members_action.pk}/assign/").content.decode()
    assert "京都府" in japanese and text_ja in japanese and "Kyoto Prefecture" not in japanese


def test_english_indicator_form_offers_the_themes_in_english(
    plan_version: PlanVersion, bureau_staff: User
) -> None:
    page = client_for(bureau_staff).get("/en/progress/indicators/").content.decode()
    for theme in Theme.objects.filter(version=plan_version):
        assert f">{escape(theme.name_en)}</option>" in page
        assert theme.name_ja not in page
    japanese = client_for(bureau_staff).get("/progress/indicators/").content.decode()
    first = Theme.objects.filter(version=plan_version).first()
    assert first is not None and f">{first.name_ja}</option>" in japanese


def test_workbook_error_names_the_other_government_in_the_page_language(
    cycle: ReportingCycle, members_action: Action, osaka_editor: User
) -> None:
    editor = client_for(osaka_editor)
    for prefix, message in (
        ("/en", "You may not report for Kyoto Prefecture"),
        ("", "京都府の報告を提出する権限がありません"),
    ):
        workbook = SimpleUploadedFile("kyoto.xlsx", excel.build_workbook(YEAR, kyoto()))
        response = editor.post(f"{prefix}/progress/upload/", {"workbook": workbook})
        assert message in response.content.decode(), prefix
