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

# Sent with ``version=`` before the transaction that makes a version current, outside any
# transaction: a receiver may build ahead what it derives from the version (the search index
# writes the side searches do not read), and raises when it cannot; nothing is activated then.
version_preparing = Signal()

# Sent with ``version=`` inside the transaction that makes a version current, once it is
# marked current: a receiver switches to what it built ahead, so that readers see it together
# with the version.
version_activating = Signal()
