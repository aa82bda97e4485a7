"""POSTs merchant events with httpx: a timeout, no redirects followed, at most a few
kilobytes of the receiver's answer read (kept as the attempt's error when it fails), and
connections made only to the addresses the SSRF guard passed as they were opened."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from adapters.events.pinned_transport import CheckedAddresses, PinnedTransport
from application.ports.events import SendResult, UnsafeUrlError

RESPONSE_READ_LIMIT = 4096  # bytes of a receiver's answer worth keeping


class HttpxWebhookSender:
    """`addresses`: the guard's `ResolvingUrlGuard.addresses`, called as each connection
    is opened (see `pinned_transport.py`)."""

    def __init__(self, addresses: CheckedAddresses, timeout_seconds: float = 10.0) -> None:
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            transport=PinnedTransport(addresses, limits),
            trust_env=False,  # no proxy from the environment between Kassa and a receiver
        )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        started = time.perf_counter()
        try:
            async with self._client.stream("POST", url, content=body, headers=dict(headers)) as r:
                answer = await _read_some(r)
                status = r.status_code
        except UnsafeUrlError as refused:  # where the name resolves as we connect
            return SendResult(None, _ms(started), f"refused: {refused.message}")
        except httpx.TimeoutException:
            return SendResult(None, _ms(started), "timed out")
        except httpx.HTTPError as exc:
            return SendResult(None, _ms(started), f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return SendResult(status, _ms(started), None)
        if 300 <= status < 400:
            return SendResult(status, _ms(started), "redirects are not followed")
        return SendResult(status, _ms(started), answer.decode(errors="replace")[:500] or None)

    async def aclose(self) -> None:
        await self._client.aclose()


async def _read_some(response: httpx.Response) -> bytes:
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= RESPONSE_READ_LIMIT:
            break
    return kept[:RESPONSE_READ_LIMIT]


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
