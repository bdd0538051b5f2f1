from __future__ import annotations

from django.urls import path

from . import views

app_name = "portal"

# The search pages of other apps link to these paths: keep them stable.
urlpatterns = [
    path("", views.home, name="home"),
    path("themes/", views.themes, name="themes"),
    path("themes/<slug:code>/", views.theme, name="theme"),
    path(
        "themes/<slug:code>/<int:fiscal_year>/<slug:actor>/",
        views.theme_cell,
        name="theme_cell",
    ),
    path("actions/<int:action_id>/", views.action, name="action"),
    path("developments/", views.developments, name="developments"),
    path("partnerships/", views.partnerships, name="partnerships"),
    path("partnerships/<int:partnership_id>/", views.partnership, name="partnership"),
    path("governments/", views.governments, name="governments"),
    path("governments/<str:lg_code>/", views.government, name="government"),
    path("hubs/", views.hubs, name="hubs"),
    path("search/", views.search, name="search"),
    path("opendata/", views.opendata, name="opendata"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("about/", views.about, name="about"),
]

# The plan's editions and what changed between them (see revisions.py).
from . import revisions  # noqa: E402

urlpatterns += [
    path("revisions/", revisions.revisions, name="revisions"),
    path("revisions/feed.atom", revisions.EditionFeed(), name="revisions-feed"),
    path("revisions/<int:number>/", revisions.revision, name="revision"),
]
