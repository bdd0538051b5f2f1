"""Open data builds run as jobs of the task queue: after an activation, on staff request and when
a request finds the files older than the data; a failed build keeps the previous files and is
shown to staff at /jobs/."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from actionplan.conftest import client_for
from actionplan.jobs.models import Job
from actionplan.opendata import publish
from actionplan.plans.actions import activate_version
from actionplan.plans.models import Action, PlanVersion

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def opendata_root(settings: Any, tmp_path: Path) -> Path:
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return Path(settings.OPENDATA_ROOT)


def builds(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]


def first_action_text(client: Client) -> str:
    response = client.get("/opendata/files/actions.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    return min(rows, key=lambda r: int(r["action_id"]))["text_en"]


def change_first_action(version: PlanVersion, text: str) -> None:
    action = Action.objects.filter(version=version).order_by("pk").first()
    assert action is not None
    action.text_en = text
    action.save()  # moves the data stamp: the published files are now older than the data


def test_an_activation_builds_the_files_as_a_job_the_system_started(
    plan_version: PlanVersion,
    opendata_root: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        activate_version(plan_version, verified=True)
    job = Job.objects.get(kind="opendata")
    assert job.requested_by is None
    assert job.state == Job.State.DONE
    assert len(builds(opendata_root)) == 1
    assert (builds(opendata_root)[0] / "actions.csv").is_file()


def test_bureau_staff_ask_for_a_build_and_follow_it_at_jobs(
    plan_version: PlanVersion,
    bureau_staff: User,
    opendata_root: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    staff = client_for(bureau_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/opendata/build/")
    assert response.status_code == 302 and response["Location"] == "/jobs/"
    job = Job.objects.get(kind="opendata")
    assert (job.requested_by, job.state) == (bureau_staff, Job.State.DONE)
    assert builds(opendata_root)
    page = staff.get("/jobs/").content.decode()
    assert "オープンデータのファイル作成: 完了" in page
    english = staff.get("/en/jobs/").content.decode()
    assert "Open data files build: Done" in english


@pytest.mark.parametrize("who", ["anonymous", "outsider", "osaka_editor"])
def test_others_cannot_start_a_build(request: pytest.FixtureRequest, who: str) -> None:
    request.getfixturevalue("plan_version")
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(user).post("/opendata/build/")
    assert response.status_code in (302, 403)
    if user is not None:
        assert response.status_code == 403
    else:
        assert response["Location"].startswith("/accounts/login/")
    assert not Job.objects.exists()


def test_a_request_is_answered_from_the_previous_files_while_the_new_build_waits(
    client: Client, plan_version: PlanVersion, opendata_root: Path
) -> None:
    before = first_action_text(client)
    change_first_action(plan_version, "changed after the last build")
    with mock.patch("actionplan.opendata.jobs.enqueue") as enqueue:  # queued, not yet run
        assert first_action_text(client) == before
    assert enqueue.call_count == 1
    # Once the job has run, the new files are served.
    assert first_action_text(client) == "changed after the last build"


def test_a_failed_build_keeps_the_previous_files_and_is_shown_to_staff(
    client: Client,
    plan_version: PlanVersion,
    bureau_staff: User,
    opendata_root: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    before = first_action_text(client)
    published = builds(opendata_root)
    change_first_action(plan_version, "never published")
    full = OSError(28, "No space left on device")
    with (
        mock.patch.object(publish, "export_open_data", side_effect=full),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client_for(bureau_staff).post("/opendata/build/")
    job = Job.objects.get(kind="opendata")
    assert job.state == Job.State.FAILED
    assert job.error == "OSError: [Errno 28] No space left on device"
    assert builds(opendata_root) == published  # nothing half-built left, nothing removed
    with mock.patch("actionplan.opendata.jobs.enqueue"):  # the next build waits in the queue
        assert first_action_text(client) == before
    page = client_for(bureau_staff).get("/jobs/").content.decode()
    assert "失敗 (エラー: OSError: [Errno 28] No space left on device)" in page


def test_before_the_first_build_the_files_answer_503_being_prepared(
    client: Client, plan_version: PlanVersion
) -> None:
    with mock.patch("actionplan.opendata.jobs.enqueue"):
        response = client.get("/opendata/files/actions.csv")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "unavailable"
    assert "being prepared" in response.json()["message"]
    with mock.patch("actionplan.opendata.jobs.enqueue"):
        assert client.get("/opendata/").status_code == 200  # the page links to them all the same
