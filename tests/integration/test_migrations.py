"""The migrations build exactly the schema of tables.py, seeded, from any caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, insert, select, text

from adapters.gateways.fake_sql import metadata as fake_gateway_metadata
from adapters.persistence.sql.engine import create_engine
from adapters.persistence.sql.migrate import MIGRATIONS, alembic_config, upgrade, upgrade_sync
from adapters.persistence.sql.tables import fee_tiers, metadata, saved_payment_methods
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "kassa.db")
        return
    async with postgres_database(migrate=False) as url:
        yield url


async def test_0013_folds_a_card_kept_twice_into_the_default_or_oldest_row(unmigrated_url: str):
    await upgrade(unmigrated_url, "0012")
    removed_at = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [  # (id, customer, card, default, created day, removed)
        ("spm_a_old", "cus_a", "pm_1", False, 1, None),
        ("spm_a_default", "cus_a", "pm_1", True, 2, None),
        ("spm_a_new", "cus_a", "pm_1", False, 3, None),
        ("spm_a_removed", "cus_a", "pm_1", False, 0, removed_at),
        ("spm_a_other", "cus_a", "pm_2", False, 1, None),
        ("spm_b_1", "cus_b", "pm_3", False, 1, None),
        ("spm_b_2", "cus_b", "pm_3", False, 2, None),
        ("spm_c_1", "cus_c", "pm_1", False, 5, None),
    ]
    engine = create_engine(unmigrated_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(saved_payment_methods), [
                {"id": mid, "tenant_id": "ten_1", "customer_id": cus,
                 "gateway_payment_method_id": card, "brand": "visa", "last4": "4242",
                 "exp_month": 12, "exp_year": 2030, "is_default": default,
                 "deleted_at": removed, "version": 0,
                 "created_at": datetime(2026, 1, 10 + day, tzinfo=UTC)}
                for mid, cus, card, default, day, removed in rows
            ])  # fmt: skip
        await upgrade(unmigrated_url)
        async with engine.connect() as conn:
            after = {
                row.id: row
                for row in await conn.execute(
                    select(saved_payment_methods).order_by(saved_payment_methods.c.id)
                )
            }
            assert await conn.run_sync(schema_differences) == []
    finally:
        await engine.dispose()

    active = sorted(mid for mid, row in after.items() if row.deleted_at is None)
    assert active == ["spm_a_default", "spm_a_other", "spm_b_1", "spm_c_1"]
    assert after["spm_a_default"].is_default
    for folded in ("spm_a_old", "spm_a_new", "spm_b_2"):
        assert (after[folded].version, after[folded].is_default) == (1, False)
    assert after["spm_a_removed"].deleted_at == removed_at and after["spm_a_removed"].version == 0
