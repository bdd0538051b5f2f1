from __future__ import annotations

from django.urls import path, re_path

from .api import api
from .errors import not_found

urlpatterns = [
    path("", api.urls),
    # Anything else under /api/v1/ answers in the API's error shape, not with an HTML page.
    re_path(r"^(?P<rest>.*)$", not_found),
]
