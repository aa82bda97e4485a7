"""Throwaway databases for the suites: a migrated SQLite file, or a fresh PostgreSQL database.

PostgreSQL is the server at KASSA_TEST_POSTGRES_URL. Where it is unreachable,
`skip_or_fail` skips the test, unless the environment variable CI is set: then it fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest
from sqlalchemy import URL, make_url, pool, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.sql.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_S = 5

T = TypeVar("T")


class PostgresUnavailableError(RuntimeError):
    """The test PostgreSQL server did not answer."""


def postgres_server_url() -> URL:
    return make_url(os.environ.get("KASSA_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with a visible reason; fail loudly on CI, where PostgreSQL must be there."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


async def _admin(sql: str, server: URL) -> None:
    engine = create_async_engine(
        server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool,
        connect_args={"timeout": CONNECT_TIMEOUT_S},
    )  # fmt: skip
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def fresh_postgres_url(migrate: bool = True, server_url: str | None = None) -> str:
    """Create `kassa_test_<random>` on the test server (migrated unless told) and its URL.

    Raises PostgresUnavailableError when the server cannot be reached.
    """
    server = make_url(server_url) if server_url else postgres_server_url()
    name = f"kassa_test_{secrets.token_hex(6)}"
    try:
        await _admin(f'CREATE DATABASE "{name}"', server)
    except (OSError, TimeoutError, DBAPIError) as exc:
        shown = server.render_as_string(hide_password=True)
        raise PostgresUnavailableError(f"PostgreSQL not reachable at {shown}: {exc}") from exc
    url = server.set(database=name)
    if migrate:
        await upgrade(url)
    return url.render_as_string(hide_password=False)


async def drop_postgres_database(url: str, server_url: str | None = None) -> None:
    """Drop a database made by `fresh_postgres_url`, closing its leftover connections."""
    server = make_url(server_url) if server_url else postgres_server_url()
    name = make_url(url).database
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', server)


@asynccontextmanager
async def postgres_database(migrate: bool = True) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the block; skipped (failed on CI) if unreachable."""
    try:
        url = await fresh_postgres_url(migrate)
    except PostgresUnavailableError as exc:
        skip_or_fail(str(exc))
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def migrated_sqlite_url(directory: Path, name: str = "kassa.db") -> str:
    url = sqlite_url(directory / name)
    await upgrade(url)
    return url


def copy_sqlite(template: Path, directory: Path, name: str = "kassa.db") -> str:
    """A migrated database in a blink: a copy of a migrated (non-WAL) template file."""
    target = directory / name
    shutil.copyfile(template, target)
    return sqlite_url(target)
