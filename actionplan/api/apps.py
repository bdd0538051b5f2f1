from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "actionplan.api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .freshness import on_data_change

        # Any process that writes published data moves the shared data stamp.
        for signal in (post_save, post_delete):
            signal.connect(on_data_change, dispatch_uid=f"api-freshness-{id(signal)}")
        m2m_changed.connect(self._on_m2m_change, dispatch_uid="api-freshness-m2m")

    @staticmethod
    def _on_m2m_change(sender: type, instance: object, **kwargs: object) -> None:
        from django.db.models import Model

        from .freshness import WATCHED_APPS, touch_data

        if isinstance(instance, Model) and instance._meta.app_label in WATCHED_APPS:
            touch_data()
