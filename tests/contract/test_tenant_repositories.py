"""The tenant and fee tier repository contract, the same for every store."""

from __future__ import annotations

import pytest

from application.errors import StaleAggregateError
from domain.fees import SEED_TIERS, FeeOverride, FeeSchedule, FeeTier
from domain.tenant import Tenant, TenantStatus
from tests.contract.builders import T0, at, state

OVERRIDES = {
    "none": None,
    "percentage_only": FeeOverride(percentage_bps=125),
    "fixed_only": FeeOverride(fixed_amounts={"USD": 30, "JPY": 0}),
    "both": FeeOverride(percentage_bps=0, fixed_amounts={"usd": 25, "KWD": 150}),
}


@pytest.mark.parametrize("override", OVERRIDES.values(), ids=OVERRIDES.keys())
async def test_a_tenant_round_trips_with_its_fee_override(uow_factory, unique, override):
    tenant = Tenant(
        id=f"ten_{unique}", name="Bäckerei Süß", created_at=T0, updated_at=at(1),
        fee_tier="professional", fee_override=override, connected_account_id="acct_1",
        status=TenantStatus.SUSPENDED,
    )  # fmt: skip
    async with uow_factory() as uow:
        await uow.tenants.add(tenant)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.tenants.get(tenant.id)
        missing = await uow.tenants.get(f"ten_missing_{unique}")
        listed = [t.id for t in await uow.tenants.list()]

    assert loaded is not None and state(loaded) == state(tenant)
    assert missing is None
    assert tenant.id in listed and listed == sorted(listed)


async def test_saving_a_tenant_bumps_its_version_and_a_stale_copy_is_refused(uow_factory, unique):
    async with uow_factory() as uow:
        await uow.tenants.add(Tenant(id=f"ten_{unique}", name="A", created_at=T0, updated_at=T0))
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.tenants.get(f"ten_{unique}")
        second = await uow.tenants.get(f"ten_{unique}")
    assert first is not None and second is not None

    first.fee_tier = "enterprise"
    first.fee_override = FeeOverride(percentage_bps=10)
    async with uow_factory() as uow:
        await uow.tenants.save(first)
        await uow.commit()
    second.name = "B"
    async with uow_factory() as uow:
        with pytest.raises(StaleAggregateError):
            await uow.tenants.save(second)

    async with uow_factory() as uow:
        stored = await uow.tenants.get(f"ten_{unique}")
    assert stored is not None
    assert (stored.version, stored.name, stored.fee_tier) == (1, "A", "enterprise")
    assert stored.fee_override == FeeOverride(percentage_bps=10)


async def test_the_seed_tiers_are_there(uow_factory):
    async with uow_factory() as uow:
        tiers = {t.code: t for t in await uow.fee_tiers.list()}
        starter = await uow.fee_tiers.get("starter")

    for seed in SEED_TIERS:
        tier = tiers[seed.code]
        assert (tier.name, tier.level, tier.schedule.percentage_bps) == (
            seed.name, seed.level, seed.schedule.percentage_bps)  # fmt: skip
        assert dict(tier.schedule.fixed_amounts) == {}
    assert starter is not None and starter.schedule.percentage_bps == 300
    levels = [t.level for t in tiers.values()]
    assert levels == sorted(levels)


async def test_a_fee_tier_round_trips_and_saves_with_a_version(uow_factory, unique):
    tier = FeeTier(f"t_{unique}", "Custom", 7, FeeSchedule(275, {"USD": 30, "JPY": 5}))
    async with uow_factory() as uow:
        await uow.fee_tiers.add(tier)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.fee_tiers.get(tier.code)
        stale = await uow.fee_tiers.get(tier.code)
    assert loaded is not None and stale is not None
    assert (loaded.name, loaded.level, loaded.version) == ("Custom", 7, 0)
    assert loaded.schedule == tier.schedule

    loaded.schedule = FeeSchedule(100)
    async with uow_factory() as uow:
        await uow.fee_tiers.save(loaded)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(StaleAggregateError):
            await uow.fee_tiers.save(stale)
        stored = await uow.fee_tiers.get(tier.code)
        with pytest.raises(StaleAggregateError):
            await uow.fee_tiers.add(FeeTier(tier.code, "Again", 8, FeeSchedule(1)))
    assert stored is not None and stored.version == 1
    assert stored.schedule == FeeSchedule(100) and loaded.version == 1
