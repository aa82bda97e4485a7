"""Where merchant events may be sent (SSRF): outside dev only https URLs whose host
resolves to public addresses only — never loopback, private, link-local (the cloud
metadata service at 169.254.169.254 among them), shared, reserved or multicast ones.
`check` judges a URL when an endpoint is made; at delivery the sender's transport
(`pinned_transport.py`) calls `addresses` as it connects and connects to what it passed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from application.ports.events import UnsafeUrlError

Resolve = Callable[[str, int], Awaitable[Sequence[str]]]
MAX_URL_LENGTH = 2048


async def resolve_host(host: str, port: int) -> Sequence[str]:
    """Every address the host resolves to, as the HTTP client would look them up."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class ResolvingUrlGuard:
    """`allow_private` (dev) accepts http and any address, for a receiver on this machine."""

    def __init__(self, allow_private: bool, resolve: Resolve = resolve_host) -> None:
        self._allow_private = allow_private
        self._resolve = resolve

    async def check(self, url: str, *, resolve: bool = True) -> None:
        if len(url) > MAX_URL_LENGTH:
            raise UnsafeUrlError("The URL is too long.")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise UnsafeUrlError("The URL is malformed.") from None
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise UnsafeUrlError("The URL must be an absolute http(s) URL.")
        if parts.username or parts.password:
            raise UnsafeUrlError("The URL may not carry credentials.")
        if self._allow_private:
            return
        if parts.scheme != "https":
            raise UnsafeUrlError("Only https:// URLs receive events outside dev.")
        if resolve:
            await self.addresses(parts.hostname, port or 443)

    async def addresses(self, host: str, port: int) -> Sequence[str]:
        """Resolve `host` once; every address it has, each allowed (outside dev: public),
        or UnsafeUrlError. The connection is made to one of these, never to a new lookup."""
        try:
            found = await self._resolve(host, port)
        except (OSError, UnicodeError):
            raise UnsafeUrlError(f"The host {host} does not resolve.") from None
        if not found:
            raise UnsafeUrlError(f"The host {host} does not resolve.")
        if not self._allow_private:
            for address in found:
                if not is_public(address):
                    raise UnsafeUrlError(
                        f"The host {host} resolves to a non-public address ({address})."
                    )
        return found
