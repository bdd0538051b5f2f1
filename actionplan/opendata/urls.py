from __future__ import annotations

from django.urls import path

from . import views
from .feeds import OpenDataFeed

app_name = "opendata"

# Only sub-paths: /opendata/ itself is the portal's landing page.
urlpatterns = [
    path("files/<str:name>", views.file, name="file"),
    path("actionplan-opendata.zip", views.archive, name="zip"),
    path("datapackage.json", views.package, name="datapackage"),
    path("catalog.jsonld", views.dcat, name="catalog"),
    path("feed.atom", OpenDataFeed(), name="feed"),
    path("build/", views.build, name="build"),
]
