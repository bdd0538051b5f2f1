"""A write that lost a race to a concurrent request, told as the caller's own conflict error.

Checking first and inserting second leaves a gap: two requests both find no row, both insert,
and the database's unique constraint refuses the second. ``FaultMiddleware`` answers such an
``IntegrityError`` with a generic 409 wherever it escapes; an action that has a conflict error
of its own (with a message that says what to do) wraps the write in ``lost_race_as`` instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from django.db import IntegrityError, transaction

from .classify import is_conflict


@contextlib.contextmanager
def lost_race_as(error: Callable[[], Exception]) -> Iterator[None]:
    """Run the block in a savepoint; a unique or foreign key violation raises ``error()``.

    The savepoint keeps an enclosing transaction usable (PostgreSQL aborts the whole
    transaction on a failed statement otherwise), so the caller decides what happens to it.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not is_conflict(exc):
            raise
        raise error() from exc
