from __future__ import annotations

from django.urls import path

from . import annual_jobs, translation_views, views

app_name = "progress"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/<str:code>/", views.body, name="body"),
    path("<int:year>/<str:code>/<int:action_id>/edit/", views.edit_report, name="edit"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/comment/", views.comment, name="comment"),
    path("reports/<int:report_id>/indicator/", views.report_indicator, name="report_indicator"),
    path("reports/<int:report_id>/evidence/", views.add_evidence, name="add_evidence"),
    path(
        "reports/<int:report_id>/evidence/<int:file_id>/",
        views.evidence_download,
        name="evidence",
    ),
    path("reports/<int:report_id>/<str:step>/", views.transition, name="transition"),
    path("assignments/", views.assignments, name="assignments"),
    path("translations/", translation_views.translations, name="translations"),
    path("assignments/matrix/", views.assignment_matrix, name="assignment_matrix"),
    path("review/", views.review, name="review"),
    path("<int:year>/<str:code>/submit/", views.submit_all, name="submit_all"),
    path("actions/<int:action_id>/assign/", views.assign, name="assign"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/<int:year>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:year>/remind/", views.remind, name="remind"),
    path("cycles/<int:year>/close/", views.close, name="close"),
    path("cycles/<int:year>/reopen/", views.reopen_cycle, name="reopen_cycle"),
    path("workbook/<int:year>/<str:code>/", views.download_workbook, name="workbook"),
    path("upload/", views.upload, name="upload"),
    path("upload/<int:upload_id>/", views.preview, name="preview"),
    path("upload/<int:upload_id>/apply/", views.apply_upload, name="apply"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<int:indicator_id>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:indicator_id>/target/", views.indicator_target, name="indicator_target"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("annual/", views.annual_index, name="annual_index"),
    path("annual/<int:year>/", views.annual_report, name="annual"),
    path("annual/<int:year>.xlsx", views.annual_workbook, name="annual_xlsx"),
    path("annual/<int:year>.pdf", annual_jobs.annual_pdf, name="annual_pdf"),
    path(
        "annual/<int:year>.pdf/<int:job_id>/",
        annual_jobs.annual_pdf_download,
        name="annual_pdf_download",
    ),
    path("annual/<int:year>/<slug:theme_code>/", views.annual_report, name="annual_theme"),
    path("public/actions/<int:action_id>/", views.public_action, name="public_action"),
]
