"""The catalogue a reader writes a new test set from (`data/partnerships/README.md`): the
current edition's themes, actions, agreements and hubs, with the keys a set's `expected` names,
and nothing of the engine, its lexicon, the needs, the examples or the other sets.

    python -m actionplan.partnerships.catalogue > catalogue.txt

Runs on the configured database, which must hold the imported plan and the reference data.
"""

from __future__ import annotations

import os
import sys


def catalogue() -> str:
    from actionplan.plans.models import Hub, MemberGovernment, Partnership, Theme
    from actionplan.plans.queries import current_version

    from .queries import actions_in_plan_order

    version = current_version()
    if version is None:
        raise SystemExit("no plan is imported: run `actionplan import` first")
    lines = ["# THEMES (code | name_ja | name_en)"]
    for theme in Theme.objects.filter(version=version).order_by("position"):
        lines.append(f"{theme.code} | {theme.name_ja} | {theme.name_en}")
    lines.append("\n# ACTIONS (key | theme | period | actor | group | text_ja | text_en)")
    for action in actions_in_plan_order(version):
        fields = [
            action.key,
            action.theme.code,
            str(action.period),
            action.actor,
            action.group_ja,
            action.text_ja,
            action.text_en,
        ]
        lines.append(" | ".join(field.replace("\n", " ") for field in fields))
    lines.append(
        "\n# PARTNERSHIPS (key | theme | title_ja | title_en | outline_ja | partners | items)"
    )
    for partnership in Partnership.objects.prefetch_related("items", "partners").order_by("key"):
        fields = [
            partnership.key,
            partnership.theme_code,
            partnership.title_ja,
            partnership.title_en,
            partnership.outline_ja,
            ", ".join(org.name_ja for org in partnership.partners.all()),
            " / ".join(item.text_ja for item in partnership.items.all()),
        ]
        lines.append(" | ".join(field.replace("\n", " ") for field in fields))
    lines.append("\n# HUBS (name_ja, the key | name_en | themes)")
    for hub in Hub.objects.order_by("name_ja"):
        lines.append(f"{hub.name_ja} | {hub.name_en} | {','.join(hub.theme_codes)}")
    lines.append("\n# MEMBER GOVERNMENTS (lg_code | name_ja | name_en)")
    for government in MemberGovernment.objects.order_by("id"):
        lines.append(f"{government.lg_code} | {government.name_ja} | {government.name_en}")
    return "\n".join(lines) + "\n"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")
    import django

    django.setup()
    sys.stdout.write(catalogue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
