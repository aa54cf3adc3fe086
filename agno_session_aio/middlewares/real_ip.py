"""Real client IP from X-Forwarded-For, X-Real-IP or Forwarded, believed only from trusted proxy networks.

The chain is read right to left: each hop appended by a trusted proxy is skipped, and the first address
that is not a trusted proxy is the client. Headers from untrusted peers are ignored, since anyone can
send them; an unparsable header leaves the peer address in place.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Sequence
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..keys import REQUEST_CONTEXT_KEY
from .types import Middleware

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
FORWARDED_FOR: Final = re.compile(r'(?:^|[;,])\s*for\s*=\s*("[^"]*"|[^;,\s]*)', re.IGNORECASE)


def make_real_ip_middleware(trusted_proxies: Sequence[Network]) -> Middleware | None:
    """The middleware, or None when no proxy network is trusted (the peer address is then the client)."""
    if not trusted_proxies:
        return None
    networks = tuple(trusted_proxies)

    def trusted(address: Address) -> bool:
        return any(address in network for network in networks)

    @web.middleware
    async def real_ip_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = _parse(request.remote or "")
        if peer is None or not trusted(peer):
            return await handler(request)
        chain = _chain(request)
        if not chain:
            return await handler(request)
        client = next((hop for hop in reversed(chain) if not trusted(hop)), chain[0])
        if REQUEST_CONTEXT_KEY in request:
            request[REQUEST_CONTEXT_KEY].remote = str(client)
        return await handler(request.clone(remote=str(client)))

    return real_ip_middleware


def _chain(request: web.Request) -> list[Address]:
    """The forwarded addresses, client first; empty when absent or malformed."""
    if forwarded_for := request.headers.getall("X-Forwarded-For", []):
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    elif real_ip := request.headers.get("X-Real-IP"):
        hops = [real_ip.strip()]
    elif forwarded := request.headers.getall("Forwarded", []):
        hops = [_strip_port(match) for value in forwarded for match in FORWARDED_FOR.findall(value)]
    else:
        return []
    addresses = [_parse(hop) for hop in hops]
    if any(address is None for address in addresses):
        logger.warning("ignoring malformed forwarding header: %r", hops)
        return []
    return [address for address in addresses if address is not None]


def _strip_port(value: str) -> str:
    """`"[2001:db8::1]:4711"` or `192.0.2.1:80` → the bare address (RFC 7239 node syntax)."""
    value = value.strip('"')
    if value.startswith("["):
        return value[1 : value.find("]")]
    return value.split(":", 1)[0] if value.count(":") == 1 else value


def _parse(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None
