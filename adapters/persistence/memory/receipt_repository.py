"""In-memory receipts; a counter is held, as a row lock, until the unit of work ends."""

from __future__ import annotations

from adapters.persistence.memory.repositories import Staging, fresh_copy
from application.errors import StaleAggregateError
from domain.receipt import Receipt, receipt_number


class InMemoryReceiptRepository:
    def __init__(self, staging: Staging) -> None:
        self._s = staging
        self._table = staging.store.receipts
        self._taken: dict[tuple[str, int], int] = {}  # numbers this unit of work took

    async def add(self, receipt: Receipt) -> None:
        def check() -> None:
            if any(r.payment_id == receipt.payment_id for r in self._table.values()):
                raise StaleAggregateError(f"Payment {receipt.payment_id} has a receipt already.")

        self._s.check_now_and_at_commit(check)
        self._s.put(self._table, receipt.id, receipt, None)
        self._s.seen.append(receipt)

    async def for_payment(self, tenant_id: str, payment_id: str) -> Receipt | None:
        found = next(
            (
                r
                for r in self._table.values()
                if r.payment_id == payment_id and r.tenant_id == tenant_id
            ),
            None,
        )
        return fresh_copy(found)

    async def get(self, receipt_id: str) -> Receipt | None:
        return fresh_copy(self._table.get(receipt_id))

    async def next_number(self, tenant_id: str, year: int, payment_id: str) -> str | None:
        key = (tenant_id, year)
        await self._s.hold(f"receipt-counter:{tenant_id}:{year}")
        if any(r.payment_id == payment_id for r in self._table.values()):
            return None
        counters = self._s.store.receipt_counters
        sequence = self._taken.get(key, counters.get(key, 0)) + 1
        self._taken[key] = sequence
        self._s.writes.append(lambda: counters.__setitem__(key, sequence))
        return receipt_number(year, sequence)
