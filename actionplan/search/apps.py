from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "actionplan.search"
    label = "search"
    verbose_name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers that keep the index in step with every write.
        from . import signals  # noqa: F401
