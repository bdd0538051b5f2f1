"""Secrets in URLs kept out of the logs.

A proposer's status page (which can withdraw the proposal), an invitation (which creates an
account) and a password reset are reached through a token in the URL. Whoever reads the access
log must not be able to use them, so the server's access log and Django's own request log
(``Not Found: /proposals/status/…``) write ``***`` in place of the token.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
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
# Query parameters whose value is a secret (in a URL, or first in a bare query string).
_SECRET_QUERY = re.compile(
    r"(?P<name>(?:^|[?&])(?:token|key|secret|password|signature)=)[^&#\s\"]*",
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
    """gunicorn's logger with the client address behind trusted proxies, and every value of the
    line (request line, path, query, referrer, headers) masked."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        # gunicorn builds every atom (some 70: each header and environ variable), copies them
        # into its quoting dict and here each was masked, for the eight a line uses: 16 % of
        # the CPU of an API answer under load (py-spy --gil, 2026-12-06). The line's format asks
        # `_Atoms` for only the atoms it names, each masked and quoted as gunicorn quotes it.
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(
                self.cfg.access_log_format, _Atoms(self, resp, req, environ, request_time)
            )
        except Exception:
            self.error(traceback.format_exc())


class _Atoms(Mapping[str, Any]):
    """The atoms of one access-log line (gunicorn's names and values), each computed when the
    format asks for it; strings masked (`mask_secrets`) and their quotes escaped."""

    def __init__(
        self,
        logger: AccessLogger,
        resp: Any,
        req: Any,
        environ: dict[str, Any],
        request_time: timedelta,
    ) -> None:
        self.logger = logger
        self.resp = resp
        self.req = req
        self.environ = environ
        self.request_time = request_time

    def _value(self, key: str) -> Any:
        if key.startswith("{"):
            # {name}i: a request header, {name}o: a response header, {name}e: an environ
            # variable; names compared without case, as gunicorn does.
            lowered = key.lower()
            if not lowered.endswith(("}i", "}o", "}e")):
                return "-"
            name, kind = lowered[1:-2], lowered[-1]
            if kind == "e":
                pairs: Any = self.environ.items()
            else:
                source = self.req if kind == "i" else self.resp
                pairs = getattr(source, "headers", source)
                if hasattr(pairs, "items"):
                    pairs = pairs.items()
            for candidate, value in pairs:
                if candidate.lower() == name:
                    return value
            return "-"
        compute = _SIMPLE_ATOMS.get(key)
        return "-" if compute is None else compute(self)

    def __getitem__(self, key: str) -> Any:
        value = self._value(key)
        if isinstance(value, str):
            return mask_secrets(value).replace('"', '\\"')
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(_SIMPLE_ATOMS)

    def __len__(self) -> int:
        return len(_SIMPLE_ATOMS)


def _status(atoms: _Atoms) -> Any:
    status = atoms.resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _sent(atoms: _Atoms) -> Any:
    return getattr(atoms.resp, "sent", None)


# gunicorn's atoms (glogging.Logger.atoms), but for the client address (see ClientAddressLogger).
_SIMPLE_ATOMS: dict[str, Callable[[_Atoms], Any]] = {
    "h": lambda a: ClientAddressLogger.client_address(a.environ),
    "l": lambda a: "-",
    "u": lambda a: a.logger._get_user(a.environ) or "-",
    "t": lambda a: a.logger.now(),
    "r": lambda a: " ".join(
        (a.environ["REQUEST_METHOD"], a.environ["RAW_URI"], a.environ["SERVER_PROTOCOL"])
    ),
    "s": _status,
    "m": lambda a: a.environ.get("REQUEST_METHOD"),
    "U": lambda a: a.environ.get("PATH_INFO"),
    "q": lambda a: a.environ.get("QUERY_STRING"),
    "H": lambda a: a.environ.get("SERVER_PROTOCOL"),
    "b": lambda a: "-" if _sent(a) is None else str(_sent(a)),
    "B": _sent,
    "f": lambda a: a.environ.get("HTTP_REFERER", "-"),
    "a": lambda a: a.environ.get("HTTP_USER_AGENT", "-"),
    "T": lambda a: a.request_time.seconds,
    "D": lambda a: a.request_time.seconds * 1_000_000 + a.request_time.microseconds,
    "M": lambda a: a.request_time.seconds * 1000 + a.request_time.microseconds // 1000,
    "L": lambda a: f"{a.request_time.seconds}.{a.request_time.microseconds:06d}",
    "p": lambda a: f"<{os.getpid()}>",
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
