"""The words an action page gives as the reason a record is related are words a reader knows,
never the stems the matching uses."""

from __future__ import annotations

import re
import unicodedata

from django.test import Client

from actionplan.partnerships.suggest import terms
from actionplan.plans.models import Action, Milestone, Partnership, PlanVersion


def test_related_reasons_show_words_not_stems(client: Client, plan_version: PlanVersion) -> None:
    # Words read earlier in the process (a proposal's "carry") must not stand in for the
    # action's own ("carried"): the full suite once showed "carry", "operate", "realized".
    terms("Firms carry parts, operate plants and realized gains.")
    reasons = []
    for action in Action.objects.filter(version=plan_version).order_by("pk"):
        page = client.get(f"/en/actions/{action.pk}/").content.decode()
        reasons += re.findall(r"Why related: shares the words “([^”]*)”", page)
    words = [w for r in reasons for w in r.split("、")]
    assert words
    english = [w for w in words if w.isascii()]
    assert english  # the English pages do give English words as reasons
    # Snowball stems end cut (concentr, technolog); every word shown is one the text has.
    texts = " ".join(  # folded as the matching folds them (CO₂ → co2)
        [f"{a.text_en} {a.group_en}" for a in Action.objects.filter(version=plan_version)]
        + [f"{d.text_en} {d.group_en}" for d in Milestone.objects.filter(version=plan_version)]
        + [p.title_en for p in Partnership.objects.filter(version=plan_version)]
    )
    words_of_texts = set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", texts).lower()))

    def is_word(label: str) -> bool:  # as written, or the singular of what is written
        return all({w, w + "s", w + "es", w[:-1] + "ies"} & words_of_texts for w in label.split())

    assert [w for w in english if not is_word(w)] == []
