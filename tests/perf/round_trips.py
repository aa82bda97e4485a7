"""Counting database round trips per request, in process, from SQLAlchemy's events.

With asyncpg every statement is one round trip once its prepared statement is cached
(the warm-up sees to that); BEGIN is sent with a transaction's first statement, COMMIT
and ROLLBACK are one each; a pool check-out costs none (no pre-ping). On an AUTOCOMMIT
connection SQLAlchemy still fires its begin/commit/rollback events, but nothing is sent
(the driver starts no transaction), so those are not counted. On PostgreSQL the WAL
written per request is read beside them (`pg_current_wal_insert_lsn`, cluster-wide: what
else writes meanwhile counts too, so it is read where nothing else runs, as in the bench).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tests.perf.harness import BenchError, MakeCall

_TABLE = re.compile(r"^\s*(SELECT\b.*?\bFROM|INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.I | re.S)
# A unit of work's batch of writes (adapters/persistence/sql/write_batch.py): WITH w0 AS (…)
_BATCHED = re.compile(r"\bw\d+ AS \((INSERT INTO|UPDATE) (\w+)")


@dataclass(frozen=True, slots=True)
class RoundTrips:
    """Per request, averaged over `samples` sequential requests."""

    label: str
    samples: int
    begins: float
    statements: float
    commits: float
    rollbacks: float
    checkouts: float
    by_statement: Sequence[tuple[str, float]]  # "SELECT tenants" → per request
    wal_bytes: float | None = None  # PostgreSQL's WAL per request (None: another database)

    @property
    def total(self) -> float:
        return self.begins + self.statements + self.commits + self.rollbacks

    def describe(self) -> str:
        head = (
            f"{self.label}: {self.total:g} round trips = {self.begins:g} BEGIN + "
            f"{self.statements:g} statements + {self.commits:g} COMMIT + "
            f"{self.rollbacks:g} ROLLBACK; {self.checkouts:g} pool check-outs"
        )
        if self.wal_bytes is not None:
            head += f"; {self.wal_bytes:,.0f} bytes of WAL"
        detail = ", ".join(f"{name} ×{n:g}" for name, n in self.by_statement)
        return f"{head}\n    {detail}"


class _Tally:
    def __init__(self, engine: AsyncEngine) -> None:
        self.events: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self._sync = sync = engine.sync_engine
        self._listeners: list[tuple[str, Any]] = [("before_cursor_execute", self._statement)]
        self._listeners += [
            (name, self._counter(name)) for name in ("begin", "commit", "rollback", "checkout")
        ]
        for name, listener in self._listeners:
            event.listen(sync, name, listener)

    def close(self) -> None:
        for name, listener in self._listeners:
            event.remove(self._sync, name, listener)

    def _counter(self, name: str) -> Any:
        def count(conn: Any, *_: Any) -> None:
            if name != "checkout" and _autocommit(conn):
                return
            self.events[name] += 1

        return count

    def _statement(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        batched = [f"{verb.split()[0]} {table}" for verb, table in _BATCHED.findall(sql)]
        if batched:  # named by what it writes: "WITH (INSERT payments + INSERT …)"
            self.statements[f"WITH ({' + '.join(batched)})"] += 1
            return
        found = _TABLE.match(sql)
        verb = found.group(1).split()[0].upper() if found else sql.split(None, 1)[0].upper()
        self.statements[f"{verb} {found.group(2)}" if found else verb] += 1

    def clear(self) -> None:
        self.events.clear()
        self.statements.clear()

    def per_request(self, label: str, samples: int) -> RoundTrips:
        def mean(n: int) -> float:
            return round(n / samples, 2)

        return RoundTrips(
            label=label,
            samples=samples,
            begins=mean(self.events["begin"]),
            statements=mean(sum(self.statements.values())),
            commits=mean(self.events["commit"]),
            rollbacks=mean(self.events["rollback"]),
            checkouts=mean(self.events["checkout"]),
            by_statement=[(name, mean(n)) for name, n in self.statements.most_common()],
        )


def _autocommit(conn: Any) -> bool:
    options = conn.get_execution_options()
    return bool(options.get("isolation_level") == "AUTOCOMMIT")


class RoundTripCounter:
    """Counts what reaches `engine` while in use: `with RoundTripCounter(engine) as c:`,
    then `c.result(label, samples)`; for work that is not an HTTP request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._tally = _Tally(engine)

    def __enter__(self) -> RoundTripCounter:
        self._tally.clear()
        return self

    def __exit__(self, *_: object) -> None:
        self._tally.close()

    def result(self, label: str, samples: int) -> RoundTrips:
        return self._tally.per_request(label, samples)


async def count_round_trips(
    app: Litestar,
    engine: AsyncEngine,
    workloads: Mapping[str, MakeCall],
    *,
    warmup: int = 5,
    samples: int = 20,
) -> list[RoundTrips]:
    """For each workload (label → requests), send `warmup` then `samples` requests one by
    one to `app` in process (no network), counting what reaches `engine`. Every request
    must answer 2xx."""
    tally = _Tally(engine)
    found: list[RoundTrips] = []
    on_postgres = engine.dialect.name == "postgresql"
    async with AsyncTestClient(app=app) as client:
        for label, make_call in workloads.items():
            wal_at = 0
            for number in range(warmup + samples):
                if number == warmup:
                    if on_postgres:  # read before the tally starts
                        wal_at = await _wal_position(engine)
                    tally.clear()
                call = make_call(number)
                response = await client.request(
                    call.method,
                    call.path,
                    json=call.json,
                    content=call.content,
                    headers=dict(call.headers or {}),
                )
                if not 200 <= response.status_code < 300:
                    raise BenchError(f"{label}: {response.status_code} {response.text[:300]}")
            trips = tally.per_request(label, samples)
            if on_postgres:  # read once the tally is taken
                wal_bytes = await _wal_position(engine) - wal_at
                trips = replace(trips, wal_bytes=round(wal_bytes / samples))
            found.append(trips)
    return found


async def _wal_position(engine: AsyncEngine) -> int:
    """Where PostgreSQL's WAL insert position stands, in bytes: on a connection of its
    own (the app's pool serves the test client's event loop, not this one)."""
    url = engine.url.render_as_string(hide_password=False)
    reader = create_async_engine(url, poolclass=NullPool)
    try:
        async with reader.connect() as conn:
            position = await conn.scalar(
                text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")
            )
    finally:
        await reader.dispose()
    return int(position)
