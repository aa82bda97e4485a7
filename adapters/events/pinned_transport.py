"""An httpx transport that connects only where the SSRF guard just looked (DNS rebinding).

Checking a URL and then letting the HTTP client connect resolves the name twice: a name
can answer a public address to the check and 127.0.0.1 a moment later. Here the one
lookup is made as the connection is opened: the host is resolved once, every address is
checked, and the TCP connection goes to one of those very addresses. The request still
speaks to the name: the Host header, the TLS SNI and the certificate check are the
name's (httpcore gives the origin's host to `start_tls`, not the address connected to).
Connections are pooled per origin, so a kept-alive one is always one that was checked."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpcore
import httpx

# The host's addresses, all of them allowed, or UnsafeUrlError (never an empty answer).
CheckedAddresses = Callable[[str, int], Awaitable[Sequence[str]]]


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self, addresses: CheckedAddresses, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._addresses = addresses
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in await self._addresses(host, port):  # raises UnsafeUrlError
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # the next checked address, as a resolver-driven client would
        raise failure or httpcore.ConnectError(f"{host} has no address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request, response and error mapping) over a pool whose
    network backend is the pinned one: httpx 0.28 takes no network backend, so the pool
    it builds is replaced by an equal one that has it."""

    def __init__(
        self,
        addresses: CheckedAddresses,
        limits: httpx.Limits,
        *,
        ssl_context: ssl.SSLContext | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        """`ssl_context` (default: httpx's, the system's CAs) and `inner` (default: anyio's
        sockets) are for tests: a CA of their own, a backend that records."""
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedNetworkBackend(addresses, inner),
        )
