"""Payment statistics (SPEC §8): per currency, what was asked, captured, refunded, what
the platform and the gateway kept, and how often payments succeed and are refunded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from application.ports.repositories import PaymentTotals
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.statuses import PaymentStatus

RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class CurrencyStats:
    totals: PaymentTotals

    @property
    def net(self) -> int:
        """Captured less the fees, as each payment's net amount (refunds not deducted)."""
        t = self.totals
        return t.captured - t.platform_fees - t.gateway_fees

    @property
    def success_rate(self) -> Decimal | None:
        """succeeded ÷ (succeeded + failed), None while neither happened."""
        succeeded = self.totals.counts.get(PaymentStatus.SUCCEEDED.value, 0)
        failed = self.totals.counts.get(PaymentStatus.FAILED.value, 0)
        return _rate(succeeded, succeeded + failed)

    @property
    def refund_rate(self) -> Decimal | None:
        """refunded ÷ captured (amounts), None while nothing was captured."""
        return _rate(self.totals.refunded, self.totals.captured)


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


class PaymentStatistics:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(
        self, tenant_id: str | None, since: datetime | None, until: datetime | None
    ) -> Sequence[CurrencyStats]:
        """The payments created in [since, until) of one tenant, or of all (None); an
        empty period (until at or before since) has none, as a list's filters would."""
        async with self._uow_factory() as uow:
            totals = await uow.payments.totals(tenant_id, since, until)
        return [CurrencyStats(t) for t in totals]
