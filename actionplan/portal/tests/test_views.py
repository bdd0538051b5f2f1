from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_is_in_japanese_at_the_root(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ja"
    assert "関西広域産業ビジョン アクションプラン" in response.content.decode()


@pytest.mark.django_db
def test_home_stays_japanese_at_the_root_for_an_english_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "関西広域産業ビジョン アクションプラン" in response.content.decode()


@pytest.mark.django_db
def test_home_is_in_english_under_en(client: Client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert "Kansai Industrial Vision Action Plan" in page
    assert '<html lang="en">' in page


@pytest.mark.django_db
def test_healthz_answers_ok_after_asking_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
