"""A receiver of Kassa's merchant events for tests and benchmarks: a plain HTTP/1.1
server (keep-alive, Content-Length bodies) on a fixed loopback port, that can be down
(not listening at all), answers 500 to a share of requests, and records what it heard."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.support.ports import LOOPBACK, free_port


@dataclass(frozen=True)
class Heard:
    event_id: str  # the Kassa-Event-Id header
    body: bytes
    signature: str  # the Kassa-Signature header
    status: int  # what the receiver answered
    at: float  # time.monotonic() when it arrived
    client_port: int


@dataclass
class WebhookReceiver:
    """`failure_rate` of the requests (drawn from `rng`) are answered 500 after
    `answer_delay` seconds; the rest 200."""

    port: int = field(default_factory=free_port)
    failure_rate: float = 0.0
    answer_delay: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    heard: list[Heard] = field(default_factory=list)
    waiting: Counter[int] = field(default_factory=Counter)  # client port → unanswered
    _server: asyncio.Server | None = None
    _open: set[asyncio.StreamWriter] = field(default_factory=set)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/hook"

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, self.port)

    async def down(self) -> None:
        """Stop listening and drop every connection: senders are refused until `up`."""
        if self._server is not None:
            self._server.close()
            for writer in self._open:
                writer.transport.abort()
            if self._handlers:  # they end on the lost connection, before the loop may
                await asyncio.wait(self._handlers, timeout=5)  # cancel them
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client_port = int(writer.get_extra_info("peername")[1])
        self._open.add(writer)
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in head.split("\r\n")[1:])
                    if name
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                failed = self.failure_rate and self.rng.random() < self.failure_rate
                status = 500 if failed else 200
                self.heard.append(
                    Heard(
                        event_id=headers.get("kassa-event-id", ""),
                        body=body,
                        signature=headers.get("kassa-signature", ""),
                        status=status,
                        at=time.monotonic(),
                        client_port=client_port,
                    )
                )
                self.waiting[client_port] += 1
                if self.answer_delay:
                    await asyncio.sleep(self.answer_delay)
                reason = "OK" if status == 200 else "Internal Server Error"
                writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
                self.waiting[client_port] -= 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the sender closed the connection, or died
        finally:
            self._open.discard(writer)
            self._handlers.discard(handler)
            writer.close()
