"""Names of plan records in the page's language, as plain text.

The plain-text counterpart of the portal's ``loc`` template filter, for names that are built in
Python (form choices, chart labels, messages): ``obj.<field>_en`` on English pages where there is
one, else the Japanese ``obj.<field>_ja``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def localized(obj: Any, field: str) -> str:
    japanese = str(getattr(obj, f"{field}_ja", "") or "")
    if not is_english():
        return japanese
    return str(getattr(obj, f"{field}_en", "") or "") or japanese


class LocalizedChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of records with a ``name_ja``/``name_en``, labelled when the form is rendered."""

    def label_from_instance(self, obj: Any) -> str:
        return localized(obj, "name")


class LocalizedMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return localized(obj, "name")
