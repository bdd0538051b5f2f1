"""The search index: one row per searchable record with its terms, and the index's state.

The postings table ``search_posting`` (term → document, with the term's precomputed weight) is
created by migration 0004 and written by ``actions.py`` only; Django does not model it.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    ACTION = "action", "action"
    YEAR_THEME = "year_theme", "year headline"
    THEME = "theme", "theme"
    MILESTONE = "milestone", "milestone"
    PARTNERSHIP = "partnership", "partnership"
    HUB = "hub", "hub"


# An index has two sides: searches read the one ``IndexState.side`` names, and a full rebuild
# writes the other in short transactions, then switches (actions.rebuild_index). Postings and
# term counts carry their facet group's id times the side (+1 or -1).
SIDES = (1, -1)


class SearchDocument(models.Model):
    side = models.SmallIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    key = models.CharField(max_length=200, help_text="the record's stable key")
    theme_code = models.CharField(max_length=60, blank=True)
    fiscal_year = models.PositiveIntegerField(null=True, blank=True)
    open_ended = models.BooleanField(default=False)
    actor = models.CharField(max_length=10, blank=True)
    # Space-delimited with a space at each end, so " 270008 " finds one code exactly.
    lg_codes = models.CharField(max_length=200, blank=True)
    title_ja = models.TextField(blank=True)
    title_en = models.TextField(blank=True)
    text_ja = models.TextField(blank=True)
    text_en = models.TextField(blank=True)
    url_path = models.CharField(max_length=200)
    # Terms as the tokenizer produced them, space-delimited with a space at each end.
    title_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    title_length = models.PositiveIntegerField(default=0)
    body_length = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["side", "kind", "object_id"], name="unique_search_record"
            ),
        ]
        indexes = [models.Index(fields=["kind", "key"], name="search_kind_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class FacetGroup(models.Model):
    """One combination of facet values that records share, so that postings can carry a small
    integer instead of the values and facet counts are counts per group."""

    side = models.SmallIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    theme_code = models.CharField(max_length=60, blank=True)
    fiscal_year = models.PositiveIntegerField(null=True, blank=True)
    open_ended = models.BooleanField(default=False)
    actor = models.CharField(max_length=10, blank=True)
    lg_codes = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.theme_code} {self.fiscal_year} {self.actor} {self.lg_codes}"


class TermFrequency(models.Model):
    """How many records hold a term, per facet group: a one-word query's total and facet counts
    without counting its postings. Kept in step with ``search_posting`` by ``backends.py``."""

    term = models.TextField()
    facet_group = models.BigIntegerField()
    documents = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "facet_group"], name="unique_term_group"),
        ]

    def __str__(self) -> str:
        return f"{self.term} in group {self.facet_group}: {self.documents}"


class IndexState(models.Model):
    """One row: which plan version the index holds and the average field lengths for ranking."""

    # The side searches read (see SIDES).
    side = models.SmallIntegerField(default=1)
    # Set while a rebuild runs: the others wait for it (actions.rebuild_index).
    rebuilding_since = models.DateTimeField(null=True, blank=True)
    version_id = models.BigIntegerField(null=True, blank=True)
    documents = models.PositiveIntegerField(default=0)
    average_title_length = models.FloatField(default=1.0)
    average_body_length = models.FloatField(default=1.0)
    built_at = models.DateTimeField(null=True, blank=True)
    # Which glossary groups are indexed as terms of their own (see postings.py).
    glossary_digest = models.CharField(max_length=32, blank=True)
    # The other side, when it holds the index of a version about to become current (written
    # by actions.prepare_index, switched to by actions.switch_to_prepared): its version_id,
    # side, documents, average lengths, glossary digest and built_at.
    prepared = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"index of version {self.version_id}: {self.documents} records"
