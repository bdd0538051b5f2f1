"""Writes to the search index: index one record, rebuild everything, keep it current.

The index holds the CURRENT plan version's themes (with their desired state), year headlines,
actions and milestones, the partnerships of that version or recorded by staff (no version), and
the hubs. Each function owns its transaction; the index is derived data, so there is no history.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from actionplan.jobs.queue import enqueue
from actionplan.plans import models as plans

from . import backends
from .models import FacetGroup, IndexState, Kind, SearchDocument
from .postings import glossary_digest, term_weights
from .tokenize import document_terms

SHORT_TITLE = 60
# The job id of a rebuild started by a search: while one waits or runs, searches start no other.
REBUILD_JOB = "search-rebuild"


def _fiscal_year(year: int | None, month: int | None) -> int | None:
    if year is None:
        return None
    # The fiscal year runs April to March: January 2025 belongs to FY2024.
    return year - 1 if month is not None and month < 4 else year


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TITLE else text[: SHORT_TITLE - 1] + "…"


def _codes(governments: Iterable[plans.MemberGovernment]) -> str:
    codes = sorted(g.lg_code for g in governments)
    return f" {' '.join(codes)} " if codes else ""


@dataclass
class Source:
    """What a record contributes to the index, before tokenizing."""

    kind: str
    record: Any
    key: str
    url_path: str
    title_ja: str
    title_en: str
    text_ja: str
    text_en: str
    # Title-like text is ranked above the long text; empty when the record has no heading.
    heading: str = ""
    extra: str = ""
    theme_code: str = ""
    fiscal_year: int | None = None
    open_ended: bool = False
    actor: str = ""
    lg_codes: str = ""


def _joined(*texts: str) -> str:
    return "\n".join(t for t in texts if t)


def source_terms(source: Source) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms of a source's title and body (tokenized once per text: `document_terms`
    keeps the latest texts, so the rebuild after an activation reuses what the verification
    of the same version tokenized)."""
    title = document_terms(source.heading) if source.heading else ()
    return title, document_terms(_joined(source.text_ja, source.text_en, source.extra))


def document_from(source: Source) -> SearchDocument:
    """Tokenize a source into an unsaved index row."""
    title, body = source_terms(source)
    return SearchDocument(
        kind=source.kind,
        object_id=source.record.pk,
        key=source.key,
        theme_code=source.theme_code,
        fiscal_year=source.fiscal_year,
        open_ended=source.open_ended,
        actor=source.actor,
        lg_codes=source.lg_codes,
        title_ja=source.title_ja,
        title_en=source.title_en,
        text_ja=source.text_ja,
        text_en=source.text_en,
        url_path=source.url_path,
        title_terms=f" {' '.join(title)} " if title else "",
        body_terms=f" {' '.join(body)} " if body else "",
        title_length=len(title),
        body_length=len(body),
    )


def _action(action: plans.Action) -> Source:
    return Source(
        kind=Kind.ACTION,
        record=action,
        key=action.key,
        url_path=f"/actions/{action.pk}/",
        title_ja=_short(action.text_ja),
        title_en=_short(action.text_en),
        text_ja=action.text_ja,
        text_en=action.text_en,
        extra=_joined(action.group_ja, action.group_en),
        theme_code=action.theme.code,
        fiscal_year=action.period.fiscal_year_start,
        open_ended=action.period.fiscal_year_end is None,
        actor=action.actor,
        lg_codes=_codes(action.member_governments.all()),
    )


def _year_theme(headline: plans.YearTheme) -> Source:
    return Source(
        kind=Kind.YEAR_THEME,
        record=headline,
        key=headline.key,
        url_path=f"/themes/{headline.theme.code}/",
        title_ja=headline.text_ja,
        title_en=headline.text_en,
        text_ja=headline.text_ja,
        text_en=headline.text_en,
        heading=_joined(headline.text_ja, headline.text_en),
        theme_code=headline.theme.code,
        fiscal_year=headline.period.fiscal_year_start,
        open_ended=headline.period.fiscal_year_end is None,
    )


def _theme(theme: plans.Theme) -> Source:
    return Source(
        kind=Kind.THEME,
        record=theme,
        key=f"{theme.code}.theme",
        url_path=f"/themes/{theme.code}/",
        title_ja=theme.name_ja,
        title_en=theme.name_en,
        text_ja=theme.desired_state_ja,
        text_en=theme.desired_state_en,
        heading=_joined(theme.name_ja, theme.name_en, theme.heading_ja),
        extra=_joined(theme.desired_state_note_ja, theme.desired_state_note_en),
        theme_code=theme.code,
    )


def _milestone(milestone: plans.Milestone) -> Source:
    return Source(
        kind=Kind.MILESTONE,
        record=milestone,
        key=milestone.key,
        url_path=f"/themes/{milestone.theme.code}/#development-{milestone.pk}",
        title_ja=_short(milestone.text_ja),
        title_en=_short(milestone.text_en),
        text_ja=milestone.text_ja,
        text_en=milestone.text_en,
        extra=_joined(
            milestone.note_ja,
            milestone.note_en,
            milestone.figure_label_ja,
            milestone.figure_label_en,
            milestone.group_ja,
            milestone.group_en,
        ),
        theme_code=milestone.theme.code,
        fiscal_year=_fiscal_year(milestone.date_year, milestone.date_month),
    )


def _partnership(partnership: plans.Partnership) -> Source:
    items = list(partnership.items.all())
    governments = list(partnership.member_governments.all())
    partners = list(partnership.partners.all())
    return Source(
        kind=Kind.PARTNERSHIP,
        record=partnership,
        key=partnership.key or f"partnership.{partnership.pk}",
        url_path=f"/partnerships/{partnership.pk}/",
        title_ja=partnership.title_ja,
        title_en=partnership.title_en,
        text_ja=_joined(partnership.outline_ja, *(i.text_ja for i in items)),
        text_en=_joined(partnership.outline_en, *(i.text_en for i in items)),
        heading=_joined(partnership.title_ja, partnership.title_en),
        extra=_joined(
            *(g.name_ja for g in governments),
            *(g.name_en for g in governments),
            *(p.name_ja for p in partners),
            *(p.name_en for p in partners),
        ),
        theme_code=partnership.theme_code,
        fiscal_year=_fiscal_year(partnership.date_year, partnership.date_month),
        lg_codes=_codes(governments),
    )


def _hub(hub: plans.Hub) -> Source:
    return Source(
        kind=Kind.HUB,
        record=hub,
        key=f"hub.{hub.name_ja}",
        url_path=f"/hubs/#hub-{hub.pk}",
        title_ja=hub.name_ja,
        title_en=hub.name_en,
        text_ja=hub.name_ja,
        text_en=hub.name_en,
        heading=_joined(hub.name_ja, hub.name_en),
        theme_code=hub.theme_codes[0] if hub.theme_codes else "",
    )


def _current_version() -> plans.PlanVersion | None:
    return plans.PlanVersion.objects.filter(is_current=True).order_by("-pk").first()


def sources(version: plans.PlanVersion | None) -> list[Source]:
    """Everything the index should hold for this version and the registry."""
    found: list[Source] = []
    if version is not None:
        themes = plans.Theme.objects.filter(version=version).order_by("position")
        found += [_theme(t) for t in themes]
        headlines = plans.YearTheme.objects.filter(version=version).select_related(
            "theme", "period"
        )
        found += [_year_theme(h) for h in headlines]
        actions = (
            plans.Action.objects.filter(version=version)
            .select_related("theme", "period")
            .prefetch_related("member_governments")
        )
        found += [_action(a) for a in actions]
        milestones = plans.Milestone.objects.filter(version=version).select_related("theme")
        found += [_milestone(m) for m in milestones]
    partnerships = (
        plans.Partnership.objects.filter(version__isnull=True)
        if version is None
        else plans.Partnership.objects.filter(version=version)
        | plans.Partnership.objects.filter(version__isnull=True)
    )
    found += [
        _partnership(p)
        for p in partnerships.prefetch_related("items", "member_governments", "partners")
    ]
    found += [_hub(h) for h in plans.Hub.objects.all()]
    return found


class FacetGroups:
    """The id of each combination of facet values on one side of the index, created when first
    needed; postings carry it times the side."""

    def __init__(self, side: int = 1) -> None:
        self.side = side
        self.ids = {self._values(g): g.pk for g in FacetGroup.objects.filter(side=side)}

    @staticmethod
    def _values(record: SearchDocument | FacetGroup) -> tuple[Any, ...]:
        return (
            record.kind,
            record.theme_code,
            record.fiscal_year,
            record.open_ended,
            record.actor,
            record.lg_codes,
        )

    def id_for(self, document: SearchDocument) -> int:
        values = self._values(document)
        if values not in self.ids:
            group = FacetGroup.objects.create(
                side=self.side, **dict(zip(FACET_FIELDS, values, strict=True))
            )
            self.ids[values] = group.pk
        return self.ids[values] * self.side


FACET_FIELDS = ("kind", "theme_code", "fiscal_year", "open_ended", "actor", "lg_codes")


def write_documents(
    documents: list[SearchDocument],
    batch_size: int = 2000,
    *,
    state: IndexState | None = None,
    side: int | None = None,
    groups: FacetGroups | None = None,
) -> None:
    """Store index rows, their postings and their match index rows on one side of the index
    (the caller holds the transaction); by default the side searches read.

    Weights use the average field lengths of ``state`` (by default the stored index state).
    """
    state = state or IndexState.objects.first() or IndexState()
    side = state.side if side is None else side
    groups = groups or FacetGroups(side)
    counts: Counter[tuple[str, int]] = Counter()
    for document in documents:
        document.side = side
    for start in range(0, len(documents), batch_size):
        batch = SearchDocument.objects.bulk_create(documents[start : start + batch_size])
        members = [(d.pk, groups.id_for(d)) for d in batch]
        rows = [
            (term, pk, group, weight)
            for d, (pk, group) in zip(batch, members, strict=True)
            for term, weight in term_weights(
                d, state.average_title_length, state.average_body_length
            )
        ]
        backends.insert(rows, members)
        counts.update((term, group) for term, _, group, _ in rows)
    # Counted once, not per batch: each count is written once.
    backends.add_counts(counts)


# Documents per write transaction of a rebuild: each holds the write lock (all of SQLite) for
# a fraction of a second, so public form posts wait for one batch, never for the whole index.
REBUILD_BATCH = 500


def _remove_side(
    side: int, batch: int = REBUILD_BATCH, renew: Callable[[], Any] | None = None
) -> None:
    """Delete everything on one side of the index, one short transaction per batch (each
    renewing the rebuild's claim, see CLAIM_EXPIRES)."""
    for turn in itertools.count():
        if turn:
            _let_writers_in()
        with transaction.atomic():
            if renew is not None:
                renew()
            ids = list(
                SearchDocument.objects.filter(side=side).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                FacetGroup.objects.filter(side=side).delete()
                return
            backends.delete(ids)
            SearchDocument.objects.filter(pk__in=ids).delete()


def _staged_state(
    documents: list[SearchDocument], version_id: int | None, read_at: datetime.datetime
) -> IndexState:
    count = len(documents)
    return IndexState(
        version_id=version_id,
        documents=count,
        average_title_length=max(sum(d.title_length for d in documents) / (count or 1), 1.0),
        average_body_length=max(sum(d.body_length for d in documents) / (count or 1), 1.0),
        glossary_digest=glossary_digest(),
        built_at=read_at,
    )


# SQLite has no queue for its write lock: a writer that found it taken retries after a pause
# (at most 100 ms with the busy timeout), so back-to-back batches could keep it out until the
# end. A pause as long between batches lets it in; PostgreSQL locks rows and needs none.
SQLITE_BATCH_PAUSE_SECONDS = 0.1


def _let_writers_in() -> None:
    if not backends.is_postgresql():
        time.sleep(SQLITE_BATCH_PAUSE_SECONDS)


# The longest write transaction of the last rebuild in this process, in seconds (measured for
# the tests and bench/search.py: what a public form post may have to wait for).
last_rebuild_longest_write = 0.0


def rebuild_index(batch: int = REBUILD_BATCH) -> int:
    """Fill the index again from the current version and the registry, without holding the
    write lock for the whole of it.

    Reading and tokenizing the records (most of the work: tens of seconds after a large import)
    runs outside any transaction; ``replace_index`` then writes them in short transactions.
    Run it as a job (``actionplan.jobs.queue.enqueue``), never inside a request.
    """
    read_at = timezone.now()
    version = _current_version()
    documents = [document_from(s) for s in sources(version)]
    return replace_index(documents, version.pk if version else None, read_at, batch)


def replace_index(
    documents: list[SearchDocument],
    version_id: int | None,
    read_at: datetime.datetime | None = None,
    batch: int = REBUILD_BATCH,
) -> int:
    """Make these rows the index, weighted by their own average field lengths.

    They are written to the side of the index that searches do not read, ``batch`` documents
    per transaction; one short transaction switches the side searches read; the old side is
    then deleted in batches. While it runs, searches answer from the index as it was, and the
    write lock (all of SQLite) is free between batches for public form posts. ``read_at``: when
    the records were read; a rebuild that read them later and has switched already wins.
    """
    written = _write_other_side(documents, version_id, read_at or timezone.now(), batch)
    return len(documents) if written is None else written


def prepare_index(version: plans.PlanVersion, batch: int = REBUILD_BATCH) -> bool:
    """Write the index of a version about to become current (staged, or an earlier one) to
    the side searches do not read, and note it as prepared: its activation then only switches
    sides (`switch_to_prepared`), so that searches find the new version's records from the
    moment it is current. False, writing nothing, while another rebuild holds the index: the
    rebuild that follows every activation builds it then."""
    read_at = timezone.now()
    documents = [document_from(s) for s in sources(version)]
    return _write_other_side(documents, version.pk, read_at, batch, prepare=True) is not None


def switch_to_prepared(version: plans.PlanVersion) -> bool:
    """In the transaction that makes `version` current: make the side `prepare_index` wrote
    for it the one searches read. False when there is none for this version (never prepared,
    or a rebuild started since and took the side over)."""
    state = IndexState.objects.select_for_update().first()
    prepared = state.prepared if state is not None else None
    if (
        state is None
        or not prepared
        or prepared["version_id"] != version.pk
        or prepared["side"] != -state.side
        or state.rebuilding_since is not None
    ):
        return False
    state.side = prepared["side"]
    state.version_id = version.pk
    state.documents = prepared["documents"]
    state.average_title_length = prepared["average_title_length"]
    state.average_body_length = prepared["average_body_length"]
    state.glossary_digest = prepared["glossary_digest"]
    state.built_at = datetime.datetime.fromisoformat(prepared["built_at"])
    state.prepared = None
    state.save()
    return True


def _write_other_side(
    documents: list[SearchDocument],
    version_id: int | None,
    read_at: datetime.datetime,
    batch: int,
    *,
    prepare: bool = False,
) -> int | None:
    """Write `documents` to the side searches do not read, then switch to it (a rebuild), or
    note it as prepared for `version_id` (`prepare`, which does not wait for another rebuild:
    None then). The number of documents written, or None when nothing was."""
    global last_rebuild_longest_write
    staged = _staged_state(documents, version_id, read_at)
    longest = 0.0

    def timed(step: Callable[[], Any]) -> Any:
        nonlocal longest
        began = time.perf_counter()
        with transaction.atomic():
            result = step()
        longest = max(longest, time.perf_counter() - began)
        return result

    state = _claim(timed, wait=not prepare)
    if state is None:
        return None

    def renew() -> None:
        IndexState.objects.filter(pk=state.pk).update(rebuilding_since=timezone.now())

    def write(part: list[SearchDocument]) -> None:
        renew()
        _write_staged(part, staged, side, groups)

    try:
        if not prepare and state.built_at is not None and state.built_at > read_at:
            return state.documents  # a rebuild that read the records later has written them
        side = -state.side
        _remove_side(side, batch, renew)  # what a rebuild that died on this side left behind
        groups = FacetGroups(side)
        for start in range(0, len(documents), batch):
            if start:
                _let_writers_in()
            timed(functools.partial(write, documents[start : start + batch]))

        def switch() -> None:
            staged.pk, staged.side = state.pk, side
            staged.rebuilding_since = timezone.now()
            staged.save()

        def note_prepared() -> None:
            IndexState.objects.filter(pk=state.pk).update(
                prepared={
                    "version_id": version_id,
                    "side": side,
                    "documents": staged.documents,
                    "average_title_length": staged.average_title_length,
                    "average_body_length": staged.average_body_length,
                    "glossary_digest": staged.glossary_digest,
                    "built_at": read_at.isoformat(),
                }
            )

        if prepare:
            timed(note_prepared)
        else:
            timed(switch)
            _remove_side(-side, batch, renew)
    finally:
        IndexState.objects.filter(pk=state.pk).update(rebuilding_since=None)
    last_rebuild_longest_write = longest
    if not prepare:
        backends.vacuum()
    return len(documents)


# A rebuild renews its claim with every batch it writes or deletes (each a few seconds at
# most: 2.1 s for the longest of 4,700 documents on SQLite), so a claim not renewed for this
# long belongs to a rebuild that died (a killed import, say): the next one takes over.
CLAIM_EXPIRES = datetime.timedelta(seconds=60)


def _claim(timed: Callable[[Callable[[], Any]], Any], *, wait: bool = True) -> IndexState | None:
    """One rebuild at a time across processes: wait (without holding a lock) until no other
    rebuild holds the index state's claim, then take it; without `wait`, None when it is held.
    Whoever takes it writes the other side: a side prepared there is forgotten."""

    def take() -> IndexState | None:
        state = IndexState.objects.select_for_update().first() or IndexState.objects.create()
        since = state.rebuilding_since
        if since is not None and since > timezone.now() - CLAIM_EXPIRES:
            return None
        state.rebuilding_since = timezone.now()
        state.prepared = None
        state.save(update_fields=["rebuilding_since", "prepared"])
        return state

    while True:
        state: IndexState | None = timed(take)
        if state is not None or not wait:
            return state
        time.sleep(0.5)


def _write_staged(
    documents: list[SearchDocument], staged: IndexState, side: int, groups: FacetGroups
) -> None:
    write_documents(documents, len(documents) or 1, state=staged, side=side, groups=groups)


BUILDERS: dict[str, tuple[type[Any], Any]] = {
    Kind.ACTION: (plans.Action, _action),
    Kind.YEAR_THEME: (plans.YearTheme, _year_theme),
    Kind.THEME: (plans.Theme, _theme),
    Kind.MILESTONE: (plans.Milestone, _milestone),
    Kind.PARTNERSHIP: (plans.Partnership, _partnership),
    Kind.HUB: (plans.Hub, _hub),
}


def _belongs(kind: str, record: Any) -> bool:
    if kind == Kind.HUB:
        return True
    if kind == Kind.PARTNERSHIP and record.version_id is None:
        return True
    return bool(record.version_id is not None and record.version.is_current)


def index_record(kind: str, object_id: int) -> None:
    """Bring one record's index row in line with what is stored (added, changed or gone)."""
    model, build = BUILDERS[kind]
    with transaction.atomic():
        # The side searches read; a rebuild writing the other side reads the record itself.
        side = IndexState.objects.values_list("side", flat=True).first() or 1
        old = list(
            SearchDocument.objects.filter(side=side, kind=kind, object_id=object_id).values_list(
                "pk", flat=True
            )
        )
        backends.delete(old)
        SearchDocument.objects.filter(pk__in=old).delete()
        record = model.objects.filter(pk=object_id).first()
        if record is not None and _belongs(kind, record):
            write_documents([document_from(build(record))])


def ensure_index_current() -> IndexState:
    """Start a rebuild when the index holds another version than the current one (or was
    never built), or was built with another glossary.

    Signals cover the writes made through Django; this also covers bulk updates that send none
    (such as switching the current version with ``update()``).
    """
    state = IndexState.objects.first()
    current = (
        plans.PlanVersion.objects.filter(is_current=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if state is None or state.version_id != current or state.glossary_digest != glossary_digest():
        # The rebuild is a job: the search answers from the index as it stands (empty after a
        # crash that lost it) instead of making its visitor wait for every record to be read.
        enqueue(rebuild_index, job_id=REBUILD_JOB, after_commit=False)
        state = IndexState.objects.first() or IndexState(documents=0)
    return state
