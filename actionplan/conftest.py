"""Shared test people and data. Build data through the real actions, never by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

from actionplan.accounts.models import Profile, Role
from actionplan.plans.actions import import_plan_file, load_reference_data
from actionplan.plans.models import MemberGovernment, PlanVersion
from actionplan.plans.tests.documents import BUNDLED
from actionplan.portal.tests.browser import browser, page  # noqa: F401 - pytest fixtures for every app

PASSWORD = "correct horse battery staple 2025"  # noqa: S105 - a test password


def make_person(username: str, role: str | None = None, lg_code: str | None = None) -> User:
    user: User = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.jp", password=PASSWORD
    )
    if role is not None:
        government = MemberGovernment.objects.get(lg_code=lg_code) if lg_code else None
        Profile.objects.create(user=user, role=role, member_government=government)
    return user


@pytest.fixture
def reference(db: None) -> None:
    load_reference_data()


@pytest.fixture
def plan_version(reference: None) -> PlanVersion:
    """The bundled plan, imported as a user would."""
    return import_plan_file(BUNDLED).version


@pytest.fixture
def bureau_admin(reference: None) -> User:
    return make_person("admin", Role.BUREAU_ADMIN)


@pytest.fixture
def bureau_staff(reference: None) -> User:
    return make_person("staff", Role.BUREAU_STAFF)


@pytest.fixture
def osaka_editor(reference: None) -> User:
    """Member-government editor for 大阪府."""
    return make_person("osaka", Role.MEMBER_EDITOR, "270008")


@pytest.fixture
def kyoto_editor(reference: None) -> User:
    """Member-government editor for 京都府 (another government than osaka_editor)."""
    return make_person("kyoto", Role.MEMBER_EDITOR, "260002")


@pytest.fixture
def reviewer(reference: None) -> User:
    return make_person("reviewer", Role.REVIEWER)


@pytest.fixture
def outsider(reference: None) -> User:
    """Signed in, but with no role on the platform."""
    return make_person("outsider")


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _jobs_run_in_the_caller(settings: Any) -> None:
    """Jobs run in the test's own thread (and database transaction) once it commits: a test
    sees their effects through ``django_capture_on_commit_callbacks(execute=True)``."""
    settings.TASK_QUEUE = "immediate"
