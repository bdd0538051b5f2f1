"""State that must never be evicted: it lives in the database, not in a cache that culls."""

from __future__ import annotations

from django.db import models


class DataStamp(models.Model):
    """One row: when the published data last changed, and a random part so that two changes in
    the same microsecond still differ. Every cached answer and every ETag is tied to it."""

    changed_at = models.FloatField()
    token = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.changed_at:.6f}-{self.token}"


class RateCounter(models.Model):
    """Requests of one client (a keyed hash of its address) in one fixed window of one scope.

    Only used on the database backend; with Redis the counters are Redis keys that expire."""

    bucket = models.CharField(max_length=100)
    window_start = models.BigIntegerField(help_text="seconds since the epoch")
    expires = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="web_ratecounter_bucket_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket}@{self.window_start}: {self.hits}"
