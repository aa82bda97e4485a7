"""The tenant configuration cache (application/ports/config_cache.py), invalidated across
processes by PostgreSQL LISTEN/NOTIFY.

Every write of a tenant or a fee tier sends `pg_notify(CHANNEL, 'tenant:<id>' | 'tier:<code>')`
in its own transaction (adapters/persistence/sql/tenant_repositories.py), so PostgreSQL
delivers it when, and only if, the change commits. Each process listens on a connection
of its own and drops what a notice names. An entry is kept only while that connection is
up: before it is, after it drops and until it is back, nothing is cached (every request
reads), and a reconnection starts from empty, as notices may have been missed meanwhile.
A read that overlapped a notice is not kept (`generation`), so a stale row read just
before a change can never outlive it. What remains is the notice's delivery time, a few
milliseconds, during which another process may still serve the previous configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from adapters.persistence.listening_connection import (
    RECONNECT_AFTER_S,
    close_quietly,
    libpq_dsn,
    open_listening_connection,
)
from application.ports.config_cache import TenantConfig

log = logging.getLogger("kassa.cache")

CHANNEL = "kassa_tenant_config"
START_TIMEOUT_S = 5.0


class NoTenantConfigCache:
    """Keeps nothing: SQLite and memory stores, and processes that do not listen."""

    def get(self, tenant_id: str) -> TenantConfig | None:
        return None

    def generation(self) -> int:
        return 0

    def put(self, tenant_id: str, config: TenantConfig, generation: int) -> None:
        pass  # nothing is kept: a cache that cannot hear changes must not answer

    async def start(self) -> None:
        """Nothing to listen to."""

    async def close(self) -> None:
        """Nothing to close."""


class ListeningTenantConfigCache:
    """Entries by tenant id, kept while LISTEN is up (see the module's docstring)."""

    def __init__(self, database_url: str) -> None:
        self._dsn = libpq_dsn(database_url)
        self._entries: dict[str, TenantConfig] = {}
        self._generation = 0
        self._listening = False
        self._conn: Any = None  # asyncpg.Connection while connected
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def get(self, tenant_id: str) -> TenantConfig | None:
        return self._entries.get(tenant_id) if self._listening else None

    def generation(self) -> int:
        return self._generation

    def put(self, tenant_id: str, config: TenantConfig, generation: int) -> None:
        if self._listening and generation == self._generation:
            self._entries[tenant_id] = config

    async def start(self) -> None:
        """Listen from now on; return once listening (or after START_TIMEOUT_S, uncached)."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep_listening(), name="kassa-tenant-cache")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(START_TIMEOUT_S):
                await self._connected.wait()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._forget_all()

    def heard(self, payload: str) -> None:
        """A change committed somewhere: drop what it names (a tier: every entry)."""
        self._generation += 1
        kind, _, name = payload.partition(":")
        if kind == "tenant":
            self._entries.pop(name, None)
        else:
            self._entries.clear()

    def _on_notice(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.heard(payload)

    def _forget_all(self) -> None:
        self._listening = False
        self._generation += 1
        self._entries.clear()
        self._connected.clear()

    async def _keep_listening(self) -> None:
        while True:
            try:
                closed = asyncio.Event()
                self._conn = await open_listening_connection(self._dsn)
                self._conn.add_termination_listener(functools.partial(_set, closed))
                await self._conn.add_listener(CHANNEL, self._on_notice)
                self._generation += 1  # anything read before now may have missed a notice
                self._listening = True
                self._connected.set()
                while not self._conn.is_closed():
                    # asyncio.timeout, not wait_for, which can swallow close()'s cancel on
                    # Python 3.11 (inbox_wakeup.py's _notify_while_connected says more)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(RECONNECT_AFTER_S):
                            await closed.wait()
                log.warning("The tenant cache's connection closed; reading every request")
            except asyncio.CancelledError:
                self._forget_all()
                await self._disconnect()
                raise
            except Exception as exc:
                log.warning("Tenant cache off (%s); retrying in %g s", exc, RECONNECT_AFTER_S)
            self._forget_all()
            await self._disconnect()
            await asyncio.sleep(RECONNECT_AFTER_S)

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        await close_quietly(conn)


def _set(event: asyncio.Event, _conn: object) -> None:
    event.set()


def tenant_config_cache_for(
    database_url: str, store: str
) -> NoTenantConfigCache | ListeningTenantConfigCache:
    """LISTEN/NOTIFY on PostgreSQL; elsewhere no cache (SQLite has no notices to hear)."""
    if store == "sql" and database_url.startswith("postgres"):
        return ListeningTenantConfigCache(database_url)
    return NoTenantConfigCache()
