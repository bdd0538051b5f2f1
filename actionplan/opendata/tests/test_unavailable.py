from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion
from actionplan.tests.files import a_folder_that_cannot_be_created


@pytest.mark.parametrize(
    "url",
    [
        "/opendata/files/actions.csv",
        "/opendata/actionplan-opendata.zip",
        "/opendata/datapackage.json",
        "/opendata/catalog.jsonld",
    ],
)
def test_open_data_that_cannot_be_written_answers_503_not_500(
    client: Client, plan_version: PlanVersion, settings: Any, tmp_path: Path, url: str
) -> None:
    settings.OPENDATA_ROOT = a_folder_that_cannot_be_created(tmp_path)
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "300"
    assert response.json()["code"] == "unavailable"
