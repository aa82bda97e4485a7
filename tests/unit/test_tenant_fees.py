"""Tenants, tiers and overrides: validated, audited, and never rewriting history."""

import pytest

from adapters.persistence.memory.store import InMemoryStore
from application.audit import AuditTrail
from application.errors import UnknownFeeTierError
from application.fees.simulate import SimulateFees
from application.fees.tiers import UpdateFeeTier, UpdateFeeTierCommand
from application.tenants.update_tenant import (
    SetFeeOverrideCommand,
    UpdateTenantCommand,
)
from domain.audit import Actor
from domain.errors import InvalidFeeError
from domain.fees import FeeOverride, FeeSchedule
from domain.tenant import TenantStatus
from tests.unit.factories import payment_command
from tests.unit.world import World

ADMIN = Actor(kind="user", id="usr_platform", ip="10.0.0.1", request_id="req_1")


@pytest.mark.parametrize(
    ("bps", "fixed"),
    [
        (-1, None),
        (10_001, None),
        (True, None),
        (None, {"USD": -5}),
        (None, {"XYZ": 5}),
        (None, None),
    ],
)
def test_bad_overrides_are_refused(bps: int | None, fixed: dict[str, int] | None) -> None:
    with pytest.raises(InvalidFeeError):
        FeeOverride(bps, fixed)


def test_a_tier_schedule_checks_itself() -> None:
    with pytest.raises(InvalidFeeError):
        FeeSchedule(10_001)
    assert FeeSchedule(0, {"usd": 30}).fixed_for("USD") == 30


async def test_tier_and_override_changes_are_audited_with_old_and_new_values() -> None:
    world = World()
    await world.container.update_tenant().execute(
        UpdateTenantCommand("ten_1", ADMIN, fee_tier="enterprise")
    )
    await world.container.set_fee_override().execute(
        SetFeeOverrideCommand("ten_1", ADMIN, percentage_bps=75, fixed_amounts={"usd": 10})
    )
    await world.container.set_fee_override().execute(SetFeeOverrideCommand("ten_1", ADMIN))
    entries = sorted(world.store.audit.values(), key=lambda e: e.id)
    assert [e.action for e in entries] == [
        "tenant.fee_tier_changed",
        "tenant.fee_override_set",
        "tenant.fee_override_removed",
    ]
    assert entries[0].details == {"old": "starter", "new": "enterprise"}
    assert entries[1].details["new"] == {"percentage_bps": 75, "fixed_amounts": {"USD": 10}}
    assert entries[2].details["old"] == {"percentage_bps": 75, "fixed_amounts": {"USD": 10}}
    assert all(e.actor == ADMIN and e.created_at == world.clock.now() for e in entries)
    assert world.store.tenants["ten_1"].fee_override is None


async def test_unknown_tier_changes_nothing() -> None:
    world = World()
    with pytest.raises(UnknownFeeTierError):
        await world.container.update_tenant().execute(
            UpdateTenantCommand("ten_1", ADMIN, fee_tier="platinum")
        )
    assert world.store.tenants["ten_1"].fee_tier == "starter"
    assert world.store.audit == {}


async def test_suspending_a_tenant_is_audited() -> None:
    world = World()
    tenant = await world.container.update_tenant().execute(
        UpdateTenantCommand("ten_1", ADMIN, status=TenantStatus.SUSPENDED)
    )
    assert tenant.status is TenantStatus.SUSPENDED
    assert [e.action for e in world.store.audit.values()] == ["tenant.status_changed"]


async def test_repricing_a_tier_leaves_captured_payments_alone() -> None:
    world = World()
    paid = await world.create().execute(payment_command(order="o1"))
    tier = await UpdateFeeTier(world.uow, AuditTrail(world.clock, world.ids)).execute(
        UpdateFeeTierCommand("starter", ADMIN, percentage_bps=400)
    )
    assert tier.schedule.percentage_bps == 400
    assert world.store.payments[paid.id].platform_fee == 300
    later = await world.create().execute(payment_command(order="o2"))
    assert later.platform_fee == 400


async def test_simulating_another_tier_prints_what_each_side_would_have_paid() -> None:
    world = World()
    for order in ("o1", "o2"):
        await world.create().execute(payment_command(order=order))
    [usd] = await SimulateFees(world.uow).execute("ten_1", "enterprise", None, None)
    assert (usd.payments, usd.captured, usd.platform_fees, usd.simulated_platform_fees) == (
        2,
        20_000,
        600,
        100,
    )
    assert usd.difference == -500
    assert usd.simulated_net - usd.net == 500


def test_seeded_store_has_the_three_tiers() -> None:
    store = InMemoryStore.with_seed_data()
    assert {c: t.schedule.percentage_bps for c, t in store.fee_tiers.items()} == {
        "starter": 300,
        "professional": 150,
        "enterprise": 50,
    }
