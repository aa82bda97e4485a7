"""Kassa as an operator runs it, for the reliability suite: `kassa serve`,
`kassa webhooks consume`, `kassa events deliver` and CLI commands in subprocesses on one
database, on 127.0.0.1 only; and a merchant's HTTP client for the served API."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.ports import free_port

KASSA = Path(sys.executable).with_name("kassa")
LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
# Workers import Kassa one by one on a loaded two-core machine: allow them time.
START_WITHIN_S = 90


def kassa_env(database_url: str, **settings: str) -> dict[str, str]:
    """This environment without any KASSA_* variable, plus the database and `settings`
    (`webhook_lease_seconds="2"` → KASSA_WEBHOOK_LEASE_SECONDS=2)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    chosen = {f"KASSA_{name.upper()}": value for name, value in settings.items()}
    return base | {"KASSA_DATABASE_URL": database_url, "KASSA_LOG_LEVEL": "WARNING"} | chosen


@dataclass
class KassaProcess:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    ready_line: str | None = None  # printed once SIGTERM stops it cleanly

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when the machine dies."""
        self.process.kill()

    async def wait(self, within: float) -> int:
        return await asyncio.wait_for(self.process.wait(), within)

    async def terminate(self, within: float = 20) -> int:
        """SIGTERM, as a process manager stops it, once it is up (a process still
        importing has no handler for it yet and dies of it); the exit code."""
        if self.ready_line is not None:
            await self.ready(START_WITHIN_S)
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait(within)

    async def ready(self, within: float) -> None:
        """Until it prints its ready line, or has ended."""
        deadline = time.monotonic() + within
        while self.running and str(self.ready_line) not in self.output():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start within {within:.0f} s")
            await asyncio.sleep(0.1)


async def start(name: str, args: Sequence[str], env: Mapping[str, str], logs: Path) -> KassaProcess:
    """`kassa ARGS…` with its output in `logs/NAME.log`."""
    log_path = logs / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(KASSA), *args, cwd=REPO_ROOT, env=dict(env),
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    return KassaProcess(name, process, log_path)


async def serve(
    database_url: str, logs: Path, *options: str, **settings: str
) -> tuple[KassaProcess, str]:
    """`kassa serve OPTIONS…` on a free port, once its /health answers 200; its base URL."""
    port = free_port()
    env = kassa_env(database_url, **settings)
    server = await start(
        "serve",
        ["serve", "--host", LOOPBACK, "--port", str(port), "--no-migrate", *options],
        env,
        logs,
    )
    base_url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + START_WITHIN_S
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if not server.running:
                raise RuntimeError(f"kassa serve exited at start-up:\n{server.output()}")
            try:
                if (await client.get("/health")).status_code == 200:
                    return server, base_url
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    server.kill()
    raise RuntimeError(f"kassa serve did not answer within {START_WITHIN_S} s:\n{server.output()}")


async def consume(
    database_url: str, logs: Path, name: str, *options: str, **settings: str
) -> KassaProcess:
    """`kassa webhooks consume OPTIONS…` in a process of its own."""
    env = kassa_env(database_url, **settings)
    started = await start(name, ["webhooks", "consume", *options], env, logs)
    if "--once" not in options:
        started.ready_line = "Consuming webhook events"
    return started


async def deliver_events(database_url: str, logs: Path, name: str, **settings: str) -> KassaProcess:
    """`kassa events deliver` (a merchant event delivery worker) in a process of its own."""
    return await start(name, ["events", "deliver"], kassa_env(database_url, **settings), logs)


async def cli(database_url: str, *args: str) -> str:
    """`kassa ARGS…` as an operator types it; its output (fails on a non-zero exit)."""
    process = await asyncio.create_subprocess_exec(
        str(KASSA), *args, cwd=REPO_ROOT, env=kassa_env(database_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"kassa {' '.join(args)}: {err.decode()}"
    return out.decode()


def merchant(
    base_url: str, demo: Mapping[str, Any], token: str = "merchant_token"
) -> httpx.AsyncClient:
    """The served API as the demo tenant's merchant (`kassa demo --json`'s tokens)."""
    return httpx.AsyncClient(
        base_url=f"{base_url}/api/v1",
        headers={"Authorization": f"Bearer {demo[token]}"},
        trust_env=False,
        timeout=10,
    )


async def complete_3ds(api: httpx.AsyncClient, base_url: str, payment: Mapping[str, Any]) -> None:
    """The customer completes 3-D Secure on the fake gateway's page; the gateway then
    tells Kassa by webhook (nothing else reports the success)."""
    page_url = payment["next_action"]["redirect_to_url"]["url"]
    assert page_url.startswith(f"{base_url}/fake-gateway/3ds/"), page_url
    page = await api.get(page_url)
    assert page.status_code == 200 and "Kassa fake gateway" in page.text
    action = re.search(r"<form method=post action='([^']+)'>", page.text)
    assert action is not None
    answered = await api.post(
        base_url + action.group(1), content=b"outcome=complete",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text


async def wait_for(
    client: httpx.AsyncClient, path: str, field: str, value: str, within: float
) -> tuple[dict[str, Any], float]:
    """GET `path` until its `field` is `value`; the resource and the seconds it took."""
    started = time.monotonic()
    while True:
        shown = (await client.get(path)).json()
        if shown.get(field) == value:
            return shown, time.monotonic() - started
        assert time.monotonic() - started < within, f"{field} is {shown.get(field)!r}: {shown}"
        await asyncio.sleep(0.05)
