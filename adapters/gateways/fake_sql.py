"""The fake gateway's books in Kassa's database, in tables of its own (`fake_gateway_*`,
migration 0007): the other side of the wire, which Kassa's code never reads. Every write
is one transaction holding the gateway's lock (an advisory lock on PostgreSQL, SQLite's
write lock), so calls from any number of processes happen one after another, in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.gateways.fake_codec import decode, encode
from adapters.gateways.fake_state import (
    FakeCustomer,
    FakeDispute,
    FakeIntent,
    FakeRefund,
    RememberedCall,
    SavedCard,
)
from adapters.persistence.sql.engine import create_engine, normalize_url
from adapters.persistence.sql.statements import hold_sqlite_write_lock
from adapters.persistence.sql.types import UtcDateTime, json_type

T = TypeVar("T")
_LOCK = 0x6B61737361  # "kassa": the fake gateway's advisory lock on PostgreSQL

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)
ID = 64


def _book(name: str, *index: str) -> Table:
    """One kind of object, as JSON, with the columns it is looked up by."""
    return Table(
        name,
        metadata,
        Column("id", String(ID), primary_key=True),
        *(Column(column, String(ID), nullable=True, index=True) for column in index),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("data", json_type(), nullable=False),
    )


intents = _book("fake_gateway_intents", "kassa_payment_id", "charge_id")
refunds = _book("fake_gateway_refunds", "intent_id")
disputes = _book("fake_gateway_disputes", "intent_id")
customers = _book("fake_gateway_customers")
payment_methods = _book("fake_gateway_payment_methods", "customer_id")
Index("ix_fake_gateway_intents_created_at", intents.c.created_at)

events = Table(
    "fake_gateway_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("payload", Text, nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
)

idempotency_keys = Table(
    "fake_gateway_idempotency_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("result", json_type(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

_TABLES: dict[type[Any], Table] = {
    FakeIntent: intents,
    FakeRefund: refunds,
    FakeDispute: disputes,
    FakeCustomer: customers,
    SavedCard: payment_methods,
}


def _key(obj: Any) -> str:
    return str(obj.method.gateway_payment_method_id if isinstance(obj, SavedCard) else obj.id)


def _lookups(obj: Any) -> dict[str, Any]:
    if isinstance(obj, FakeIntent):
        payment = obj.metadata.get("kassa_payment_id")
        return {"kassa_payment_id": payment, "charge_id": obj.charge_id}
    if isinstance(obj, FakeRefund | FakeDispute):
        return {"intent_id": obj.intent_id}
    if isinstance(obj, SavedCard):
        return {"customer_id": obj.customer_id}
    return {}


def fake_gateway_engine(url: str) -> AsyncEngine:
    """Connections of the gateway's own, apart from Kassa's, as Stripe's servers would be:
    a few on PostgreSQL, one on SQLite (whose lock serialises writers anyway)."""
    if normalize_url(url).get_backend_name() == "postgresql":
        return create_engine(url, pool_size=4, max_overflow=4)
    return create_engine(url)


class SqlFakeLedger:
    """One transaction's view of the books: objects read are remembered (one object per
    row) and written back by `flush` if they changed; new ones are inserted."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self._conn = conn
        self._now = now
        self._seen: dict[tuple[type[Any], str], tuple[Any, Any]] = {}  # → (object, as read)
        self._added: list[Any] = []

    # ------------------------------------------------------------ plumbing

    def _load(self, cls: type[T], rows: Any) -> list[T]:
        found: list[T] = []
        for row in rows:
            known = self._seen.get((cls, row.id))
            if known is None:
                known = (decode(row.data), row.data)
                self._seen[(cls, row.id)] = known
            found.append(known[0])
        return found

    def _one(self, cls: type[T], table: Table, key: str) -> T | None:
        for obj in self._added:
            if isinstance(obj, cls) and _key(obj) == key:
                return obj
        rows = self._conn.execute(select(table.c.id, table.c.data).where(table.c.id == key))
        loaded = self._load(cls, rows)
        return loaded[0] if loaded else None

    def _many(self, cls: type[T], table: Table, column: Any, value: str) -> list[T]:
        query = select(table.c.id, table.c.data).where(column == value)
        stored = self._load(cls, self._conn.execute(query.order_by(table.c.created_at, table.c.id)))
        fresh = [
            o for o in self._added if isinstance(o, cls) and _lookups(o).get(column.name) == value
        ]
        return stored + fresh

    def flush(self) -> None:
        for obj in self._added:
            table = _TABLES[type(obj)]
            row = {"id": _key(obj), "created_at": self._now, "data": encode(obj)}
            self._conn.execute(insert(table).values(**row, **_lookups(obj)))
        for (cls, key), (obj, as_read) in self._seen.items():
            data = encode(obj)
            if data != as_read:
                table = _TABLES[cls]
                stmt = update(table).where(table.c.id == key).values(data=data, **_lookups(obj))
                self._conn.execute(stmt)

    # ------------------------------------------------------------ the ledger

    def intent(self, intent_id: str) -> FakeIntent | None:
        return self._one(FakeIntent, intents, intent_id)

    def add_intent(self, intent: FakeIntent) -> None:
        self._added.append(intent)

    def intent_for_payment(self, kassa_payment_id: str) -> FakeIntent | None:
        found = self._many(FakeIntent, intents, intents.c.kassa_payment_id, kassa_payment_id)
        return found[0] if found else None

    def intent_with_charge(self, charge_id: str) -> FakeIntent | None:
        found = self._many(FakeIntent, intents, intents.c.charge_id, charge_id)
        return found[0] if found else None

    def latest_intents(self, limit: int) -> list[FakeIntent]:
        query = select(intents.c.id, intents.c.data)
        query = query.order_by(intents.c.created_at.desc(), intents.c.id.desc()).limit(limit)
        return self._load(FakeIntent, self._conn.execute(query))

    def refund(self, refund_id: str) -> FakeRefund | None:
        return self._one(FakeRefund, refunds, refund_id)

    def refunds_of(self, intent_id: str) -> list[FakeRefund]:
        return self._many(FakeRefund, refunds, refunds.c.intent_id, intent_id)

    def add_refund(self, refund: FakeRefund) -> None:
        self._added.append(refund)

    def dispute(self, dispute_id: str) -> FakeDispute | None:
        return self._one(FakeDispute, disputes, dispute_id)

    def disputes_of(self, intent_id: str) -> list[FakeDispute]:
        return self._many(FakeDispute, disputes, disputes.c.intent_id, intent_id)

    def add_dispute(self, dispute: FakeDispute) -> None:
        self._added.append(dispute)

    def customer(self, customer_id: str) -> FakeCustomer | None:
        return self._one(FakeCustomer, customers, customer_id)

    def add_customer(self, customer: FakeCustomer) -> None:
        self._added.append(customer)

    def card(self, method_id: str) -> SavedCard | None:
        return self._one(SavedCard, payment_methods, method_id)

    def add_card(self, card: SavedCard) -> None:
        self._added.append(card)

    def append_event(self, event: dict[str, Any]) -> None:
        self._conn.execute(
            insert(events).values(
                id=event["id"],
                type=event["type"],
                created_at=self._now,
                payload=json.dumps(event, separators=(",", ":")),
            )
        )

    def recall(self, key: str) -> RememberedCall | None:
        query = select(idempotency_keys.c.fingerprint, idempotency_keys.c.result)
        row = self._conn.execute(query.where(idempotency_keys.c.key == key)).first()
        return None if row is None else RememberedCall(row.fingerprint, decode(row.result))

    def remember(self, key: str, operation: str, call: RememberedCall) -> None:
        # Insert-once: the primary key refuses a second answer for one key.
        self._conn.execute(
            insert(idempotency_keys).values(
                key=key,
                operation=operation,
                fingerprint=call.fingerprint,
                result=encode(call.result),
                created_at=self._now,
            )
        )


class SqlFakeGatewayState:
    """The books in the database at `engine`: every process on it sees one gateway."""

    def __init__(self, engine: AsyncEngine, now: Callable[[], datetime]) -> None:
        self._engine = engine
        self._now = now

    async def run(self, work: Callable[[Any], T], *, write: bool) -> T:
        async with self._engine.connect() as conn:
            if write:
                await hold_sqlite_write_lock(conn)
                if conn.dialect.name == "postgresql":
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _LOCK})

            def transaction(sync_conn: Connection) -> T:
                ledger = SqlFakeLedger(sync_conn, self._now())
                result = work(ledger)
                if write:
                    ledger.flush()
                return result

            result = await conn.run_sync(transaction)
            await conn.commit()
            return result

    # ------------------------------------------------------------ delivery

    async def due_events(self, now: datetime, limit: int) -> list[tuple[int, str, int]]:
        """Undelivered events, oldest first, up to the first one not due yet."""
        query = (
            select(events.c.seq, events.c.payload, events.c.attempts, events.c.next_attempt_at)
            .where(events.c.delivered_at.is_(None))
            .order_by(events.c.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        due: list[tuple[int, str, int]] = []
        for row in rows:
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                break  # in order: nothing overtakes an event that waits for a retry
            due.append((row.seq, row.payload, row.attempts))
        return due

    async def mark_delivered(self, seq: int, now: datetime, error: str | None = None) -> None:
        stmt = update(events).where(events.c.seq == seq)
        stmt = stmt.values(delivered_at=now, attempts=events.c.attempts + 1, last_error=error)
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def retry_later(self, seq: int, at: datetime, error: str) -> None:
        stmt = (
            update(events)
            .where(events.c.seq == seq)
            .values(next_attempt_at=at, attempts=events.c.attempts + 1, last_error=error)
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)
