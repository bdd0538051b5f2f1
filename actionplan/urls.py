from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from actionplan.faults import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("actionplan.api.urls")),
    # Files under /opendata/…; the page /opendata/ itself is the portal's.
    path("opendata/", include("actionplan.opendata.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

# Japanese pages live at the root, English ones under /en/.
urlpatterns += i18n_patterns(
    path("", include("actionplan.portal.urls")),
    path("progress/", include("actionplan.progress.urls")),
    path("accounts/", include("actionplan.accounts.urls")),
    path("", include("actionplan.partnerships.urls")),
    path("jobs/", include("actionplan.jobs.urls")),
    prefix_default_language=False,
)

# The site's own error pages, in the page's language (actionplan/portal/errors.py).
handler403 = "actionplan.portal.errors.forbidden"
handler404 = "actionplan.portal.errors.not_found"
handler500 = "actionplan.portal.errors.server_error"
