from __future__ import annotations

import datetime
import enum
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from actionplan.api.endpoints import ActionOut
from actionplan.api.renderers import JSONRenderer
from actionplan.plans.models import Action, Actor, PlanVersion

JST = datetime.timezone(datetime.timedelta(hours=9))


def test_it_writes_every_value_as_ninja_s_own_renderer_does() -> None:
    data = {
        "at": datetime.datetime(2026, 12, 7, 5, 10, 27, 123456, tzinfo=datetime.UTC),
        "local": datetime.datetime(2026, 12, 7, 14, 10, 27, tzinfo=JST),
        "day": datetime.date(2025, 4, 1),
        "time": datetime.time(9, 30, 15, 500000),
        "amount": Decimal("981.50"),
        "label": gettext_lazy("概要"),
        "token": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "actor": Actor.UNION,
        "by_year": {2025: "令和7年度"},
        "nested": [{"text": "水素・燃料電池", "ratio": 0.1, "none": None, "flag": True}],
    }
    ours = JSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    theirs = json.dumps(data, cls=NinjaJSONEncoder)
    assert json.loads(ours) == json.loads(theirs)
    # Django's formats: milliseconds, "Z" for UTC.
    assert b'"2026-12-07T05:10:27.123Z"' in ours
    # Japanese as UTF-8, not as six-character escapes.
    assert "水素・燃料電池".encode() in ours and b"\\u" not in ours


def test_where_it_differs_from_ninja_s_renderer() -> None:
    # What the docstring says; no endpoint returns these.
    class Plain(enum.Enum):
        A = "a"

    render = JSONRenderer().render
    assert render(None, {"e": Plain.A}, response_status=200) == b'{"e":"a"}'  # type: ignore[arg-type]
    assert render(None, [float("nan")], response_status=200) == b"[null]"  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        render(None, [2**64], response_status=200)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_api_answers_are_utf_8_json(client: Client, plan_version: PlanVersion) -> None:
    action = Action.objects.filter(version=plan_version, parent__isnull=True).first()
    assert action is not None
    for url in (f"/api/v1/actions/{action.pk}", "/api/v1/actions?limit=50"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert action.text_ja.encode() in response.content
        assert b"\\u" not in response.content
        body = response.json()
        first = body if "id" in body else body["results"][0]
        # Every field of the schema, in its order (as ninja's validated output had them).
        assert list(first)[: len(ActionOut.model_fields)] == list(ActionOut.model_fields)
    filtered = client.get("/api/v1/actions?theme=startups").json()["results"][0]
    assert list(filtered) == list(ActionOut.model_fields)
