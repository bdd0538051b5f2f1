"""Bounded integer parameters shared by every router of the API.

Each integer a client sends ends up in a database query. SQLite holds at most a signed 64-bit
integer and raises ``OverflowError`` (a server error) for a larger one, so no parameter may be a
bare ``int``: these types refuse out-of-range values with 422 in the API's error shape, and the
OpenAPI document states the bounds.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# The largest id a BigAutoField can hold, on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1
FIRST_FISCAL_YEAR = 1900
LAST_FISCAL_YEAR = 2200
MAX_OFFSET = 1_000_000
MAX_PLAN_VERSION = 1_000_000

RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
FiscalYear = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]
PlanVersionNumber = Annotated[int, Field(ge=1, le=MAX_PLAN_VERSION)]
