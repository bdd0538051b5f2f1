"""The English catalogue of the portal is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"


def entries(po: str) -> list[dict[str, str]]:
    found = []
    for block in po.split("\n\n"):
        current, parts = "", {}
        for line in block.splitlines():
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                current = match.group(1)
                parts[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += ast.literal_eval(line)
        if parts.get("msgid"):
            found.append(parts)
    return found


def test_every_portal_string_has_an_english_translation() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    rows = entries(po)
    assert len(rows) > 100
    untranslated = [
        row["msgid"] for row in rows if any(not v for k, v in row.items() if k.startswith("msgstr"))
    ]
    assert not untranslated


def test_the_compiled_catalogue_matches_the_source() -> None:
    rows = entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    with (LOCALE / "django.mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for row in rows:
        if "msgctxt" in row:
            assert compiled.pgettext(row["msgctxt"], row["msgid"]) == row["msgstr"]
        elif "msgid_plural" in row:
            assert compiled.ngettext(row["msgid"], row["msgid_plural"], 2) == row["msgstr[1]"]
        else:
            assert compiled.gettext(row["msgid"]) == row["msgstr"]


def test_words_the_portal_uses_in_its_own_sense_do_not_change_other_apps() -> None:
    # The plan calls a year's headline テーマ and a partnership's outline 概要; the portal asks
    # for those senses by context, so the plain words keep their meaning in every other app.
    from django.utils import translation

    from actionplan.partnerships.models import Proposal

    with translation.override("en"):
        assert translation.pgettext("year headline", "テーマ") == "Headline"
        assert translation.pgettext("partnership", "概要") == "Outline"
        assert translation.gettext("テーマ") != "Headline"
        assert translation.gettext("概要") != "Outline"
        assert str(Proposal._meta.get_field("theme_codes").verbose_name) == "Themes"
        assert str(Proposal._meta.get_field("summary").verbose_name) == "Summary"
