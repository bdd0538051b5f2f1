"""The server's access log, with the same client address as everywhere else.

gunicorn logs the connection's peer (`%(h)s`), which behind a reverse proxy is the proxy for every
line. This logger writes the address that `client.client_address_of` gives (X-Forwarded-For from
TRUSTED_PROXIES only), so the log, the rate limits and the sign-in lock-out agree.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .client import client_address_of


class ClientAddressLogger(Logger):  # type: ignore[misc]
    @staticmethod
    def client_address(environ: dict[str, Any]) -> str:
        return client_address_of(environ)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = self.client_address(environ)
        return atoms
