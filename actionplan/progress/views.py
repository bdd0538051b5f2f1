"""Pages of the progress follow-up for the bureau, member-government editors and reviewers, and
the public page of accepted reports."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplan.accounts.permissions import (
    PermissionDenied,
    can_act_for,
    can_read_internal,
    government_of,
    is_bureau,
)
from actionplan.faults.params import fiscal_year_param
from actionplan.files import STORAGE_RETRY_AFTER_SECONDS, FilesNotStored, private_download
from actionplan.plans.fiscal import fiscal_year_label, fiscal_year_of
from actionplan.plans.models import (
    Action,
    ActionAssignment,
    Actor,
    MemberGovernment,
)
from actionplan.plans.queries import actions_in_reading_order, current_version

from . import actions, annual, excel, queries, targets
from .actions import ConflictError, ProgressError
from .forms import (
    AssignForm,
    CommentForm,
    CycleForm,
    IndicatorForm,
    IndicatorValueForm,
    ReportForm,
    ReportIndicatorValueForm,
    RevisionForm,
    TargetForm,
    UploadForm,
)
from .models import (
    EvidenceFile,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportingCycle,
    ReviewState,
    Status,
    WorkbookUpload,
    body_name,
)

View = Callable[..., HttpResponseBase]
logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def internal(view: View) -> View:
    """Signed in with a role; a refused write shows 403 with the reason."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_read_internal(request.user):
            raise DjangoPermissionDenied(_("この画面を見る権限がありません"))
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc

    return wrapper


def _bureau_only(request: HttpRequest) -> None:
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("広域産業振興局だけが使える画面です"))


def _default_year() -> int:
    cycle = ReportingCycle.objects.filter(is_open=True).order_by("-fiscal_year").first()
    return cycle.fiscal_year if cycle else fiscal_year_of(timezone.localdate())


def _body(code: str) -> MemberGovernment | None:
    try:
        return actions.government_for_code(code)
    except ProgressError as exc:
        raise Http404(exc.message) from exc


def _may_see_body(request: HttpRequest, government: MemberGovernment | None) -> bool:
    mine = government_of(request.user)
    if mine is not None:  # an editor sees their own government only
        return government is not None and government.pk == mine.pk
    return True


@internal
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    year = fiscal_year_param(request) or _default_year()
    mine = government_of(request.user)
    if mine is not None:
        return redirect("progress:body", year=year, code=mine.lg_code)
    cycle = ReportingCycle.objects.filter(fiscal_year=year).first()
    statuses = queries.body_statuses(cycle) if cycle else []
    submitted = (
        ProgressReport.objects.filter(state=ReviewState.SUBMITTED)
        .select_related("action", "member_government")
        .order_by("updated_at")
    )
    return render(
        request,
        "progress/home.html",
        {
            "year": year,
            "cycle": cycle,
            "statuses": statuses,
            "submitted": submitted,
            "is_bureau": is_bureau(request.user),
            "cycles": ReportingCycle.objects.all(),
        },
    )


@internal
@require_safe
def body(request: HttpRequest, year: int, code: str) -> HttpResponse:
    government = _body(code)
    if not _may_see_body(request, government):
        raise DjangoPermissionDenied(_("他の報告主体の報告は見られません"))
    version = current_version()
    carried = queries.carried_actions(version, year, government) if version else []
    reports = queries.reports_by_action(year, government)
    rows = [(action, reports.get(action.pk)) for action in carried]
    drafts = [r for r in reports.values() if r.state in actions.EDITABLE_STATES]
    return render(
        request,
        "progress/body.html",
        {
            "year": year,
            "code": code,
            "body_name": body_name(government),
            "rows": rows,
            "can_edit": can_act_for(request.user, government),
            "cycle": ReportingCycle.objects.filter(fiscal_year=year).first(),
            "complete_drafts": [r for r in drafts if actions.is_complete(r)],
            "incomplete_drafts": [r for r in drafts if not actions.is_complete(r)],
        },
    )


def _revisions(request: HttpRequest) -> dict[int, int]:
    """The reports a bulk form names, as ``id:revision`` values of its ``report`` fields."""
    revisions = {}
    for value in request.POST.getlist("report"):
        report_id, _sep, revision = value.partition(":")
        if not (report_id.isdigit() and revision.isdigit()):
            raise ProgressError(_("報告の指定が正しくありません"), "reports")
        revisions[int(report_id)] = int(revision)
    return revisions


@internal
@require_POST
def submit_all(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Submit the complete drafts of a body that the page listed, in one step."""
    government = _body(code)
    if not can_act_for(request.user, government):
        raise DjangoPermissionDenied(_("この報告主体の報告を提出する権限がありません"))
    try:
        revisions = _revisions(request)
        if not revisions:
            raise ProgressError(_("提出する報告がありません"), "reports")
        own = set(
            ProgressReport.objects.filter(
                pk__in=revisions, fiscal_year=year, member_government=government
            ).values_list("pk", flat=True)
        )
        if own != set(revisions):
            raise ProgressError(
                _("この報告主体・年度の報告ではないものが含まれています"), "reports"
            )
        submitted = actions.submit_reports(request.user, revisions)
    except ProgressError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d 件の報告を提出しました") % {"n": len(submitted)})
    return redirect("progress:body", year=year, code=code)


@internal
def review(request: HttpRequest) -> HttpResponse:
    """Bulk acceptance: the submitted reports of a year with what each says (the preview);
    the bureau ticks the ones to accept."""
    _bureau_only(request)
    year = fiscal_year_param(request) or _default_year()
    if request.method == "POST":
        try:
            accepted = actions.accept_reports(request.user, _revisions(request))
        except ProgressError as exc:
            messages.error(request, exc.message)
        except PermissionDenied as exc:
            # One report of the batch the user may not accept (four eyes): none is accepted.
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(n)d 件の報告を承認しました") % {"n": len(accepted)})
        return redirect(reverse("progress:review") + f"?year={year}")
    submitted = (
        ProgressReport.objects.filter(state=ReviewState.SUBMITTED, fiscal_year=year)
        .select_related("action__theme", "member_government")
        .prefetch_related("files")
        .order_by("member_government__position", "action__theme__position", "action_id")
    )
    rows = [(report, actions.may_accept(request.user, report)) for report in submitted]
    cycle_open = ReportingCycle.objects.filter(fiscal_year=year, is_open=True).exists()
    return render(
        request, "progress/review.html", {"year": year, "rows": rows, "cycle_open": cycle_open}
    )


@internal
def edit_report(request: HttpRequest, year: int, code: str, action_id: int) -> HttpResponse:
    government = _body(code)
    action = get_object_or_404(Action.objects.select_related("theme", "period"), pk=action_id)
    if not can_act_for(request.user, government):
        raise DjangoPermissionDenied(_("この報告主体の報告を編集する権限がありません"))
    try:
        actions.check_in_period(action, year)
    except ProgressError as exc:
        raise Http404(exc.message) from exc
    report = queries.reports_by_action(year, government).get(action.pk)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                saved, changed = actions.save_report(
                    request.user,
                    action,
                    year,
                    government,
                    form.report_input(),
                    form.cleaned_data["revision"],
                )
            except ConflictError as exc:
                messages.error(request, exc.message)
                form.add_error(None, exc.message)
            except ProgressError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                messages.success(
                    request, _("保存しました") if changed else _("変更はありませんでした")
                )
                return redirect("progress:report", report_id=saved.pk)
    else:
        initial: dict[str, Any] = {"revision": report.revision if report else 0}
        if report:
            initial |= {
                "status": report.status,
                "percent": report.percent,
                "narrative_ja": report.narrative_ja,
                "narrative_en": report.narrative_en,
                "evidence_links": "\n".join(report.evidence_links),
            }
        form = ReportForm(initial=initial)
    return render(
        request,
        "progress/edit.html",
        {
            "form": form,
            "action": action,
            "report": report,
            "year": year,
            "body_name": body_name(government),
            # A closed cycle offers no form (a save would be refused): it says so instead.
            "cycle_open": ReportingCycle.objects.filter(fiscal_year=year, is_open=True).exists(),
        },
    )


def _get_report(request: HttpRequest, report_id: int) -> ProgressReport:
    report = get_object_or_404(
        ProgressReport.objects.select_related("action__theme", "member_government"),
        pk=report_id,
    )
    if not actions.can_see_report(request.user, report):
        raise DjangoPermissionDenied(_("この報告を見る権限がありません"))
    return report


# What the history of a report shows, in this order; who and when have their own columns.
HISTORY_FIELDS = {
    "state": gettext_lazy("審査状態"),
    "review_comment": gettext_lazy("差し戻しコメント"),
    "status": gettext_lazy("状況"),
    "percent": gettext_lazy("進捗率"),
    "narrative_ja": gettext_lazy("取組内容（日本語）"),
    "narrative_en": gettext_lazy("取組内容（英語）"),
    "evidence_links": gettext_lazy("根拠資料"),
    "revision": pgettext_lazy("progress", "版"),
}
HISTORY_CHOICES: dict[str, type[models.TextChoices]] = {"state": ReviewState, "status": Status}


def _shown(field: str, value: Any) -> str:
    if field in HISTORY_CHOICES and value in HISTORY_CHOICES[field].values:
        return str(HISTORY_CHOICES[field](value).label)
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _readable_changes(changes: list[Any]) -> list[tuple[str, str, str]]:
    """(label, before, after) of the changed fields a user cares about, labels translated."""
    by_field = {change.field: change for change in changes}
    return [
        (str(label), _shown(name, by_field[name].old), _shown(name, by_field[name].new))
        for name, label in HISTORY_FIELDS.items()
        if name in by_field
    ]


@internal
@require_safe
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _report_page(request, _get_report(request, report_id))


def _report_page(request: HttpRequest, report: ProgressReport, status: int = 200) -> HttpResponse:
    history = []
    for record in report.history.select_related("history_user").order_by("-history_date"):
        previous = record.prev_record
        changes = _readable_changes(record.diff_against(previous).changes) if previous else None
        history.append((record, changes))
    return render(
        request,
        "progress/report.html",
        {
            "report": report,
            "history": history,
            "comments": report.comments.select_related("author"),
            "can_edit": can_act_for(request.user, report.member_government),
            "is_bureau": is_bureau(request.user),
            "may_accept": actions.may_accept(request.user, report),
            "cycle_open": ReportingCycle.objects.filter(
                fiscal_year=report.fiscal_year, is_open=True
            ).exists(),
            "revision_form": RevisionForm(initial={"revision": report.revision}),
            "comment_form": CommentForm(),
            "indicator_values": report.indicator_values.select_related("indicator"),
            "indicator_form": (
                ReportIndicatorValueForm(action=report.action)
                if queries.indicators_of_action(report.action).exists()
                else None
            ),
        },
        status=status,
    )


@internal
@require_POST
def report_indicator(request: HttpRequest, report_id: int) -> HttpResponse:
    """The reporting body gives an indicator value with its report."""
    report = _get_report(request, report_id)
    form = ReportIndicatorValueForm(request.POST, action=report.action)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("progress:report", report_id=report.pk)
    try:
        actions.record_indicator_value(
            request.user,
            form.cleaned_data["indicator"],
            report.fiscal_year,
            form.cleaned_data["value"],
            form.cleaned_data["note"],
            report=report,
        )
    except ProgressError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("指標の値を記録しました"))
    return redirect("progress:report", report_id=report.pk)


@internal
@require_POST
def add_evidence(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _get_report(request, report_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("ファイルを選んでください"))
        return redirect("progress:report", report_id=report.pk)
    try:
        actions.add_evidence_file(request.user, report, upload)
    except ProgressError as exc:
        messages.error(request, exc.message)
    except FilesNotStored:
        messages.error(
            request,
            _(
                "資料のファイルをサーバーに保存できませんでした。ファイルは受け付けられていません。"
                "時間をおいて、もう一度添付してください。"
            ),
        )
        response = _report_page(request, report, status=503)
        response["Retry-After"] = str(STORAGE_RETRY_AFTER_SECONDS)
        return response
    else:
        messages.success(request, _("資料を添付しました"))
    return redirect("progress:report", report_id=report.pk)


@internal
@require_safe
def evidence_download(request: HttpRequest, report_id: int, file_id: int) -> HttpResponseBase:
    """Signed-in roles who may see the report, always as a download (the browser never renders
    an uploaded file), as proposal attachments are served."""
    report = _get_report(request, report_id)
    evidence = get_object_or_404(EvidenceFile, pk=file_id, report=report)
    return private_download(evidence.file, evidence.original_name, evidence.content_type)


@internal
@require_POST
def transition(request: HttpRequest, report_id: int, step: str) -> HttpResponse:
    report = _get_report(request, report_id)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("版の指定がありません"))
        return redirect("progress:report", report_id=report.pk)
    revision = form.cleaned_data["revision"]
    try:
        if step == "submit":
            actions.submit_report(request.user, report, revision)
            messages.success(request, _("提出しました"))
        elif step == "accept":
            actions.accept_report(request.user, report, revision)
            messages.success(request, _("承認しました"))
        elif step == "return":
            actions.return_report(request.user, report, revision, form.cleaned_data["comment"])
            messages.success(request, _("差し戻しました"))
        elif step == "reopen":
            actions.reopen_report(request.user, report, revision, form.cleaned_data["comment"])
            messages.success(request, _("報告を再開しました（訂正のため差し戻し）"))
        else:
            raise Http404(step)
    except ProgressError as exc:
        messages.error(request, exc.message)
    return redirect("progress:report", report_id=report.pk)


@internal
@require_POST
def comment(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _get_report(request, report_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            actions.comment_on_report(request.user, report, form.cleaned_data["text"])
        except ProgressError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("コメントが空です"))
    return redirect("progress:report", report_id=report.pk)


@internal
@require_safe
def assignments(request: HttpRequest) -> HttpResponse:
    version = current_version()
    members_actions = (
        actions_in_reading_order(version)
        .filter(actor=Actor.MEMBERS)
        .prefetch_related("member_governments")
        if version
        else []
    )
    return render(
        request,
        "progress/assignments.html",
        {"actions": members_actions, "is_bureau": is_bureau(request.user)},
    )


@internal
def assignment_matrix(request: HttpRequest) -> HttpResponse:
    """Every `members` action (filtered by theme and fiscal year) × the member governments, as
    checkboxes saved in one step. Only the rows shown are changed."""
    _bureau_only(request)
    version = current_version()
    if version is None:
        raise Http404(_("計画がまだ取り込まれていません"))
    themes = list(version.themes.order_by("position"))
    theme_code = request.GET.get("theme", "")
    year = fiscal_year_param(request)
    shown = actions_in_reading_order(version).filter(actor=Actor.MEMBERS)
    if year is not None:
        shown = queries.actions_for_year(version, year).filter(actor=Actor.MEMBERS)
    if theme_code:
        shown = shown.filter(theme__code=theme_code)
    shown = shown.select_related("theme", "period").prefetch_related("member_governments")
    governments = list(MemberGovernment.objects.order_by("position"))
    if request.method == "POST":
        by_pk = {g.pk: g for g in governments}
        rows = {a.pk: a for a in shown}
        wanted: dict[Action, list[MemberGovernment]] = {}
        for value in request.POST.getlist("row"):
            if value.isdigit() and int(value) in rows:
                chosen = request.POST.getlist(f"a{value}")
                wanted[rows[int(value)]] = [
                    by_pk[int(g)] for g in chosen if g.isdigit() and int(g) in by_pk
                ]
        try:
            added, removed = actions.assign_actions(request.user, wanted)
        except ProgressError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("担当を更新しました（追加 %(added)d、解除 %(removed)d）")
                % {"added": added, "removed": removed},
            )
        return redirect(request.get_full_path())
    rows_out = [(action, {g.pk for g in action.member_governments.all()}) for action in shown]
    return render(
        request,
        "progress/assignment_matrix.html",
        {
            "rows": rows_out,
            "governments": governments,
            "themes": themes,
            "theme_code": theme_code,
            "year": year,
            "years": queries.plan_years(version),
        },
    )


@internal
def assign(request: HttpRequest, action_id: int) -> HttpResponse:
    _bureau_only(request)
    action = get_object_or_404(Action, pk=action_id)
    if request.method == "POST":
        form = AssignForm(request.POST)
        if form.is_valid():
            try:
                added, removed = actions.assign_action(
                    request.user, action, form.cleaned_data["governments"]
                )
            except ProgressError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("担当を更新しました（追加 %(added)d、解除 %(removed)d）")
                    % {"added": added, "removed": removed},
                )
                return redirect(reverse("progress:assignments") + f"#action-{action.pk}")
    else:
        form = AssignForm(initial={"governments": list(action.member_governments.all())})
    history = ActionAssignment.history.filter(action_id=action.pk).select_related(
        "history_user", "member_government"
    )
    return render(
        request,
        "progress/assign.html",
        {"form": form, "action": action, "history": history.order_by("-history_date")},
    )


@internal
def cycles(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        _bureau_only(request)
        if form.is_valid():
            try:
                cycle = actions.open_cycle(
                    request.user, form.cleaned_data["fiscal_year"], form.cleaned_data["deadline"]
                )
            except ProgressError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("報告受付を開始しました"))
                return redirect("progress:cycle", year=cycle.fiscal_year)
    return render(
        request,
        "progress/cycles.html",
        {
            "form": form,
            "cycles": ReportingCycle.objects.all(),
            "is_bureau": is_bureau(request.user),
        },
    )


@internal
@require_safe
def cycle_detail(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(ReportingCycle, fiscal_year=year)
    return render(
        request,
        "progress/cycle.html",
        {
            "cycle": cycle,
            "statuses": queries.body_statuses(cycle),
            "is_bureau": is_bureau(request.user),
            "overdue": cycle.deadline < timezone.localdate(),
        },
    )


@internal
@require_POST
def remind(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(ReportingCycle, fiscal_year=year)
    try:
        sent = actions.send_reminders(request.user, cycle)
    except ProgressError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("督促メールを %(n)d 通送信しました") % {"n": sent})
    return redirect("progress:cycle", year=year)


@internal
@require_POST
def reopen_cycle(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(ReportingCycle, fiscal_year=year)
    actions.reopen_cycle(request.user, cycle)
    messages.success(request, _("報告受付を再開しました"))
    return redirect("progress:cycle", year=year)


@internal
@require_POST
def close(request: HttpRequest, year: int) -> HttpResponse:
    cycle = get_object_or_404(ReportingCycle, fiscal_year=year)
    actions.close_cycle(request.user, cycle)
    messages.success(request, _("報告受付を終了しました"))
    return redirect("progress:cycle", year=year)


@internal
@require_safe
def download_workbook(request: HttpRequest, year: int, code: str) -> HttpResponse:
    government = _body(code)
    if not can_act_for(request.user, government):
        raise DjangoPermissionDenied(_("この報告主体のワークブックは取得できません"))
    response = HttpResponse(excel.build_workbook(year, government), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="progress-{year}-{code}.xlsx"'
    return response


@internal
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["workbook"].read()
        parsed = excel.parse_workbook(request.user, content)
        if parsed.errors or parsed.fiscal_year is None:
            return render(
                request, "progress/upload.html", {"form": form, "errors": parsed.errors}, status=400
            )
        stored = WorkbookUpload.objects.create(
            uploaded_by_id=int(request.user.pk or 0),
            filename=form.cleaned_data["workbook"].name[:255],
            content=content,
            fiscal_year=parsed.fiscal_year,
            member_government=parsed.government,
        )
        return redirect("progress:preview", upload_id=stored.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "progress/upload.html", {"form": form}, status=status)


def _own_upload(request: HttpRequest, upload_id: int) -> WorkbookUpload:
    return get_object_or_404(WorkbookUpload, pk=upload_id, uploaded_by_id=request.user.pk)


@internal
@require_safe
def preview(request: HttpRequest, upload_id: int) -> HttpResponse:
    stored = _own_upload(request, upload_id)
    parsed = excel.parse_workbook(request.user, bytes(stored.content))
    return render(request, "progress/preview.html", {"upload": stored, "parsed": parsed})


@internal
@require_POST
def apply_upload(request: HttpRequest, upload_id: int) -> HttpResponse:
    stored = _own_upload(request, upload_id)
    parsed = excel.apply_workbook(request.user, bytes(stored.content))
    if parsed.errors:
        return render(
            request, "progress/preview.html", {"upload": stored, "parsed": parsed}, status=409
        )
    stored.applied_at = timezone.now()
    stored.save(update_fields=["applied_at"])
    messages.success(
        request,
        _("%(n)d 件の報告を反映しました（まだ下書きです。下の「まとめて提出」で提出できます）")
        % {"n": len(parsed.changes)},
    )
    code = parsed.government.lg_code if parsed.government else "union"
    return redirect("progress:body", year=stored.fiscal_year, code=code)


@internal
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    version = current_version()
    if version is None:
        raise Http404(_("計画がまだ取り込まれていません"))
    year = fiscal_year_param(request) or _default_year()
    by_year = queries.year_rollups(version)
    return render(
        request,
        "progress/dashboard.html",
        {
            "year": year,
            "years": range(version.plan_start_fy, version.plan_end_fy + 1),
            "plan": queries.plan_rollup(version, year),
            "themes": queries.theme_rollups(version, year),
            "governments": queries.government_rollups(version, year),
            "by_year": by_year,
            "year_bars": _year_bars(by_year),
            "indicators": queries.indicator_table(
                Indicator.objects.all(), years=queries.plan_years(version)
            ),
            "sub_item_weight": queries.SUB_ITEM_WEIGHT,
        },
    )


def _year_bars(by_year: list[tuple[int, queries.RollUp]]) -> list[dict[str, Any]]:
    """Geometry of the per-year column chart: 120 px is 100 %."""
    bars = []
    language = get_language() or "ja"
    for index, (year, rollup) in enumerate(by_year):
        height = round(float(rollup.score or 0) * 1.2)
        x = 40 + index * 110
        bars.append(
            {
                "year": year,
                # Two lines under a bar 60 px wide: 令和7年度 / （2025年度）, or FY2025.
                "year_lines": fiscal_year_label(year, language).replace("（", "\n（").split("\n"),
                "x": x,
                "center": x + 30,
                "height": height,
                "y": 140 - height,
                "label": f"{rollup.score}%" if rollup.score is not None else "—",
            }
        )
    return bars


@internal
def indicators(request: HttpRequest) -> HttpResponse:
    """Every indicator with every value (public or not yet); the bureau adds indicators here."""
    version = current_version()
    form = IndicatorForm(request.POST or None, version=version)
    if request.method == "POST":
        _bureau_only(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                indicator = actions.create_indicator(
                    request.user,
                    data["name_ja"],
                    name_en=data["name_en"],
                    unit=data["unit"],
                    source=data["source"],
                    theme=data["theme"],
                    action=data["action_id"],
                )
            except ProgressError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("指標を登録しました"))
                return redirect("progress:indicator", indicator_id=indicator.pk)
    table = queries.indicator_table(
        Indicator.objects.all(), public=False, years=queries.plan_years(version)
    )
    return render(
        request,
        "progress/indicators.html",
        {"form": form, "table": table, "is_bureau": is_bureau(request.user)},
        status=400 if form.errors else 200,
    )


@internal
def indicator_detail(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """One indicator: its values, where each came from, its history; the bureau records values."""
    indicator = get_object_or_404(
        Indicator.objects.select_related("theme", "action"), pk=indicator_id
    )
    form = IndicatorValueForm(request.POST or None)
    if request.method == "POST":
        _bureau_only(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.record_indicator_value(
                    request.user, indicator, data["fiscal_year"], data["value"], data["note"]
                )
            except ProgressError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("指標の値を記録しました"))
                return redirect("progress:indicator", indicator_id=indicator.pk)
    values = indicator.values.select_related("report__member_government").order_by("fiscal_year")
    history = (
        IndicatorValue.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("-history_date")
    )
    return render(
        request,
        "progress/indicator.html",
        {
            "indicator": indicator,
            "values": values,
            "history": history,
            # Who set which baseline and target when (the web page and the API alike).
            "target_history": indicator.history.select_related("history_user").order_by(
                "-history_date"
            ),
            "form": form,
            "target_form": TargetForm(
                initial={
                    "baseline_value": indicator.baseline_value,
                    "baseline_year": indicator.baseline_year,
                    "target_value": indicator.target_value,
                    "target_year": indicator.target_year,
                    "direction": indicator.direction,
                    "revision": indicator.revision,
                }
            ),
            "assessment": targets.assess(indicator, {v.fiscal_year: v for v in values}),
            "is_bureau": is_bureau(request.user),
        },
        status=400 if form.errors else 200,
    )


@internal
@require_POST
def indicator_target(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """The bureau sets an indicator's baseline, target and good direction."""
    _bureau_only(request)
    indicator = get_object_or_404(Indicator, pk=indicator_id)
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("progress:indicator", indicator_id=indicator.pk)
    try:
        actions.set_indicator_target(
            request.user, indicator, form.target_input(), form.cleaned_data["revision"]
        )
    except ProgressError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("基準と目標を保存しました"))
    return redirect("progress:indicator", indicator_id=indicator.pk)


@require_safe
def public_action(request: HttpRequest, action_id: int) -> HttpResponse:
    """Public: the accepted reports of one action and its public indicator values."""
    action = get_object_or_404(
        Action.objects.select_related("theme", "period", "version"), pk=action_id
    )
    return render(
        request,
        "progress/public_action.html",
        {"action": action, "progress": queries.public_progress(action)},
    )


@require_safe
def annual_index(request: HttpRequest) -> HttpResponse:
    version = current_version()
    return render(
        request,
        "progress/annual_index.html",
        {
            "years": queries.plan_years(version),
            "version": version,
            # The PDF is printed by headless Chromium in the task queue: offered to signed-in
            # staff only (it costs seconds of CPU), and only where the server has the browser.
            "pdf_possible": annual.find_chromium() is not None,
            "pdf_allowed": can_read_internal(request.user),
        },
    )


@require_safe
def annual_report(request: HttpRequest, year: int, theme_code: str = "") -> HttpResponse:
    """Public, in the site frame and the page's language, printable on A4: accepted reports
    only. Years outside the plan period have no report."""
    version = current_version()
    if version is None or year not in queries.plan_years(version):
        raise Http404(_("この年度の年次報告はありません"))
    context = annual.page_context(version, year, theme_code)
    if theme_code and not context["sections"]:
        raise Http404(theme_code)
    return render(request, "progress/annual_page.html", context)


@require_safe
def annual_workbook(request: HttpRequest, year: int) -> HttpResponse:
    version = current_version()
    if version is None or year not in queries.plan_years(version):
        raise Http404(_("この年度の年次報告はありません"))
    response = HttpResponse(annual.build_annual_workbook(version, year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="progress-annual-{year}.xlsx"'
    return response
