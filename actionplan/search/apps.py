from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "actionplan.search"
    label = "search"
    verbose_name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers that keep the index in step with every write.
        from actionplan.plans.signals import (
            version_activating,
            version_preparing,
            version_staged,
        )

        from . import signals  # noqa: F401
        from .editions import activate_version, check_staged_version, prepare_version

        version_staged.connect(check_staged_version, dispatch_uid="search-verify-version")
        version_preparing.connect(prepare_version, dispatch_uid="search-prepare-version")
        version_activating.connect(activate_version, dispatch_uid="search-activate-version")

        post_migrate.connect(_remove_orphans, sender=self)


def _remove_orphans(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # A flush (as between transactional tests) empties Django's tables but not the full-text
    # table, and then sends post_migrate: sweep the rows whose document is gone.
    from .backends import remove_orphans

    remove_orphans(using)
