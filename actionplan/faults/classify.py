"""What kind of fault an exception is, seen from the client: the one place that decides.

- an outage (the database or the cache cannot be reached, or is busy): 503 with Retry-After —
  the same request may succeed a little later;
- a conflict (a unique or foreign key constraint another request won the race for, a
  serialization failure or deadlock between two writers): 409 — the client should read the
  current state and decide again; nothing was written;
- bad input (a value the database cannot hold: a number out of range): 400.

Anything else — a NOT NULL or CHECK constraint failing, for one — is a programming error and stays
a 500, so that it is seen and fixed rather than explained away as a conflict.
"""

from __future__ import annotations

import enum

from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django_stubs_ext import StrOrPromise

try:  # the Redis client is installed with the package, but the cache may not use it
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _REDIS_OUTAGES: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a dependency
    _REDIS_OUTAGES = ()

# Seconds a client is asked to wait before trying again during an outage: long enough for a
# database restart or fail-over to finish, short enough that readers do not give up.
RETRY_AFTER_SECONDS = 10

# PostgreSQL SQLSTATEs of a lost race: unique, foreign key and exclusion violations,
# serialization failure, deadlock.
_CONFLICT_STATES = frozenset({"23505", "23503", "23P01", "40001", "40P01"})
# SQLite says it in words only.
_SQLITE_CONFLICTS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


class Fault(enum.Enum):
    OUTAGE = 503
    CONFLICT = 409
    BAD_INPUT = 400


class BadInput(ValueError):
    """A request parameter that cannot be used; ``field`` names it (raised by views/helpers).

    ``message`` is English, for the API; ``detail`` says it in the page's language.
    """

    def __init__(self, field: str, message: str, detail: StrOrPromise = "") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.detail = detail


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return str(state) if state else None


def is_conflict(exc: BaseException) -> bool:
    state = _sqlstate(exc)
    if state is not None:
        return state in _CONFLICT_STATES
    return isinstance(exc, IntegrityError) and str(exc).startswith(_SQLITE_CONFLICTS)


def classify(exc: BaseException) -> Fault | None:
    if isinstance(exc, IntegrityError | OperationalError) and is_conflict(exc):
        return Fault.CONFLICT
    if isinstance(exc, IntegrityError):
        return None
    if isinstance(exc, (OperationalError, InterfaceError, *_REDIS_OUTAGES)):
        return Fault.OUTAGE
    # DataError: a value PostgreSQL cannot hold (a number out of range, a NUL byte that slipped
    # past the input guard); OverflowError: SQLite's driver refusing an integer over 64 bits.
    if isinstance(exc, DataError | OverflowError | BadInput):
        return Fault.BAD_INPUT
    return None


# The exception classes ``classify`` may recognise, for handlers registered per class (ninja's).
FAULT_EXCEPTIONS: tuple[type[Exception], ...] = (
    DatabaseError,
    OverflowError,
    BadInput,
    *(kind for kind in _REDIS_OUTAGES if issubclass(kind, Exception)),
)
