"""The client's address, the one every consumer uses (rate limits, sign-in lock-out, logs).

Behind a reverse proxy every request comes from the proxy. `X-Forwarded-For` is believed only
when the request comes from an address listed in settings.TRUSTED_PROXIES, and then only as far
as the chain of trusted proxies goes: the address is the right-most entry of the header that is
not itself a trusted proxy. Entries further left were written by the client and may be forged.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(spec: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in spec)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc


def parse_trusted_proxies(spec: list[str]) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES; a malformed entry is refused by name."""
    return _trusted(tuple(item.strip() for item in spec if item.strip()))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: object, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request` (see the module's text)."""
    return client_address_of(request.META)


def client_address_of(environ: Mapping[str, Any]) -> str:
    """The same, from a WSGI environ (the server's access log has no Django request)."""
    remote = str(environ.get("REMOTE_ADDR", "") or "")
    networks = parse_trusted_proxies(settings.TRUSTED_PROXIES)
    peer = _address(remote)
    if peer is None or not networks or not _is_trusted(peer, networks):
        return remote or "unknown"
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", "") or "")
    closest = remote
    for entry in reversed(forwarded.split(",")):
        hop = _address(entry)
        if hop is None:
            # A garbled entry: nothing to its left can be trusted either.
            break
        if not _is_trusted(hop, networks):
            return str(hop)
        closest = str(hop)  # another trusted proxy: look further left
    return closest


def client_address_for_axes(request: HttpRequest) -> str | None:
    """django-axes's AXES_CLIENT_IP_CALLABLE: the same address as everywhere else, or None when
    there is no address (a request made in-process), which axes stores as such."""
    address = client_address(request)
    return address if _address(address) is not None else None
