"""What a tenant's captured payments of a period would have paid under another tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.errors import NotFoundError
from application.ports.repositories import PageRequest, PaymentFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from application.tenants.queries import load_tenant
from domain.fees import FeeTerms
from domain.money import Money
from domain.statuses import PaymentStatus


@dataclass(slots=True)
class CurrencySimulation:
    """Per currency: platform fees charged, and what the other tier would have charged."""

    currency: str
    payments: int = 0
    captured: int = 0
    platform_fees: int = 0
    simulated_platform_fees: int = 0
    net: int = 0
    simulated_net: int = 0

    @property
    def difference(self) -> int:
        """Positive: the platform would have earned more (the merchant kept less)."""
        return self.simulated_platform_fees - self.platform_fees


class SimulateFees:
    PAGE = 100

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, tenant_id: str, tier_code: str, start: datetime | None, end: datetime | None
    ) -> list[CurrencySimulation]:
        async with self._uow_factory() as uow:
            await load_tenant(uow, tenant_id)
            tier = await uow.fee_tiers.get(tier_code)
            if tier is None:
                raise NotFoundError(f"No fee tier {tier_code!r}.", param="tier")
            where = PaymentFilter(
                status=PaymentStatus.SUCCEEDED, created_gte=start, created_lte=end
            )
            totals: dict[str, CurrencySimulation] = {}
            cursor: str | None = None
            while True:
                page = await uow.payments.list(
                    tenant_id, where, PageRequest(limit=self.PAGE, starting_after=cursor)
                )
                for payment in page.data:
                    captured = Money(payment.amount_captured, payment.currency)
                    gateway_fee = Money(payment.gateway_fee, payment.currency)
                    terms = FeeTerms(
                        tier.schedule.percentage_bps,
                        tier.schedule.fixed_for(payment.currency),
                        0,
                        0,
                    )
                    simulated = terms.platform_fee(captured, gateway_fee).amount
                    row = totals.setdefault(payment.currency, CurrencySimulation(payment.currency))
                    row.payments += 1
                    row.captured += captured.amount
                    row.platform_fees += payment.platform_fee
                    row.simulated_platform_fees += simulated
                    row.net += payment.net_amount
                    row.simulated_net += captured.amount - simulated - gateway_fee.amount
                if not page.has_more or not page.data:
                    break
                cursor = page.data[-1].id
        return sorted(totals.values(), key=lambda r: r.currency)
