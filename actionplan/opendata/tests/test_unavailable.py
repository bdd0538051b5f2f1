from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from actionplan.plans.models import PlanVersion


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
    # A folder that can never be created, whoever runs the test: its parent is a file.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.OPENDATA_ROOT = blocker / "opendata"
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "300"
    assert response.json()["code"] == "unavailable"
