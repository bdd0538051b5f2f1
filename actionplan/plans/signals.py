"""Hooks through which other apps take part in publishing a plan version.

``plans`` imports no other app: the search index and the open data register here instead, in
their ``AppConfig.ready``.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``version=`` for a version about to become current, inside the transaction that
# staged it (or that activates it). A receiver builds what it derives from the version and
# raises when it cannot; the version is then refused and nothing is kept.
version_staged = Signal()
