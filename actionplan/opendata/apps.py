from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "actionplan.opendata"
    verbose_name = _("オープンデータ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_publisher_code

        checks.register(check_publisher_code)

        from actionplan.plans.signals import version_staged

        from .editions import check_staged_version

        version_staged.connect(check_staged_version, dispatch_uid="opendata-verify-version")

        from django.db.models.signals import post_save

        from actionplan.plans.models import PlanVersion

        from .jobs import on_version_saved

        # A version made current (import or activation): its files are built as a job.
        post_save.connect(on_version_saved, sender=PlanVersion, dispatch_uid="opendata-build")
