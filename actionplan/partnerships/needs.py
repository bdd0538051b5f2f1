"""Staff keep each action's needs on a page: the phrases proposers write when that action is
what they need. A stored row (`ActionNeeds`) replaces the bundled file's entry for its key;
restoring the bundled phrases deletes the row. Every change is kept in the row's history."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from actionplan.accounts.permissions import AnyUser, is_bureau, require
from actionplan.plans.localized import is_english
from actionplan.plans.models import Plan

from .models import ActionNeeds
from .suggest import bundled_phrases

# At most this many phrases per language, each at most this many characters.
MAX_PHRASES = 20
MAX_PHRASE_LENGTH = 80


def phrase_lines(text: str) -> list[tuple[int, str]]:
    """The phrases of a textarea with their line numbers (from 1): stripped, blank lines left
    out."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def distinct(phrases: list[str]) -> list[str]:
    """The phrases without later repeats: two phrases are the same when they are equal after
    NFKC normalization and case folding ("Trade Fair" and "trade fair", full- and half-width)."""
    seen: set[str] = set()
    kept = []
    for phrase in phrases:
        folded = unicodedata.normalize("NFKC", phrase).casefold()
        if folded not in seen:
            seen.add(folded)
            kept.append(phrase)
    return kept


def phrase_errors(text: str, field: str) -> list[str]:
    """What is wrong with a textarea's phrases, each message naming the field and the line."""
    lines = phrase_lines(text)
    errors = [
        _("%(field)s %(line)d行目: 表現は%(limit)d文字までです（%(length)d文字）。")
        % {"field": field, "line": number, "limit": MAX_PHRASE_LENGTH, "length": len(phrase)}
        for number, phrase in lines
        if len(phrase) > MAX_PHRASE_LENGTH
    ]
    if len(lines) > MAX_PHRASES:
        errors.append(
            _("%(field)s %(line)d行目: 表現は%(limit)d件までです（%(count)d件あります）。")
            % {
                "field": field,
                "line": lines[MAX_PHRASES][0],
                "limit": MAX_PHRASES,
                "count": len(lines),
            }
        )
    return errors


@dataclass
class Needs:
    """An action's needs as the suggestions use them, and whether staff have changed them."""

    japanese: list[str]
    english: list[str]
    stored: ActionNeeds | None

    @property
    def changed(self) -> bool:
        return self.stored is not None


def needs_of(plan: Plan, key: str) -> Needs:
    return all_needs(plan, [key])[key]


def all_needs(plan: Plan, keys: list[str]) -> dict[str, Needs]:
    """The needs of these actions: the stored row where staff saved one, else the bundled
    phrases (the rule `suggest.action_needs` applies to the ranking)."""
    stored = {
        row.action_key: row for row in ActionNeeds.objects.filter(plan=plan, action_key__in=keys)
    }
    found = {}
    for key in keys:
        row = stored.get(key)
        if row is not None:
            found[key] = Needs(row.japanese, row.english, row)
        else:
            found[key] = Needs(*bundled_phrases(key), None)
    return found


def save_needs(
    user: AnyUser, plan: Plan, key: str, japanese: list[str], english: list[str]
) -> ActionNeeds:
    """Staff's phrases replace the action's bundled ones (an empty list: no needs)."""
    require(is_bureau(user), "only bureau staff edit the actions' needs")
    japanese, english = distinct(japanese), distinct(english)
    try:
        return _save_needs(user, plan, key, japanese, english)
    except IntegrityError:
        # Two first saves of one action at once: the other made the row; this one updates it.
        return _save_needs(user, plan, key, japanese, english)


def _save_needs(
    user: AnyUser, plan: Plan, key: str, japanese: list[str], english: list[str]
) -> ActionNeeds:
    with transaction.atomic():
        row = ActionNeeds.objects.select_for_update().filter(
            plan=plan, action_key=key
        ).first() or ActionNeeds(plan=plan, action_key=key)
        row.phrases_ja = "\n".join(japanese)
        row.phrases_en = "\n".join(english)
        row.changed_by = user  # type: ignore[assignment]
        row._history_user = user  # type: ignore[attr-defined]
        row.save()
    return row


def restore_needs(user: AnyUser, plan: Plan, key: str) -> bool:
    """The bundled phrases again: the stored row goes (its history stays). False if there was
    none."""
    require(is_bureau(user), "only bureau staff edit the actions' needs")
    with transaction.atomic():
        row = ActionNeeds.objects.select_for_update().filter(plan=plan, action_key=key).first()
        if row is None:
            return False
        row._history_user = user  # type: ignore[attr-defined]
        row.delete()
    return True


def _marked(phrases: list[str], lang: str) -> SafeString:
    """The phrases each quoted and marked with its own language: a phrase may hold the page's
    separator (「相手を探したい、できれば関西で」), a quote shows where each begins and ends."""
    if is_english():
        return format_html_join(", ", '“<span lang="{}">{}</span>”', ((lang, p) for p in phrases))
    return format_html_join("", '「<span lang="{}">{}</span>」', ((lang, p) for p in phrases))


def _told(template: str, language: str, phrases: SafeString) -> SafeString:
    # The message's text escaped, then the phrases (already escaped and marked) put in.
    return mark_safe(  # noqa: S308 - every part is escaped
        conditional_escape(template)
        % {"language": conditional_escape(language), "phrases": phrases}
    )


def _difference(before: list[str], after: list[str], language: str, lang: str) -> list[str]:
    added = [p for p in after if p not in before]
    removed = [p for p in before if p not in after]
    parts: list[str] = []
    if added:
        parts.append(_told(_("%(language)s 追加: %(phrases)s"), language, _marked(added, lang)))
    if removed:
        parts.append(_told(_("%(language)s 削除: %(phrases)s"), language, _marked(removed, lang)))
    return parts


def history(plan: Plan, key: str) -> list[dict[str, Any]]:
    """Who changed an action's needs, when and what, the latest first. Each change is told
    against the phrases used before it (the bundled ones before the first save and after a
    restore)."""
    bundled = bundled_phrases(key)
    records = (
        ActionNeeds.history.filter(plan=plan, action_key=key)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    rows = []
    before = bundled
    for record in records:
        if record.history_type == "-":
            after = bundled
            changes = [_("同梱の表現に戻しました。")]
        else:
            # Rows saved before repeats were dropped list a phrase once here too.
            after = (
                distinct([line for line in record.phrases_ja.splitlines() if line]),
                distinct([line for line in record.phrases_en.splitlines() if line]),
            )
            changes = _difference(before[0], after[0], _("日本語"), "ja") + _difference(
                before[1], after[1], _("英語"), "en"
            )
            if not changes:
                changes = [_("変更なし")]
        rows.append({"date": record.history_date, "user": record.history_user, "changes": changes})
        before = after
    rows.reverse()
    return rows
