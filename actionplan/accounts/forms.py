from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actionplan.plans.localized import LocalizedChoiceField
from actionplan.plans.models import MemberGovernment

from .models import MailLanguage, NotificationMode, Role


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("メールアドレス"))
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    member_government = LocalizedChoiceField(
        label=_("構成府県市（担当者のみ）"), queryset=MemberGovernment.objects.all(), required=False
    )
    mail_language = forms.ChoiceField(
        label=_("招待メールとお知らせメールの言語"),
        choices=MailLanguage.choices,
        initial=MailLanguage.JA,
        widget=forms.RadioSelect,
        required=False,
    )


class AcceptForm(forms.Form):
    username = forms.CharField(label=_("利用者名"), max_length=150)
    password = forms.CharField(label=_("パスワード"), widget=forms.PasswordInput)


class NotificationForm(forms.Form):
    notification_mode = forms.ChoiceField(
        label=_("お知らせメールの受け取り方"),
        choices=NotificationMode.choices,
        widget=forms.RadioSelect,
    )
    # Optional: a form that does not send it (an older page) keeps the person's language.
    mail_language = forms.ChoiceField(
        label=_("お知らせメールの言語"),
        choices=MailLanguage.choices,
        widget=forms.RadioSelect,
        required=False,
    )
