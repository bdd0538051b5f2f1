"""Pages of the desk: the public form, the proposer's status page, staff triage and registry.

Form data is personal: the views that receive it hide every posted value from error reports
(`sensitive_post_parameters`), and nothing here logs it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplan.accounts.permissions import PermissionDenied, can_read_internal, is_bureau
from actionplan.files import STORAGE_RETRY_AFTER_SECONDS, FilesNotStored, private_download
from actionplan.plans.localized import is_english, localized
from actionplan.plans.models import Action, Hub, MemberGovernment, Organization, PlanVersion, Theme
from actionplan.plans.queries import current_version
from actionplan.web.ratelimit import hit

from . import actions, needs
from .forms import (
    AgreementForm,
    AgreementItemFormSet,
    HubForm,
    NeedsForm,
    NewPartnerFormSet,
    NoteForm,
    OrganizationForm,
    ProposalForm,
    theme_choices,
)
from .models import AgreementDraft, Attachment, Proposal, State
from .queries import (
    actions_by_theme,
    actions_in_plan_order,
    history_rows,
    overdue,
    recorded_actions,
    visible_proposals,
)
from .suggest import suggest_for_proposal

View = TypeVar("View", bound=Callable[..., HttpResponse])


def _refusals_as_403(view: View) -> View:
    """The actions' PermissionDenied becomes Django's, which renders a 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refused:
            raise DjangoPermissionDenied(str(refused)) from refused

    return wrapper  # type: ignore[return-value]


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The status link is the proposer's only key; never send it to another site in a Referer
    # header. ("no-referrer" would also blank the Origin of the page's own withdrawal form,
    # which Django's CSRF check then refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "yes"


def _ask_to_confirm(
    request: HttpRequest,
    *,
    question: str,
    consequence: str,
    button: str,
    cancel_url: str,
    desk: bool = True,
    title: str = "",
) -> HttpResponse:
    """An irreversible step asks first: the same form again, its values carried as hidden
    fields, with a confirming button. Works without JavaScript. A desk step shows the staff
    menu like every other desk page; a proposer's own step (``desk=False``) does not."""
    carried = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "partnerships/confirm.html",
        {
            "question": question,
            "consequence": consequence,
            "button": button,
            "carried": carried,
            "action": request.path,
            "cancel_url": cancel_url,
            "desk": desk,
            # The page's <title>, when the question is too long for it.
            "title": title or question,
        },
    )


# --- public -----------------------------------------------------------------------------------


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "partnerships/proposal_form.html", {"form": ProposalForm()})
    form = ProposalForm(request.POST, request.FILES)
    if form.is_robot:
        return render(request, "partnerships/refused.html", status=400)
    if not form.is_valid():
        # Refused anyway: not counted, so that typing mistakes never use up the limit.
        return render(request, "partnerships/proposal_form.html", {"form": form}, status=400)
    if hit(
        request,
        "proposal",
        limit=settings.PROPOSAL_RATE_LIMIT,
        window=settings.PROPOSAL_RATE_WINDOW_SECONDS,
    ):
        return render(
            request,
            "partnerships/rate_limited.html",
            {"minutes": max(1, settings.PROPOSAL_RATE_WINDOW_SECONDS // 60)},
            status=429,
        )
    data = form.cleaned_data
    try:
        submitted = _submit(request, data)
    except FilesNotStored:
        form.add_error(
            "attachments",
            _(
                "添付ファイルをサーバーに保存できませんでした。提案は受け付けられていません。"
                "時間をおいて、もう一度送信してください。"
            ),
        )
        response = render(request, "partnerships/proposal_form.html", {"form": form}, status=503)
        response["Retry-After"] = str(STORAGE_RETRY_AFTER_SECONDS)
        return response
    messages.success(
        request,
        _(
            "提案を受け付けました。受付番号は %(number)s です。"
            "このページのアドレスを保存してください。"
        )
        % {"number": submitted.proposal.receipt_number},
    )
    return redirect("partnerships:status", token=submitted.status_token)


def _submit(request: HttpRequest, data: dict[str, Any]) -> actions.Submitted:
    return actions.submit_proposal(
        actions.ProposalInput(
            organization_name=data["organization_name"],
            organization_kind=data["organization_kind"],
            contact_name=data["contact_name"],
            email=data["email"],
            phone=data["phone"],
            theme_codes=list(data["themes"]),
            title=data["title"],
            summary=data["summary"],
            details=data["details"],
            member_governments=list(data["member_governments"]),
            consent=data["consent"],
            language=(get_language() or "ja")[:2],
        ),
        data["attachments"],
        site_url=request.build_absolute_uri("/"),
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partnerships/privacy.html",
        {"retention_days": settings.PROPOSAL_PERSONAL_DATA_RETENTION_DAYS},
    )


@never_cache
@require_safe
def status(request: HttpRequest, token: str) -> HttpResponse:
    proposal = actions.proposal_for_token(token)
    if proposal is None:
        raise Http404
    response = render(
        request,
        "partnerships/status.html",
        {
            "proposal": proposal,
            "token": token,
            "can_withdraw": "withdraw" in actions.TRANSITIONS
            and proposal.state in actions.TRANSITIONS["withdraw"][0],
        },
    )
    return _no_referrer(response)


@require_POST
def status_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    if actions.proposal_for_token(token) is None:
        raise Http404
    if not _confirmed(request):
        response = _ask_to_confirm(
            request,
            question=_("提案を取り下げますか？"),
            consequence=_("取り下げた提案は元に戻せません。"),
            button=_("取り下げる"),
            cancel_url=reverse("partnerships:status", args=[token]),
            desk=False,
        )
        return _no_referrer(response)
    try:
        actions.withdraw_by_token(token)
    except actions.ProposalError as error:
        if error.field == "token":
            raise Http404 from error
        messages.error(request, _("この提案は取り下げできません。"))
    else:
        messages.success(request, _("提案を取り下げました。"))
    return _no_referrer(redirect("partnerships:status", token=token))


@require_safe
def organizations(request: HttpRequest) -> HttpResponse:
    """The public list of partners: names, kinds and their partnerships; no people."""
    listed = Organization.objects.prefetch_related("partnerships").order_by("name_ja")
    return render(
        request,
        "partnerships/organizations.html",
        {"organizations": listed, "can_edit": is_bureau(request.user)},
    )


# --- staff ------------------------------------------------------------------------------------


def _visible_or_404(request: HttpRequest, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(Proposal, pk=proposal_id)
    if not actions.can_view(request.user, proposal):
        raise DjangoPermissionDenied(_("この提案を見る権限がありません。"))
    return proposal


@login_required
@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    proposals = visible_proposals(request.user)
    if not proposals.exists() and not can_read_internal(request.user):
        raise DjangoPermissionDenied(_("公民連携窓口を見る権限がありません。"))
    state = request.GET.get("state", "")
    if request.GET.get("overdue"):
        proposals = overdue(proposals)
    elif state in State.values:
        proposals = proposals.filter(state=state)
    return render(
        request,
        "partnerships/desk.html",
        {
            "proposals": proposals,
            "states": State.choices,
            "state": state,
            "overdue_count": overdue(visible_proposals(request.user)).count(),
            "showing_overdue": bool(request.GET.get("overdue")),
            "is_bureau": is_bureau(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _visible_or_404(request, proposal_id)
    staff = (
        get_user_model()
        .objects.filter(profile__role__in=["bureau_admin", "bureau_staff"])
        .order_by("username")
    )
    can_record = actions.can_record_actions(request.user)
    recorded = recorded_actions(proposal)
    suggestions = suggest_for_proposal(proposal)
    suggested = {s.key for s in suggestions["action"]}
    return render(
        request,
        "partnerships/proposal_detail.html",
        {
            "proposal": proposal,
            "show_contact": actions.can_see_contact(request.user),
            "transitions": actions.available_transitions(request.user, proposal),
            "is_bureau": is_bureau(request.user),
            "staff": staff,
            "governments": MemberGovernment.objects.order_by("id"),
            "history": history_rows(proposal),
            "draft": AgreementDraft.objects.filter(proposal=proposal).first(),
            "notes": proposal.notes.select_related("author"),
            "note_form": NoteForm(),
            "suggestions": suggestions,
            "recorded": recorded,
            "recorded_keys": {row["key"] for row in recorded},
            # Recorded, and ticked, though the engine does not suggest them now.
            "recorded_unsuggested": [row for row in recorded if row["key"] not in suggested],
            "can_record": can_record,
            "action_groups": actions_by_theme() if can_record else [],
            "theme_names": [dict(theme_choices()).get(code, code) for code in proposal.theme_codes],
            "today": timezone.localdate(),
        },
    )


@sensitive_post_parameters("answer")
@login_required
@require_POST
@_refusals_as_403
def proposal_transition(request: HttpRequest, proposal_id: int, name: str) -> HttpResponse:
    proposal = _visible_or_404(request, proposal_id)
    answer = request.POST.get("answer", "")
    if name in actions.IRREVERSIBLE and not _confirmed(request):
        if not actions.can_transition(request.user, proposal, name):
            raise DjangoPermissionDenied
        if name == "decline" and not request.POST.get("decline_reason", "").strip():
            messages.error(request, _("見送るには理由の記入が必要です。"))
            return redirect("partnerships:proposal", proposal_id=proposal.pk)
        questions = {
            "agree": (
                _("この提案を合意として閉じますか？"),
                _(
                    "提案は「合意」で閉じ、協定案が作られます。協定案は、編集して公開するまで"
                    "公開されません。"
                ),
            ),
            "decline": (
                _("この提案を見送りますか？"),
                _("提案は「見送り」で閉じ、提案者に通知されます。元に戻せません。"),
            ),
            "withdraw": (
                _("提案者の取り下げを記録しますか？"),
                _("提案は「取り下げ」で閉じ、提案者に通知されます。元に戻せません。"),
            ),
        }
        # The button says what it does (the detail page's words), not the state it leads to.
        buttons = {
            "agree": _("合意（協定案を作る）"),
            "decline": _("見送る"),
            "withdraw": _("取り下げを記録"),
        }
        question, consequence = questions[name]
        return _ask_to_confirm(
            request,
            question=question,
            consequence=consequence,
            button=buttons[name],
            cancel_url=reverse("partnerships:proposal", args=[proposal.pk]),
        )
    try:
        if name == "screen":
            actions.screen_proposal(request.user, proposal, answer)
        elif name == "refer":
            owner_id = request.POST.get("referred_owner") or None
            owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id else None
            actions.refer_proposal(
                request.user,
                proposal,
                governments=MemberGovernment.objects.filter(
                    pk__in=request.POST.getlist("referred_governments")
                ),
                owner=owner,
                answer=answer,
            )
        elif name == "discuss":
            actions.start_discussion(request.user, proposal, answer)
        elif name == "decline":
            actions.decline_proposal(
                request.user, proposal, request.POST.get("decline_reason", ""), answer
            )
        elif name == "withdraw":
            actions.withdraw_proposal(request.user, proposal, answer)
        elif name == "agree":
            posted = request.POST.get("signed_on", "").strip()
            try:
                signed_on = datetime.date.fromisoformat(posted) if posted else None
            except ValueError as error:
                raise actions.ProposalError(
                    "signed_on", _("日付は 2026-04-01 の形で入力してください。")
                ) from error
            actions.agree_proposal(
                request.user,
                proposal,
                signed_on=signed_on,
                theme_code=request.POST.get("theme_code", ""),
                corporate_number=request.POST.get("corporate_number", ""),
                answer=answer,
            )
        else:
            raise Http404
    except actions.ProposalError as error:
        messages.error(request, error.message)
        return redirect("partnerships:proposal", proposal_id=proposal.pk)
    if name == "agree":
        messages.success(request, _("合意として閉じました。協定案を編集して公開してください。"))
        return redirect("partnerships:agreement", proposal_id=proposal.pk)
    messages.success(request, _("状態を更新しました。"))
    return redirect("partnerships:proposal", proposal_id=proposal.pk)


@login_required
@require_POST
@_refusals_as_403
def proposal_assign(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _visible_or_404(request, proposal_id)
    assignee_id = request.POST.get("assignee") or None
    assignee = get_user_model().objects.filter(pk=assignee_id).first() if assignee_id else None
    try:
        actions.assign_proposal(request.user, proposal, assignee)
    except actions.ProposalError as error:
        messages.error(request, error.message)
    return redirect("partnerships:proposal", proposal_id=proposal.pk)


@login_required
@require_POST
@_refusals_as_403
def proposal_actions(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The actions the proposal truly relates to, as staff tick them, saved in one step."""
    _bureau_only(request, _("関連する取組の記録は事務局のみが行えます。"))
    proposal = _visible_or_404(request, proposal_id)
    try:
        changed = actions.record_actions(
            request.user,
            proposal,
            request.POST.getlist("actions"),
            # The records the page showed (the form always sends the field): only those can
            # be unticked, so two staff saving at once do not undo each other's records.
            shown=[key for key in request.POST.getlist("shown") if key]
            if "shown" in request.POST
            else None,
        )
    except actions.ProposalError as error:
        messages.error(request, error.message)
    else:
        if changed:
            messages.success(request, _("関連する取組を記録しました。"))
        else:
            messages.info(request, pgettext("desk", "変更はありません。"))
    return redirect("partnerships:proposal", proposal_id=proposal.pk)


@login_required
@require_POST
@_refusals_as_403
def proposal_note(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _visible_or_404(request, proposal_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(request.user, proposal, form.cleaned_data["body"])
    else:
        messages.error(request, _("メモが空です。"))
    return redirect("partnerships:proposal", proposal_id=proposal.pk)


@login_required
@require_safe
def attachment_download(request: HttpRequest, proposal_id: int, attachment_id: int) -> FileResponse:
    """Staff only, and always as a download: the browser never renders a proposer's file."""
    proposal = _visible_or_404(request, proposal_id)
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("添付ファイルは事務局のみが見られます。"))
    attachment = get_object_or_404(Attachment, pk=attachment_id, proposal=proposal)
    return private_download(attachment.file, attachment.original_name, attachment.content_type)


@login_required
@require_http_methods(["GET", "POST"])
@_refusals_as_403
def organization_edit(request: HttpRequest, organization_id: int | None = None) -> HttpResponse:
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("登録簿の編集は事務局のみです。"))
    organization = get_object_or_404(Organization, pk=organization_id) if organization_id else None
    initial = (
        {
            "name_ja": organization.name_ja,
            "name_en": organization.name_en,
            "kind": organization.kind,
            "corporate_number": organization.corporate_number,
        }
        if organization
        else {}
    )
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if organization is None:
                organization = actions.get_or_create_organization(request.user, **data)
            else:
                actions.update_organization(request.user, organization, **data)
        except actions.ProposalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("登録簿を更新しました。"))
            return redirect(reverse("partnerships:organizations"))
    status_code = 400 if form.errors else 200
    return render(
        request,
        "partnerships/organization_form.html",
        {"form": form, "organization": organization},
        status=status_code,
    )


def _bureau_only(request: HttpRequest, why: str) -> None:
    """A page of bureau staff only; others are told `why` (in the page's language)."""
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(why)


def _needs_staff_only(request: HttpRequest) -> None:
    _bureau_only(request, _("取組のニーズの表現は事務局のみが扱えます。"))


@login_required
@require_http_methods(["GET", "POST"])
@_refusals_as_403
def hub_edit(request: HttpRequest, hub_id: int) -> HttpResponse:
    _bureau_only(request, _("登録簿の編集は事務局のみです。"))
    hub = get_object_or_404(Hub, pk=hub_id)
    initial = {
        "name_ja": hub.name_ja,
        "name_en": hub.name_en,
        "lat": hub.lat,
        "lon": hub.lon,
        "theme_codes": hub.theme_codes,
    }
    form = HubForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_hub(request.user, hub, **form.cleaned_data)
        except actions.ProposalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("登録簿を更新しました。"))
            return redirect("partnerships:hub_edit", hub_id=hub.pk)
    return render(
        request,
        "partnerships/hub_form.html",
        {"form": form, "hub": hub},
        status=400 if form.errors else 200,
    )


# --- the agreement an agreed proposal leads to -------------------------------------------------


def _draft_or_404(request: HttpRequest, proposal_id: int) -> AgreementDraft:
    proposal = _visible_or_404(request, proposal_id)
    if not is_bureau(request.user):
        raise DjangoPermissionDenied(_("協定案の編集は事務局のみです。"))
    return get_object_or_404(AgreementDraft, proposal=proposal)


NEW_PARTNER_KEYS = ("name_ja", "name_en", "kind", "corporate_number")


def _filled_rows(formset: Any) -> list[dict[str, Any]]:
    """The rows of a formset that were filled in and not marked for deletion, in order."""
    deleted = set(map(id, formset.deleted_forms))
    return [f.cleaned_data for f in formset.forms if f.has_changed() and id(f) not in deleted]


def _agreement_input(form: AgreementForm, partners: Any, items: Any) -> actions.AgreementInput:
    data = form.cleaned_data
    kept = [
        f.cleaned_data
        for f in partners.forms
        if f.has_changed() and f not in partners.deleted_forms
    ]
    lines = [
        f.cleaned_data for f in items.forms if f.has_changed() and f not in items.deleted_forms
    ]
    return actions.AgreementInput(
        title_ja=data["title_ja"],
        title_en=data["title_en"],
        outline_ja=data["outline_ja"],
        outline_en=data["outline_en"],
        theme_code=data["theme_code"],
        date_year=data["date_year"],
        date_month=data["date_month"],
        date_day=data["date_day"],
        date_kind=data["date_kind"],
        partners=list(data["partners"]),
        new_partners=[
            {
                key: str(row.get(key) or "")
                for key in ("name_ja", "name_en", "kind", "corporate_number")
            }
            for row in kept
        ],
        member_governments=list(data["member_governments"]),
        items=[{"text_ja": row["text_ja"], "text_en": row.get("text_en", "")} for row in lines],
        source_name_ja=data["source_name_ja"],
        source_name_en=data["source_name_en"],
        source_url=data["source_url"],
    )


@login_required
@require_http_methods(["GET", "POST"])
@_refusals_as_403
def agreement_edit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Staff write the agreement (title, outline, partners, governments, date, items, source)
    before it is published; until then nothing of it is public."""
    draft = _draft_or_404(request, proposal_id)
    if request.method == "POST" and not draft.is_published:
        form = AgreementForm(request.POST)
        partners = NewPartnerFormSet(request.POST, prefix="partner")
        items = AgreementItemFormSet(request.POST, prefix="item")
        if form.is_valid() and partners.is_valid() and items.is_valid():
            try:
                actions.update_agreement_draft(
                    request.user, draft, _agreement_input(form, partners, items)
                )
            except actions.ProposalError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("協定案を保存しました。"))
                return redirect("partnerships:agreement", proposal_id=proposal_id)
    else:
        form = AgreementForm(
            initial={
                "title_ja": draft.title_ja,
                "title_en": draft.title_en,
                "theme_code": draft.theme_code,
                "outline_ja": draft.outline_ja,
                "outline_en": draft.outline_en,
                "partners": list(draft.partners.all()),
                "member_governments": list(draft.member_governments.all()),
                "date_kind": draft.date_kind,
                "date_year": draft.date_year,
                "date_month": draft.date_month,
                "date_day": draft.date_day,
                "source_name_ja": draft.source_name_ja,
                "source_name_en": draft.source_name_en,
                "source_url": draft.source_url,
            }
        )
        partners = NewPartnerFormSet(initial=draft.new_partners, prefix="partner")
        items = AgreementItemFormSet(initial=draft.items, prefix="item")
    invalid = request.method == "POST" and (
        form.errors or partners.total_error_count() or items.total_error_count()
    )
    return render(
        request,
        "partnerships/agreement_form.html",
        {
            "draft": draft,
            "proposal": draft.proposal,
            "form": form,
            "partners": partners,
            "items": items,
            "history": [
                {
                    "date": row.history_date,
                    "step": actions.step_description(row.history_change_reason),
                    "user": row.history_user,
                }
                for row in draft.history.select_related("history_user").order_by("history_date")
            ],
        },
        status=400 if invalid else 200,
    )


@login_required
@require_POST
@_refusals_as_403
def agreement_publish(request: HttpRequest, proposal_id: int) -> HttpResponse:
    draft = _draft_or_404(request, proposal_id)
    if not _confirmed(request):
        return _ask_to_confirm(
            request,
            question=_("この協定を公開しますか？"),
            consequence=_(
                "協定名・概要・連携先・連携内容がサイト、API、オープンデータで公開されます。"
                "連携先の新しい団体は登録簿に加わります。"
            ),
            button=_("公開する"),
            cancel_url=reverse("partnerships:agreement", args=[proposal_id]),
        )
    try:
        actions.publish_agreement(request.user, draft)
    except actions.ProposalError as error:
        messages.error(request, error.message)
        return redirect("partnerships:agreement", proposal_id=proposal_id)
    messages.success(request, _("協定を公開しました。"))
    return redirect("partnerships:proposal", proposal_id=proposal_id)


# --- what proposers write when an action is what they need --------------------------------------


# An action named in a page's <title> is cut to this many characters (with "…").
TITLE_LENGTH = 40


def _current_version_or_404() -> PlanVersion:
    version = current_version()
    if version is None:
        raise Http404
    return version


@login_required
@require_safe
def needs_list(request: HttpRequest) -> HttpResponse:
    """The current edition's actions by theme and fiscal year, with their phrase counts and
    whether staff changed them."""
    _needs_staff_only(request)
    version = _current_version_or_404()
    themes = list(Theme.objects.filter(version=version).order_by("position"))
    code = request.GET.get("theme", "")
    chosen = next((theme for theme in themes if theme.code == code), None)
    listed = actions_in_plan_order(version)
    if chosen is not None:
        listed = listed.filter(theme=chosen)
    rows = list(listed)
    found = needs.all_needs(version.plan, [action.key for action in rows])
    groups: list[dict[str, Any]] = []
    for action in rows:
        if not groups or groups[-1]["theme"] != action.theme:
            groups.append({"theme": action.theme, "periods": []})
        periods = groups[-1]["periods"]
        if not periods or periods[-1]["period"] != action.period:
            label = action.period.display_en() if is_english() else action.period.display_ja()
            periods.append({"period": action.period, "label": label, "actions": []})
        periods[-1]["actions"].append({"action": action, "needs": found[action.key]})
    return render(
        request,
        "partnerships/needs_list.html",
        {"themes": themes, "chosen": chosen, "groups": groups, "version": version},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_refusals_as_403
def needs_edit(request: HttpRequest, key: str) -> HttpResponse:
    """An action's phrases in Japanese and English, saved as staff's own (they replace the
    bundled ones), with the history of their changes."""
    _needs_staff_only(request)
    version = _current_version_or_404()
    action = get_object_or_404(
        Action.objects.select_related("theme", "period"), version=version, key=key
    )
    current = needs.needs_of(version.plan, key)
    if request.method == "POST":
        form = NeedsForm(request.POST)
        if form.is_valid():
            japanese, english = form.cleaned_data["phrases_ja"], form.cleaned_data["phrases_en"]
            if (japanese, english) == (current.japanese, current.english):
                # Storing the phrases in use would stop the action following the bundled ones.
                messages.info(request, pgettext("needs", "変更はありません。"))
            else:
                needs.save_needs(request.user, version.plan, key, japanese, english)
                messages.success(request, _("ニーズの表現を保存しました。"))
            return redirect("partnerships:needs_edit", key=key)
        # After a failed save the keyboard starts at the first field to correct.
        first_invalid = next(name for name in form.fields if name in form.errors)
        form.fields[first_invalid].widget.attrs["autofocus"] = True
    else:
        form = NeedsForm(
            initial={
                "phrases_ja": "\n".join(current.japanese),
                "phrases_en": "\n".join(current.english),
            }
        )
    return render(
        request,
        "partnerships/needs_form.html",
        {
            "action": action,
            "needs": current,
            "form": form,
            "history": needs.history(version.plan, key),
            "short_name": Truncator(localized(action, "text")).chars(TITLE_LENGTH),
            "period_label": (
                action.period.display_en() if is_english() else action.period.display_ja()
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@_refusals_as_403
def needs_restore(request: HttpRequest, key: str) -> HttpResponse:
    _needs_staff_only(request)
    version = _current_version_or_404()
    action = get_object_or_404(Action, version=version, key=key)
    if not _confirmed(request):
        name = localized(action, "text")
        return _ask_to_confirm(
            request,
            question=_("「%(action)s」を同梱の表現に戻しますか？") % {"action": name},
            title=_("「%(action)s」を同梱の表現に戻しますか？")
            % {"action": Truncator(name).chars(TITLE_LENGTH)},
            consequence=_(
                "この取組について事務局が保存した表現は使われなくなり、計画に同梱の表現が"
                "使われます。これまでの変更は履歴に残ります。"
            ),
            button=_("同梱の表現に戻す"),
            cancel_url=reverse("partnerships:needs_edit", args=[action.key]),
        )
    if needs.restore_needs(request.user, version.plan, key):
        messages.success(request, _("同梱の表現に戻しました。"))
    else:
        messages.info(request, _("この取組の表現は同梱のままです。"))
    return redirect("partnerships:needs_edit", key=key)
