from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from actionplan.settings import (
    DEVELOPMENT_SECRET_KEY,
    check_secret_key,
    database_settings,
    env_bool,
    env_int,
    env_list,
    env_str,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("no", False)],
)
def test_env_bool_reads_the_six_accepted_words(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("DEBUG", raw)
    assert env_bool("DEBUG", not expected) is expected


def test_env_bool_uses_the_default_when_the_variable_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEBUG", raising=False)
    assert env_bool("DEBUG", True) is True


def test_malformed_debug_is_refused_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG.*'maybe'"):
        env_bool("DEBUG", True)


def test_malformed_integer_is_refused_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "four")
    with pytest.raises(ImproperlyConfigured, match="WEB_CONCURRENCY"):
        env_int("WEB_CONCURRENCY", 2)


def test_an_integer_below_its_minimum_is_refused_and_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CACHE_MAX_ENTRIES", "0")
    with pytest.raises(ImproperlyConfigured, match="CACHE_MAX_ENTRIES must be at least 1"):
        env_int("CACHE_MAX_ENTRIES", 5000, minimum=1)
    monkeypatch.setenv("CACHE_MAX_ENTRIES", "1")
    assert env_int("CACHE_MAX_ENTRIES", 5000, minimum=1) == 1


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    from actionplan.settings import check_networks

    assert check_networks("TRUSTED_PROXIES", ["127.0.0.1", "10.0.0.0/8", "::1"]) == [
        "127.0.0.1",
        "10.0.0.0/8",
        "::1",
    ]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES .* 'nginx.local'"):
        check_networks("TRUSTED_PROXIES", ["127.0.0.1", "nginx.local"])


def test_env_list_splits_on_commas_and_trims(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "example.org, www.example.org")
    assert env_list("ALLOWED_HOSTS", "") == ["example.org", "www.example.org"]


def test_env_list_of_an_empty_value_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "")
    assert env_list("CSRF_TRUSTED_ORIGINS", "x") == []


def test_env_list_refuses_an_empty_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "example.org,,www.example.org")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", "")


def test_env_str_refuses_a_value_outside_its_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL"):
        env_str("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO"))


def test_development_secret_key_is_refused_when_debug_is_false() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        check_secret_key(DEVELOPMENT_SECRET_KEY, debug=False)


def test_development_secret_key_is_accepted_in_debug() -> None:
    assert check_secret_key(DEVELOPMENT_SECRET_KEY, debug=True) == DEVELOPMENT_SECRET_KEY


def test_a_real_secret_key_is_accepted_when_debug_is_false() -> None:
    assert check_secret_key("s3cret-from-the-vault", debug=False) == "s3cret-from-the-vault"


def test_postgres_url_selects_the_postgresql_backend() -> None:
    config = database_settings("postgres://app@db.internal:5432/actionplan")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "actionplan"
    assert config["HOST"] == "db.internal"


def test_an_address_setting_must_be_an_absolute_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from actionplan.settings import env_url

    monkeypatch.delenv("PLAN_SOURCE_URL", raising=False)
    assert env_url("PLAN_SOURCE_URL", "https://www.kouiki-kansai.jp/") == (
        "https://www.kouiki-kansai.jp/"
    )
    for wrong in ("www.kouiki-kansai.jp", "javascript:alert(1)", "/plan.pdf"):
        monkeypatch.setenv("PLAN_SOURCE_URL", wrong)
        with pytest.raises(ImproperlyConfigured, match="PLAN_SOURCE_URL must be an absolute"):
            env_url("PLAN_SOURCE_URL", "https://www.kouiki-kansai.jp/")
