from __future__ import annotations

from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("proposals/new/", views.proposal_new, name="new"),
    path("proposals/privacy/", views.privacy, name="privacy"),
    path("proposals/status/<str:token>/", views.status, name="status"),
    path("proposals/status/<str:token>/withdraw/", views.status_withdraw, name="withdraw"),
    path("organizations/", views.organizations, name="organizations"),
    path("desk/proposals/", views.desk, name="desk"),
    path("desk/proposals/<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path(
        "desk/proposals/<int:proposal_id>/transition/<slug:name>/",
        views.proposal_transition,
        name="transition",
    ),
    path("desk/proposals/<int:proposal_id>/assign/", views.proposal_assign, name="assign"),
    path("desk/proposals/<int:proposal_id>/agreement/", views.agreement_edit, name="agreement"),
    path(
        "desk/proposals/<int:proposal_id>/agreement/publish/",
        views.agreement_publish,
        name="agreement_publish",
    ),
    path("desk/proposals/<int:proposal_id>/notes/", views.proposal_note, name="note"),
    path("desk/proposals/<int:proposal_id>/actions/", views.proposal_actions, name="actions"),
    path(
        "desk/proposals/<int:proposal_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("desk/hubs/<int:hub_id>/", views.hub_edit, name="hub_edit"),
    path("desk/needs/", views.needs_list, name="needs"),
    path("desk/needs/<str:key>/", views.needs_edit, name="needs_edit"),
    path("desk/needs/<str:key>/restore/", views.needs_restore, name="needs_restore"),
    path("desk/organizations/new/", views.organization_edit, name="organization_new"),
    path(
        "desk/organizations/<int:organization_id>/",
        views.organization_edit,
        name="organization_edit",
    ),
]
