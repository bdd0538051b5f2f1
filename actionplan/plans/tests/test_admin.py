"""Bureau staff view and correct every record in the admin, and the change is kept."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from actionplan.plans.actions import import_plan_document
from actionplan.plans.models import Action, Hub, PlanVersion

from .documents import BUNDLED

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(plan_version: PlanVersion) -> Client:
    user = get_user_model().objects.create_superuser("bureau", "bureau@example.jp", "pw-123456789")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "plan",
        "planversion",
        "theme",
        "period",
        "yeartheme",
        "action",
        "milestone",
        "partnership",
        "organization",
        "hub",
        "membergovernment",
        "visionstatement",
    ],
)
def test_every_record_type_has_a_list_in_the_admin(admin_client: Client, model: str) -> None:
    response = admin_client.get(f"/admin/plans/{model}/")
    assert response.status_code == 200


def test_a_correction_is_stored_with_who_and_when(admin_client: Client) -> None:
    action = Action.objects.get(text_ja="社会受容性の向上")
    page = admin_client.get(f"/admin/plans/action/{action.pk}/change/")
    assert page.status_code == 200
    assert "社会受容性の向上" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else "" for name in form.fields
    }
    data["text_en"] = "Raising public acceptance of flying cars"
    data.update(
        {
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "0",
            "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
            "assignments-0-member_government": "",
            "assignments-0-id": "",
            "assignments-0-action": str(action.pk),
        }
    )
    response = admin_client.post(f"/admin/plans/action/{action.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert action.text_en == "Raising public acceptance of flying cars"
    record = action.history.first()
    assert record is not None and record.history_user is not None
    assert record.history_user.username == "bureau"
    history = admin_client.get(f"/admin/plans/action/{action.pk}/history/")
    assert "bureau" in history.content.decode()


def test_staff_can_correct_a_hub_location(admin_client: Client) -> None:
    hub = Hub.objects.get(name_en="Takasago Hydrogen Park")
    page = admin_client.get(f"/admin/plans/hub/{hub.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["lat"] = "34.7512"
    data["theme_codes"] = '["carbon_neutral"]'
    response = admin_client.post(f"/admin/plans/hub/{hub.pk}/change/", data)
    assert response.status_code == 302
    hub.refresh_from_db()
    assert str(hub.lat) == "34.751200"
    assert hub.history.count() >= 1


def test_an_outsider_cannot_open_the_admin(client: Client, plan_version: PlanVersion) -> None:
    response = client.get("/admin/plans/action/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_see_what_a_revision_changed(admin_client: Client, plan_version: PlanVersion) -> None:
    text = BUNDLED.read_text(encoding="utf-8").replace("2025年11月改訂版", "2026年5月改訂版")
    revised = text.replace("社会受容性の向上", "社会受容性の向上と理解促進")
    new = import_plan_document(revised.encode(), source_name="revised.txt").version
    page = admin_client.get(f"/admin/plans/planversion/{new.pk}/change/")
    assert f"/admin/plans/planversion/{new.pk}/diff/" in page.content.decode()
    diff = admin_client.get(f"/admin/plans/planversion/{new.pk}/diff/")
    body = diff.content.decode()
    assert diff.status_code == 200
    assert "社会受容性の向上と理解促進" in body and "社会受容性の向上</td>" in body


def test_the_diff_page_is_for_staff_only(client: Client, plan_version: PlanVersion) -> None:
    response = client.get(f"/admin/plans/planversion/{plan_version.pk}/diff/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_cannot_switch_the_current_version(
    admin_client: Client, plan_version: PlanVersion
) -> None:
    page = admin_client.get(f"/admin/plans/planversion/{plan_version.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_current"' not in page.content.decode()
