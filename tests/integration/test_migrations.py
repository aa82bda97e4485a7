"""The migrations build exactly the schema of tables.py, seeded, from any caller."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select, text

from adapters.gateways.fake_sql import metadata as fake_gateway_metadata
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.migrate import MIGRATIONS, alembic_config, upgrade, upgrade_sync
from adapters.persistence.sql.tables import fee_tiers, metadata
from tests.support.databases import postgres_database, sqlite_url


def schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, [metadata, fake_gateway_metadata])  # type: ignore[arg-type]


async def migrated_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(schema_differences)
    finally:
        await engine.dispose()


async def test_the_migrated_sqlite_schema_matches_the_tables(tmp_path: Path):
    url = sqlite_url(tmp_path / "kassa.db")
    await upgrade(url)

    assert await migrated_differences(url) == []


@pytest.mark.postgres
async def test_the_migrated_postgresql_schema_matches_the_tables():
    async with postgres_database() as url:
        assert await migrated_differences(url) == []


async def test_migrating_twice_changes_nothing_and_seeds_once(sql_url: str):
    await upgrade(sql_url)

    engine = create_engine(sql_url)
    try:
        async with engine.connect() as conn:
            seeded = await conn.scalar(select(func.count()).select_from(fee_tiers))
            head = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
    assert seeded is not None and seeded >= 3
    assert head == ScriptDirectory.from_config(alembic_config(sql_url)).get_current_head()


async def test_upgrade_sync_works_inside_a_running_loop_and_makes_the_folder(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'var' / 'deeper' / 'kassa.db'}"

    upgrade_sync(url)

    assert (tmp_path / "var" / "deeper" / "kassa.db").is_file()
    assert await migrated_differences(url) == []


def test_upgrade_sync_works_without_a_loop(tmp_path: Path):
    upgrade_sync(sqlite_url(tmp_path / "kassa.db"))

    assert (tmp_path / "kassa.db").is_file()


def test_the_migrations_ship_inside_the_package():
    assert MIGRATIONS.parent.name == "sql"
    assert (MIGRATIONS / "env.py").is_file() and (MIGRATIONS / "script.py.mako").is_file()
    assert (MIGRATIONS / "versions" / "0001_payments_core.py").is_file()
