"""Which database errors are conflicts (409) and which stay programming errors (500)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from actionplan.faults.classify import Fault, classify
from actionplan.faults.conflicts import lost_race_as
from actionplan.plans.models import Organization


class Lost(Exception):
    pass


def _organization(name: str) -> Organization:
    return Organization.objects.create(name_ja=name, normalized_name="same", kind="company")


def test_a_unique_violation_is_a_conflict(db: None) -> None:
    _organization("株式会社A")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        _organization("A")
    assert classify(caught.value) is Fault.CONFLICT


def test_a_not_null_violation_stays_a_server_error(db: None) -> None:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        User.objects.create(username=None)  # type: ignore[misc]
    assert classify(caught.value) is None


def test_lost_race_as_raises_the_callers_error_and_keeps_the_transaction(db: None) -> None:
    _organization("株式会社A")
    with transaction.atomic():
        with pytest.raises(Lost), lost_race_as(Lost):
            _organization("A")
        # The enclosing transaction is still usable (PostgreSQL would refuse otherwise).
        assert Organization.objects.count() == 1


def test_lost_race_as_lets_other_integrity_errors_through(db: None) -> None:
    with pytest.raises(IntegrityError), lost_race_as(Lost):
        User.objects.create(username=None)  # type: ignore[misc]
