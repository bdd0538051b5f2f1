"""The annual report as PDF, printed by headless Chromium in the task queue (seconds of CPU,
never inside a request): staff ask for it, see that it is being prepared, then download it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actionplan.jobs import actions as jobs
from actionplan.jobs.models import Job
from actionplan.plans.queries import current_version

from . import annual, queries
from .views import internal

logger = logging.getLogger(__name__)

KIND = "annual_pdf"


def build_annual_pdf(job_id: int) -> None:
    """The job: print the whole annual report of the job's fiscal year."""
    job = jobs.begin(job_id)
    if job is None:
        return
    version = current_version()
    chromium = annual.find_chromium()
    if version is None or chromium is None:
        jobs.fail(job, "no plan version" if version is None else "no headless Chromium")
        return
    try:
        content = annual.pdf_bytes(annual.render_page(version, int(job.argument)), chromium)
    except annual.PdfError as error:
        logger.warning("annual report %s: no PDF (%s)", job.argument, error)
        jobs.fail(job, str(error))
        return
    jobs.finish(job, content, ".pdf")


def _year_or_404(year: int) -> None:
    version = current_version()
    if version is None or year not in queries.plan_years(version):
        raise Http404(f"no annual report for {year}")


@internal
@require_http_methods(["GET", "POST"])
def annual_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the state of the last PDF of this year that this person asked for; POST: ask for
    a new one (while one is being prepared, asking again shows that one)."""
    _year_or_404(year)
    chromium = annual.find_chromium()
    if chromium is None:
        raise Http404(_("このサーバーにはヘッドレスChromiumがないため、PDFを作成できません。"))
    if request.method == "POST":
        jobs.start_job(request.user, KIND, str(year), build_annual_pdf)
        return redirect("progress:annual_pdf", year)
    job = (
        Job.objects.filter(kind=KIND, argument=str(year), requested_by_id=request.user.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    return render(request, "progress/annual_pdf.html", {"year": year, "job": job})


@internal
@require_http_methods(["GET"])
def annual_pdf_download(request: HttpRequest, year: int, job_id: int) -> HttpResponse:
    job = get_object_or_404(
        Job,
        pk=job_id,
        kind=KIND,
        argument=str(year),
        requested_by_id=request.user.pk,
        state=Job.State.DONE,
    )
    path = jobs.job_file_root() / Path(job.file_name).name
    if not path.is_file():
        raise Http404(job.file_name)
    # FileResponse streams the file; the views' common type names the plain response.
    response: Any = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"progress-annual-{year}.pdf",
        content_type="application/pdf",
    )
    return cast(HttpResponse, response)
