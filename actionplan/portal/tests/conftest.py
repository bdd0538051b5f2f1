from __future__ import annotations

from actionplan.portal.tests.browser import browser, page  # noqa: F401 - pytest fixtures
