"""Secrets in URLs kept out of the logs.

A proposer's status page (which can withdraw the proposal), an invitation (which creates an
account) and a password reset are reached through a token in the URL. Whoever reads the access
log must not be able to use them, so the server's access log and Django's own request log
(``Not Found: /proposals/status/…``) write ``***`` in place of the token.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from actionplan.web.accesslog import ClientAddressLogger

MASK = "***"
# A path segment after these prefixes is a secret (language prefix /en/ or not).
_SECRET_PATH = re.compile(
    r"(?P<prefix>/(?:proposals/status|accounts/invitations)/)[^/?#\s\"]+"
    r"|(?P<reset>/(?:password[-_]?)?reset/)[^/?#\s\"]+/[^/?#\s\"]+",
    re.IGNORECASE,
)
# Query parameters whose value is a secret.
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&](?:token|key|secret|password|signature)=)[^&#\s\"]*",
    re.IGNORECASE,
)


def _mask_path(match: re.Match[str]) -> str:
    if match.group("prefix"):
        return f"{match.group('prefix')}{MASK}"
    return f"{match.group('reset')}{MASK}/{MASK}"


def mask_secrets(text: str) -> str:
    """The text with every URL token it recognises replaced by ``***``."""
    text = _SECRET_PATH.sub(_mask_path, text)
    return _SECRET_QUERY.sub(lambda match: f"{match.group('name')}{MASK}", text)


class AccessLogger(ClientAddressLogger):
    """gunicorn's logger with the client address behind trusted proxies, and the request line,
    path, query and referrer masked."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


class MaskSecretsFilter(logging.Filter):
    """For Django's loggers: the record's message, with its arguments, masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
