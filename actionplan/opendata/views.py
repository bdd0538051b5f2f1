"""Downloads of the open data: every file, the ZIP, the data package, the DCAT catalogue and the
Atom feed. The landing page that links to them is the portal's (``portal:opendata``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplan.accounts.permissions import is_bureau

from .catalog import catalog
from .export import ExportError, current_version
from .jobs import start_build
from .package import datapackage
from .publish import ZIP_NAME, Preparing, Publication, current_publication

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".zip": "application/zip",
}


class _Unavailable(Exception):
    """The files cannot be built where OPENDATA_ROOT says (unwritable, full disk), or their
    first build is still running."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# Seconds to wait for the first build of the files (a few seconds of work in the queue).
PREPARING_RETRY_SECONDS = 30


def _publication() -> Publication:
    try:
        return current_publication()
    except ExportError as error:
        raise Http404(str(error)) from None
    except Preparing:
        raise _Unavailable(
            "the open data files are being prepared; try again shortly", PREPARING_RETRY_SECONDS
        ) from None
    except OSError as error:
        logger.error("open data cannot be built in OPENDATA_ROOT: %s", type(error).__name__)
        raise _Unavailable(
            "the open data files cannot be built on the server now; try again later", 300
        ) from error


def _unavailable_as_503(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A server-side storage fault is a 503 with Retry-After in the API's error shape, so that
    harvesters try again later instead of recording a broken data set."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except _Unavailable as unavailable:
            response = JsonResponse(
                {"status": 503, "code": "unavailable", "message": unavailable.message},
                status=503,
            )
            response["Retry-After"] = str(unavailable.retry_after)
            return response

    return wrapper


def _open(response: HttpResponseBase, publication: Publication, name: str) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["ETag"] = f'"{publication.directory.name}-{name}"'
    response["Last-Modified"] = http_date(publication.modified.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response


def _conditional(
    request: HttpRequest, publication: Publication, name: str
) -> HttpResponseBase | None:
    return get_conditional_response(
        request,
        etag=f'"{publication.directory.name}-{name}"',
        last_modified=int(publication.modified.timestamp()),
    )


def _serve(request: HttpRequest, name: str, attachment: bool) -> HttpResponseBase:
    publication = _publication()
    path = publication.path_of(name)
    if path is None or name in ("datapackage.json", "manifest.json"):
        raise Http404(f"no open data file {name}")
    answer = _conditional(request, publication, name)
    if answer is None:
        answer = FileResponse(
            path.open("rb"),
            as_attachment=attachment,
            filename=name,
            content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
        )
    return _open(answer, publication, name)


@_unavailable_as_503
@require_safe
def file(request: HttpRequest, name: str) -> HttpResponseBase:
    return _serve(request, name, attachment=False)


@_unavailable_as_503
@require_safe
def archive(request: HttpRequest) -> HttpResponseBase:
    return _serve(request, ZIP_NAME, attachment=True)


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    def url(name: str) -> str:
        if name == ZIP_NAME:
            return request.build_absolute_uri(reverse("opendata:zip"))
        if name == "datapackage.json":
            return request.build_absolute_uri(reverse("opendata:datapackage"))
        return request.build_absolute_uri(reverse("opendata:file", kwargs={"name": name}))

    return url


@_unavailable_as_503
@require_safe
def package(request: HttpRequest) -> HttpResponseBase:
    """The descriptor with absolute paths, so that it works where it is served."""
    publication = _publication()
    answer = _conditional(request, publication, "datapackage.json")
    if answer is None:
        base = request.build_absolute_uri(reverse("opendata:file", kwargs={"name": "x"}))[:-1]
        descriptor = datapackage(
            current_version(), publication.modified.isoformat(), publication.rows, base
        )
        answer = HttpResponse(
            json.dumps(descriptor, ensure_ascii=False, indent=1),
            content_type="application/json",
        )
    return _open(answer, publication, "datapackage.json")


@_unavailable_as_503
@require_safe
def dcat(request: HttpRequest) -> HttpResponseBase:
    publication = _publication()
    answer = _conditional(request, publication, "catalog.jsonld")
    if answer is None:
        home = request.build_absolute_uri("/opendata/")
        document = catalog(publication, current_version(), _absolute(request), home)
        answer = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=1),
            content_type="application/ld+json",
        )
    return _open(answer, publication, "catalog.jsonld")


@login_required
@require_POST
def build(request: HttpRequest) -> HttpResponse:
    """Bureau staff: build the open data files again now, as a job followed at /jobs/."""
    if not is_bureau(request.user):
        raise PermissionDenied(_("この画面を見る権限がありません"))
    start_build(request.user)
    return redirect("jobs:overview")
