"""Listing and repricing the platform's fee tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from application.audit import AuditTrail
from application.errors import NotFoundError
from application.ports.unit_of_work import UnitOfWorkFactory
from application.retry import retry_on_conflict
from domain.audit import Actor
from domain.fees import FeeSchedule, FeeTier


@dataclass(frozen=True, slots=True)
class UpdateFeeTierCommand:
    code: str
    actor: Actor
    percentage_bps: int | None = None
    fixed_amounts: Mapping[str, int] | None = None
    name: str | None = None


class ListFeeTiers:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self) -> Sequence[FeeTier]:
        async with self._uow_factory() as uow:
            return await uow.fee_tiers.list()


class UpdateFeeTier:
    """Payments captured before the change keep the fees copied onto them."""

    def __init__(self, uow_factory: UnitOfWorkFactory, audit: AuditTrail) -> None:
        self._uow_factory = uow_factory
        self._audit = audit

    async def execute(self, cmd: UpdateFeeTierCommand) -> FeeTier:
        async def attempt() -> FeeTier:
            async with self._uow_factory() as uow:
                tier = await uow.fee_tiers.get(cmd.code)
                if tier is None:
                    raise NotFoundError(f"No fee tier {cmd.code!r}.", param="code")
                old = tier.schedule.describe()
                schedule = FeeSchedule(
                    tier.schedule.percentage_bps
                    if cmd.percentage_bps is None
                    else cmd.percentage_bps,
                    tier.schedule.fixed_amounts if cmd.fixed_amounts is None else cmd.fixed_amounts,
                )
                tier.reprice(schedule, cmd.name)
                await self._audit.record(
                    uow,
                    cmd.actor,
                    "fee_tier.updated",
                    entity_type="fee_tier",
                    entity_id=tier.code,
                    tenant_id=None,
                    old=old,
                    new=schedule.describe(),
                )
                await uow.fee_tiers.save(tier)
                await uow.commit()
                return tier

        return await retry_on_conflict(attempt)
