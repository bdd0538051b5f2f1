from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from actionplan.plans.localized import LocalizedChoiceField, LocalizedMultipleChoiceField
from actionplan.plans.models import Action, MemberGovernment, PlanVersion, Theme

from .actions import ReportInput, TargetInput
from .models import Direction, Indicator, Status


class ReportForm(forms.Form):
    status = forms.ChoiceField(label=_("状況"), choices=Status.choices)
    percent = forms.IntegerField(label=_("進捗率（%）"), min_value=0, max_value=100)
    narrative_ja = forms.CharField(
        label=_("取組内容（日本語）"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    narrative_en = forms.CharField(
        label=_("取組内容（英語・任意）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    evidence_links = forms.CharField(
        label=_("根拠資料のURL（1行に1つ）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    # The revision the editor started from; a save based on an older one is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def report_input(self) -> ReportInput:
        data: dict[str, Any] = self.cleaned_data
        return ReportInput(
            status=data["status"],
            percent=data["percent"],
            narrative_ja=data["narrative_ja"],
            narrative_en=data["narrative_en"],
            evidence_links=data["evidence_links"].splitlines(),
        )


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(
        label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    governments = LocalizedMultipleChoiceField(
        label=_("担当する構成府県市"),
        queryset=MemberGovernment.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class CycleForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("提出期限"), widget=forms.DateInput(attrs={"type": "date"}))


class UploadForm(forms.Form):
    workbook = forms.FileField(label=_("進捗報告ワークブック（.xlsx）"))

    def clean_workbook(self) -> Any:
        upload = self.cleaned_data["workbook"]
        limit = settings.PROGRESS_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("ファイルが大きすぎます（%(size)s、上限 %(limit)s）"),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        return upload


class IndicatorForm(forms.Form):
    name_ja = forms.CharField(label=_("指標の名前（日本語）"), max_length=200)
    name_en = forms.CharField(label=_("指標の名前（英語・任意）"), max_length=200, required=False)
    unit = forms.CharField(label=_("単位"), max_length=30, required=False)
    source = forms.CharField(label=_("出典"), max_length=300, required=False)
    theme = LocalizedChoiceField(
        label=pgettext_lazy("progress", "テーマ"), queryset=Theme.objects.none(), required=False
    )
    action_id = forms.IntegerField(
        label=_("取組のID（テーマの代わりに取組に結び付けるとき）"), min_value=1, required=False
    )

    def __init__(self, *args: Any, version: PlanVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        theme_field = cast("forms.ModelChoiceField[Theme]", self.fields["theme"])
        theme_field.queryset = Theme.objects.filter(version=version).order_by("position")

    def clean_action_id(self) -> Action | None:
        action_id = self.cleaned_data.get("action_id")
        if action_id is None:
            return None
        action = Action.objects.filter(pk=action_id, version=self.version).first()
        if action is None:
            raise forms.ValidationError(_("現行の計画にこのIDの取組はありません"))
        return action


class IndicatorValueForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    value = forms.DecimalField(label=_("値"), max_digits=20, decimal_places=4)
    note = forms.CharField(
        label=_("注記"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReportIndicatorValueForm(forms.Form):
    """A value given by the reporting body with its report, for its action's indicators."""

    indicator = forms.ModelChoiceField(label=_("指標"), queryset=Indicator.objects.none())
    value = forms.DecimalField(label=_("値"), max_digits=20, decimal_places=4)
    note = forms.CharField(
        label=_("注記"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicator_field = cast("forms.ModelChoiceField[Indicator]", self.fields["indicator"])
        indicator_field.queryset = Indicator.objects.filter(action=action)


class TargetForm(forms.Form):
    """An indicator's baseline and target; the status rule is in targets.py."""

    baseline_value = forms.DecimalField(
        label=_("基準値"), max_digits=20, decimal_places=4, required=False
    )
    baseline_year = forms.IntegerField(
        label=_("基準年度"), min_value=2000, max_value=2100, required=False
    )
    target_value = forms.DecimalField(
        label=_("目標値"), max_digits=20, decimal_places=4, required=False
    )
    target_year = forms.IntegerField(
        label=_("目標年度"), min_value=2000, max_value=2100, required=False
    )
    direction = forms.ChoiceField(label=_("良い向き"), choices=Direction.choices)
    revision = forms.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, widget=forms.HiddenInput
    )

    def target_input(self) -> TargetInput:
        data: dict[str, Any] = self.cleaned_data
        return TargetInput(
            data["baseline_value"],
            data["baseline_year"],
            data["target_value"],
            data["target_year"],
            data["direction"],
        )
