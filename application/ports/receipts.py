"""Receipt ports: where receipts and their per-tenant counters live, and how one is drawn."""

from __future__ import annotations

from typing import Protocol

from domain.receipt import Receipt, ReceiptDocument


class ReceiptRepository(Protocol):
    async def add(self, receipt: Receipt) -> None:
        """Store a new receipt; a second receipt for one payment is refused by the store
        (StaleAggregateError, here or at commit)."""
        ...

    async def for_payment(self, tenant_id: str, payment_id: str) -> Receipt | None:
        """The tenant's receipt of the payment, or None (another tenant's is None too)."""
        ...

    async def get(self, receipt_id: str) -> Receipt | None: ...

    async def next_number(self, tenant_id: str, year: int, payment_id: str) -> str | None:
        """The number of the payment's receipt, `R-{year}-{sequence:06d}` with the next
        sequence of the tenant's receipts of `year`, taken in the caller's transaction:
        the counter stays held until it ends, and a rollback gives the number back, so
        the numbers have no gap even with several processes. None, and no number taken,
        when the payment has its receipt already.

        A store that sends its writes together (PostgreSQL) takes the number in the
        statement that commits them, holding the counter for that statement alone; until
        then it answers a stand-in, which it writes as the number wherever the unit of
        work writes it (the receipt, its merchant event, its mail). That the payment had
        its receipt is then known at commit too: the receipt's `add` fails there
        (StaleAggregateError), and no number is taken."""
        ...


class ReceiptRenderer(Protocol):
    """Draws a receipt for people: an HTML page and a PDF file."""

    def html(self, document: ReceiptDocument) -> str: ...

    def pdf(self, document: ReceiptDocument) -> bytes: ...
