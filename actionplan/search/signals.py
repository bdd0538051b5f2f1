"""Keep the index in step with every write to the plan data.

Work is deferred to ``transaction.on_commit``: an import writes a version in one transaction and the
index is rebuilt once it is committed, from what is then stored, by a job of the task queue. Bulk
writes send no signals, which is why a new ``PlanVersion`` triggers a full rebuild; single records
are re-indexed one by one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from actionplan.jobs.queue import enqueue
from actionplan.plans import models as plans

from . import actions
from .models import Kind

RECORD_KINDS: dict[type[Any], str] = {
    plans.Action: Kind.ACTION,
    plans.YearTheme: Kind.YEAR_THEME,
    plans.Theme: Kind.THEME,
    plans.Milestone: Kind.MILESTONE,
    plans.Partnership: Kind.PARTNERSHIP,
    plans.Hub: Kind.HUB,
}


def _reindex_later(kind: str, object_id: int) -> None:
    transaction.on_commit(lambda: actions.index_record(kind, object_id))


@receiver(post_save, sender=plans.PlanVersion)
def on_version_saved(sender: type[plans.PlanVersion], **kwargs: Any) -> None:
    enqueue(actions.rebuild_index)


@receiver(post_delete, sender=plans.PlanVersion)
def on_version_deleted(sender: type[plans.PlanVersion], **kwargs: Any) -> None:
    enqueue(actions.rebuild_index)


def on_record_changed(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    _reindex_later(RECORD_KINDS[sender], instance.pk)


for _model in RECORD_KINDS:
    post_save.connect(on_record_changed, sender=_model, dispatch_uid=f"search-save-{_model}")
    post_delete.connect(on_record_changed, sender=_model, dispatch_uid=f"search-del-{_model}")


@receiver(post_save, sender=plans.PartnershipItem)
@receiver(post_delete, sender=plans.PartnershipItem)
def on_partnership_item_changed(
    sender: type[plans.PartnershipItem], instance: plans.PartnershipItem, **kwargs: Any
) -> None:
    # An agreement's index row holds the text of its content items (an English one written
    # on the staff translation page, say).
    _reindex_later(Kind.PARTNERSHIP, instance.partnership_id)


@receiver(post_save, sender=plans.ActionAssignment)
@receiver(post_delete, sender=plans.ActionAssignment)
def on_assignment_changed(
    sender: type[plans.ActionAssignment], instance: plans.ActionAssignment, **kwargs: Any
) -> None:
    _reindex_later(Kind.ACTION, instance.action_id)


@receiver(m2m_changed, sender=plans.ActionAssignment)
@receiver(m2m_changed, sender=plans.Partnership.member_governments.through)
@receiver(m2m_changed, sender=plans.Partnership.partners.through)
def on_relation_changed(
    sender: type[Any],
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if not action.startswith("post_"):
        return
    # From the other side (government.actions.add(...)) the changed records are in pk_set.
    if reverse:
        kind = Kind.ACTION if sender is plans.ActionAssignment else Kind.PARTNERSHIP
        for pk in pk_set or ():
            _reindex_later(kind, pk)
    elif isinstance(instance, plans.Action):
        _reindex_later(Kind.ACTION, instance.pk)
    elif isinstance(instance, plans.Partnership):
        _reindex_later(Kind.PARTNERSHIP, instance.pk)
