from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    """Cross-cutting web infrastructure: the client's address, the data stamp, caching headers,
    the one response cache, rate limits and CORS. No domain app lives below it."""

    name = "actionplan.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .stamp import on_data_change, on_m2m_change

        # Any process that writes published data moves the data stamp.
        for signal in (post_save, post_delete):
            signal.connect(on_data_change, dispatch_uid=f"web-stamp-{id(signal)}")
        m2m_changed.connect(on_m2m_change, dispatch_uid="web-stamp-m2m")
