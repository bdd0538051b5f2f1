from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from actionplan.plans.models import MemberGovernment

from .actions import ReportInput
from .models import Status


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
    governments = forms.ModelMultipleChoiceField(
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
                _("ファイルが大きすぎます（%(size)s バイト、上限 %(limit)s バイト）"),
                params={"size": upload.size, "limit": limit},
            )
        return upload
