from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def keep_language() -> Iterator[None]:
    """Requests to English pages switch the thread's language; later tests expect their own."""
    language = translation.get_language()
    yield
    translation.activate(language)
