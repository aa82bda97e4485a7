"""DNS rebinding (§14): a delivery connects to an address the SSRF guard checked in the
same lookup, never to a second answer, and still speaks to the name (Host, TLS SNI and
certificate). Real sockets on loopback; the system resolver is replaced for the names."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from httpcore._backends.base import SOCKET_OPTION
from litestar import Litestar, Request, Response, post

from adapters.events.httpx_sender import HttpxWebhookSender
from adapters.events.pinned_transport import PinnedTransport
from adapters.events.url_guard import ResolvingUrlGuard
from application.ports.events import UnsafeUrlError
from tests.support.http_server import serving
from tests.support.ports import LOOPBACK, free_port

PUBLIC = "93.184.216.34"
LIMITS = httpx.Limits(max_connections=5)


@dataclass
class Dns:
    """The event loop's resolver, with some names answering differently on each lookup."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = asyncio.get_running_loop().getaddrinfo

        async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in self.answers:
                return await real(host, port, *args, **kwargs)
            self.asked.append(name)
            queue = self.answers[name]
            address = queue.pop(0) if len(queue) > 1 else queue[0]  # the last one sticks
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]

        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> Dns:
    found = Dns()
    found.install(monkeypatch)
    return found


@dataclass
class Receiver:
    base: str = ""
    heard: list[tuple[bytes, str]] = field(default_factory=list)  # body, Host header


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()

    @post("/hook", status_code=200)
    async def hook(request: Request[Any, Any, Any]) -> Response[bytes]:
        found.heard.append((await request.body(), request.headers.get("host", "")))
        return Response(b"", status_code=200)

    async with serving(Litestar([hook])) as base:
        found.base = base
        yield found


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Where connections were asked for; none is made (the public address is not ours)."""

    def __init__(self) -> None:
        self.connected_to: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected_to.append(host)
        raise httpcore.ConnectError(f"no route to {host} in a test")


async def test_a_name_rebinding_to_a_private_address_is_refused_at_delivery(
    dns: Dns, receiver: Receiver
) -> None:
    port = receiver.base.rsplit(":", 1)[1]
    dns.answers["rebind.test"] = [PUBLIC, LOOPBACK]
    guard = ResolvingUrlGuard(allow_private=False)
    url = f"https://rebind.test:{port}/hook"
    await guard.check(url)  # the endpoint is accepted: the name was public then

    sender = HttpxWebhookSender(guard.addresses, timeout_seconds=5)
    try:
        result = await sender.post(url, b"{}", {"Content-Type": "application/json"})
    finally:
        await sender.aclose()
    assert result.status_code is None
    assert result.error is not None and result.error.startswith("refused: ")
    assert "non-public" in result.error
    assert receiver.heard == []


async def test_the_connection_goes_to_the_address_checked_not_to_a_new_lookup(
    dns: Dns,
) -> None:
    dns.answers["rebind.test"] = [PUBLIC, LOOPBACK]  # public to the check, private after
    recorder = RecordingBackend()
    guard = ResolvingUrlGuard(allow_private=False)
    transport = PinnedTransport(guard.addresses, LIMITS, inner=recorder)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("https://rebind.test/hook", content=b"{}")
    assert recorder.connected_to == [PUBLIC]
    assert dns.asked == ["rebind.test"]  # one lookup, the one that was checked


async def test_every_address_is_checked_before_any_connection(dns: Dns) -> None:
    dns.answers["mixed.test"] = [PUBLIC]
    recorder = RecordingBackend()

    async def public_then_private(host: str, port: int) -> list[str]:
        return [PUBLIC, "10.0.0.7"]

    guard = ResolvingUrlGuard(allow_private=False, resolve=public_then_private)
    transport = PinnedTransport(guard.addresses, LIMITS, inner=recorder)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(UnsafeUrlError, match=r"10\.0\.0\.7"):
            await client.post("https://mixed.test/hook", content=b"{}")
    assert recorder.connected_to == []


async def test_in_dev_a_delivery_reaches_a_local_receiver(receiver: Receiver) -> None:
    guard = ResolvingUrlGuard(allow_private=True)
    sender = HttpxWebhookSender(guard.addresses, timeout_seconds=5)
    try:
        result = await sender.post(f"{receiver.base}/hook", b'{"id":"evt_1"}', {})
    finally:
        await sender.aclose()
    assert (result.status_code, result.error) == (200, None)
    assert receiver.heard == [(b'{"id":"evt_1"}', receiver.base.removeprefix("http://"))]


async def test_in_dev_a_name_is_sent_to_where_it_resolved_keeping_its_host_header(
    dns: Dns, receiver: Receiver
) -> None:
    port = receiver.base.rsplit(":", 1)[1]
    dns.answers["hooks.test"] = [LOOPBACK, "10.255.255.1"]  # a second lookup goes nowhere
    sender = HttpxWebhookSender(ResolvingUrlGuard(allow_private=True).addresses, 5)
    try:
        result = await sender.post(f"http://hooks.test:{port}/hook", b"{}", {})
    finally:
        await sender.aclose()
    assert (result.status_code, result.error) == (200, None)
    assert receiver.heard == [(b"{}", f"hooks.test:{port}")]
    assert dns.asked == ["hooks.test"]


# ------------------------------------------------------------------ TLS: SNI, certificate


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (its own CA): cert and key files."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class TlsServer:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[TlsServer, Path]]:
    cert, key = certificate(tmp_path, "hooks.test")
    found = TlsServer(port=free_port())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def sni(sock: Any, server_name: str | None, ctx: Any) -> None:
        found.server_names.append(server_name)

    context.sni_callback = sni

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        found.requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, LOOPBACK, found.port, ssl=context)
    async with server:
        yield found, cert


async def test_tls_is_spoken_to_the_name_at_the_pinned_address(
    dns: Dns, tls_server: tuple[TlsServer, Path], tmp_path: Path
) -> None:
    server, cert = tls_server
    dns.answers["hooks.test"] = [LOOPBACK]
    dns.answers["other.test"] = [LOOPBACK]
    trusted = ssl.create_default_context(cafile=str(cert))
    guard = ResolvingUrlGuard(allow_private=True)
    transport = PinnedTransport(guard.addresses, LIMITS, ssl_context=trusted)
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.post(f"https://hooks.test:{server.port}/hook", content=b"{}")
        assert answer.status_code == 204
        assert server.server_names == ["hooks.test"]
        assert f"host: hooks.test:{server.port}".encode() in server.requests[0].lower()
        # The certificate is checked against the name asked for, not the address.
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            await client.post(f"https://other.test:{server.port}/hook", content=b"{}")
    assert len(server.requests) == 1
