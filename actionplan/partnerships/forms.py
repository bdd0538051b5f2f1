"""Forms of the desk. They turn posted text into typed values; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from actionplan.plans.models import MemberGovernment, Organization, Partnership, Theme
from actionplan.plans.queries import current_version

from .actions import ProposalError, check_attachments
from .needs import MAX_PHRASE_LENGTH, MAX_PHRASES, distinct, phrase_errors, phrase_lines


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, as Django's documentation shows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# A hint for the browser's file picker only; the server judges by content.
_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.png,.jpg,.jpeg,.gif,.webp"


def theme_choices() -> list[tuple[str, str]]:
    version = current_version()
    if version is None:
        return []
    english = (get_language() or "ja").startswith("en")
    return [
        (theme.code, (theme.name_en if english and theme.name_en else theme.name_ja))
        for theme in Theme.objects.filter(version=version).order_by("position")
    ]


class GovernmentChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        english = (get_language() or "ja").startswith("en")
        return str(obj.name_en if english and obj.name_en else obj.name_ja)


class ProposalForm(forms.Form):
    organization_name = forms.CharField(label=_("組織名"), max_length=200)
    organization_kind = forms.ChoiceField(label=_("組織の種類"), choices=Organization.Kind.choices)
    contact_name = forms.CharField(label=_("担当者名"), max_length=100)
    email = forms.EmailField(label=pgettext_lazy("proposal", "メールアドレス"))
    phone = forms.CharField(label=_("電話番号（任意）"), max_length=30, required=False)
    themes = forms.MultipleChoiceField(
        label=pgettext_lazy("proposal", "テーマ"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    title = forms.CharField(label=_("件名"), max_length=200)
    summary = forms.CharField(
        label=pgettext_lazy("proposal", "概要"), max_length=2000, widget=forms.Textarea
    )
    details = forms.CharField(
        label=_("詳細（任意）"), max_length=20000, widget=forms.Textarea, required=False
    )
    member_governments = GovernmentChoiceField(
        label=_("関心のある構成府県市（任意）"),
        queryset=MemberGovernment.objects.order_by("id"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attachments = MultipleFileField(label=_("添付ファイル（任意）"), required=False)
    consent = forms.BooleanField(label=_("個人情報の取扱いに同意します"))
    # A field people never see (hidden by CSS and aria-hidden): only robots fill it in.
    website = forms.CharField(required=False, label=_("ウェブサイト（記入しないでください）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = theme_choices()  # type: ignore[attr-defined]
        self.fields["attachments"].help_text = _(
            "PDF・Office文書・画像、%(count)d件まで、各%(size)dMBまで"
        ) % {
            "count": settings.PROPOSAL_MAX_ATTACHMENTS,
            "size": settings.PROPOSAL_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        try:
            check_attachments(files)
        except ProposalError as error:
            raise forms.ValidationError(error.message) from error
        return files

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class NoteForm(forms.Form):
    body = forms.CharField(label=_("メモ"), widget=forms.Textarea, max_length=10000)


class HubForm(forms.Form):
    name_ja = forms.CharField(label=_("名称"), max_length=200)
    name_en = forms.CharField(
        label=pgettext_lazy("organization", "名称（英語）"), max_length=200, required=False
    )
    lat = forms.DecimalField(label=_("緯度"), max_digits=9, decimal_places=6)
    lon = forms.DecimalField(label=_("経度"), max_digits=9, decimal_places=6)
    theme_codes = forms.MultipleChoiceField(
        label=pgettext_lazy("proposal", "テーマ"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme_codes"].choices = theme_choices()  # type: ignore[attr-defined]


class NeedsForm(forms.Form):
    """An action's needs: one phrase per line in each language; blank lines are ignored."""

    phrases_ja = forms.CharField(
        label=_("ニーズの表現（日本語）"),
        widget=forms.Textarea(attrs={"rows": 10, "lang": "ja"}),
        required=False,
        # Stripped line by line: stripping the whole text would renumber the lines.
        strip=False,
    )
    phrases_en = forms.CharField(
        label=_("ニーズの表現（英語）"),
        widget=forms.Textarea(attrs={"rows": 10, "lang": "en"}),
        required=False,
        # Stripped line by line: stripping the whole text would renumber the lines.
        strip=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.help_text = _(
                "1行に1つ、%(limit)d件まで。各%(length)d文字まで。空の行は無視されます。"
            ) % {"limit": MAX_PHRASES, "length": MAX_PHRASE_LENGTH}

    def _phrases(self, name: str) -> list[str]:
        text = self.cleaned_data.get(name, "")
        errors = phrase_errors(text, str(self.fields[name].label))
        if errors:
            raise forms.ValidationError(errors)
        # A phrase written twice (or in another case or width) is kept once.
        return distinct([phrase for _line, phrase in phrase_lines(text)])

    def clean_phrases_ja(self) -> list[str]:
        return self._phrases("phrases_ja")

    def clean_phrases_en(self) -> list[str]:
        return self._phrases("phrases_en")


class OrganizationForm(forms.Form):
    name_ja = forms.CharField(label=_("名称"), max_length=200)
    name_en = forms.CharField(
        label=pgettext_lazy("organization", "名称（英語）"), max_length=200, required=False
    )
    kind = forms.ChoiceField(label=_("種類"), choices=Organization.Kind.choices)
    corporate_number = forms.CharField(label=_("法人番号（任意）"), max_length=13, required=False)


class OrganizationChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        english = (get_language() or "ja").startswith("en")
        return str(obj.name_en if english and obj.name_en else obj.name_ja)


class AgreementForm(forms.Form):
    """The draft agreement of an agreed proposal; partners new to the registry and the numbered
    content items are formsets next to it."""

    title_ja = forms.CharField(label=_("協定名"), max_length=300)
    title_en = forms.CharField(label=_("協定名（英語）"), max_length=300, required=False)
    theme_code = forms.ChoiceField(label=pgettext_lazy("agreement", "テーマ"), required=False)
    outline_ja = forms.CharField(
        label=pgettext_lazy("agreement", "概要"), widget=forms.Textarea, required=False
    )
    outline_en = forms.CharField(label=_("概要（英語）"), widget=forms.Textarea, required=False)
    partners = OrganizationChoiceField(
        label=_("連携先（登録済みの団体）"),
        queryset=Organization.objects.order_by("name_ja"),
        required=False,
    )
    member_governments = GovernmentChoiceField(
        label=pgettext_lazy("agreement", "構成府県市"),
        queryset=MemberGovernment.objects.order_by("id"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    date_kind = forms.ChoiceField(label=_("日付の種類"), choices=Partnership.DateKind.choices)
    date_year = forms.IntegerField(
        label=_("年（西暦）"), min_value=1900, max_value=2200, required=False
    )
    date_month = forms.IntegerField(label=_("月"), min_value=1, max_value=12, required=False)
    date_day = forms.IntegerField(
        label=_("日（月までのときは空欄）"), min_value=1, max_value=31, required=False
    )
    source_name_ja = forms.CharField(label=_("出典"), max_length=200, required=False)
    source_name_en = forms.CharField(label=_("出典（英語）"), max_length=200, required=False)
    source_url = forms.URLField(
        label=_("出典のURL"), max_length=500, required=False, assume_scheme="https"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme_code"].choices = [("", "—"), *theme_choices()]  # type: ignore[attr-defined]


class NewPartnerForm(forms.Form):
    name_ja = forms.CharField(label=_("団体名"), max_length=200)
    name_en = forms.CharField(
        label=pgettext_lazy("organization", "名称（英語）"), max_length=200, required=False
    )
    # An empty first choice, so that an unused blank row of the formset stays unchanged.
    kind = forms.ChoiceField(
        label=_("種類"), choices=[("", "—"), *Organization.Kind.choices], required=False
    )
    corporate_number = forms.CharField(label=_("法人番号（任意）"), max_length=13, required=False)


class AgreementItemForm(forms.Form):
    text_ja = forms.CharField(label=_("連携内容"), widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(
        label=_("連携内容（英語）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


NewPartnerFormSet = forms.formset_factory(NewPartnerForm, extra=1, can_delete=True)
AgreementItemFormSet = forms.formset_factory(AgreementItemForm, extra=2, can_delete=True)
