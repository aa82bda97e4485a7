"""The load generator's HTTP/1.1 keep-alive clients: a lean one by default, or httpx.

Why not httpx by default: on this 2-core machine, httpx.AsyncClient with 32 pooled
connections spent ~8 ms of client CPU per request, against ~3 ms for the bare endpoint's
whole server side, so the load generator, not the server, capped the baseline (50-75
req/s against 330 req/s with the lean client, whose cost is ~0.15 ms per request). The
lean client speaks just enough HTTP/1.1 for our own servers: Content-Length or chunked
bodies, keep-alive, reconnect after `Connection: close` or a broken connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import msgspec

CLIENTS = ("lean", "httpx")
_TIMEOUT_S = 30.0


class TransportError(Exception):
    """No answer: the connection failed, broke or timed out."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


class Sender(Protocol):
    """One worker's way of sending a request and waiting for the whole answer."""

    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer: ...


def encode_call(json: Any, content: bytes | None, headers: Mapping[str, str] | None) -> tuple[
    dict[str, str], bytes | None
]:  # fmt: skip
    """The headers and body bytes of a request: `json` (msgspec-encoded) wins over `content`."""
    merged = dict(headers or {})
    if json is not None:
        merged.setdefault("Content-Type", "application/json")
        return merged, msgspec.json.encode(json)
    return merged, content


@asynccontextmanager
async def open_senders(kind: str, host: str, port: int, count: int) -> AsyncIterator[list[Sender]]:
    """`count` senders to http://host:port: lean ones (a connection each) or httpx ones
    (one AsyncClient with `count` pooled connections)."""
    if kind == "httpx":
        limits = httpx.Limits(
            max_connections=count, max_keepalive_connections=count, keepalive_expiry=60
        )
        async with httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            limits=limits,
            timeout=httpx.Timeout(_TIMEOUT_S),
            trust_env=False,
        ) as client:
            yield [_HttpxSender(client)] * count
        return
    if kind != "lean":
        raise ValueError(f"Unknown client {kind!r}: one of {', '.join(CLIENTS)}.")
    senders = [_LeanSender(host, port) for _ in range(count)]
    try:
        yield list(senders)
    finally:
        for sender in senders:
            sender.close()


class _HttpxSender:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        try:
            response = await self._client.request(method, path, headers=headers, content=body)
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return Answer(response.status_code, response.content)


class _LeanSender:
    """One keep-alive connection, opened on first use and again after it breaks."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._host_header = f"Host: {host}:{port}\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        try:
            async with asyncio.timeout(_TIMEOUT_S):
                return await self._exchange(method, path, headers, body)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        lines = [f"{method} {path} HTTP/1.1\r\n", self._host_header]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        lines.append(f"Content-Length: {len(body or b'')}\r\n\r\n")
        writer.write("".join(lines).encode("latin-1") + (body or b""))
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            content = await self._read_chunked(reader)
        else:
            content = await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, content)

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers from our servers
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
