"""The portal's cache of proven links: a minute at most, and a full cache forgets one link,
not all of them (a burst of bcrypt checks would follow)."""

from __future__ import annotations

from datetime import timedelta

from adapters.persistence.memory.store import InMemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.system.clock import FixedClock
from adapters.system.ids import SequentialIdFactory
from application.audit import AuditTrail
from application.portal import authenticate
from application.portal.authenticate import PortalAuthenticator
from domain.portal_token import PortalToken, join_token
from tests.unit.factories import T0
from tests.unit.world import RecordingPublisher


class CountingHasher:
    """A stand-in for bcrypt that counts its checks (the hash is the secret reversed)."""

    def __init__(self) -> None:
        self.checks = 0

    async def hash(self, secret: str) -> str:
        return secret[::-1]

    async def verify(self, secret: str, hashed: str) -> bool:
        self.checks += 1
        return secret[::-1] == hashed

    async def waste_time(self, secret: str) -> None:
        self.checks += 1


class Portal:
    def __init__(self) -> None:
        self.store = InMemoryStore.with_seed_data()
        self.clock = FixedClock(T0)
        self.hasher = CountingHasher()
        ids = SequentialIdFactory()
        self.authenticator = PortalAuthenticator(
            lambda: InMemoryUnitOfWork(self.store, RecordingPublisher()),
            self.hasher,
            self.clock,
            AuditTrail(self.clock, ids),
        )

    def link(self, n: int) -> str:
        selector, verifier = f"selector{n:04d}".ljust(22, "s"), f"verifier{n:04d}".ljust(43, "v")
        self.store.portal_tokens[f"ptok_{n}"] = PortalToken(
            id=f"ptok_{n}", tenant_id="ten_1", customer_id="cus_1", selector=selector,
            verifier_hash=verifier[::-1], created_at=T0, expires_at=T0 + timedelta(days=7),
        )  # fmt: skip
        return join_token(selector, verifier)

    async def open(self, link: str) -> None:
        await self.authenticator.authenticate(link, "203.0.113.9", "test", None)


async def test_a_proven_link_is_not_checked_again_within_a_minute() -> None:
    portal = Portal()
    link = portal.link(1)
    await portal.open(link)
    portal.clock.advance(timedelta(seconds=59))
    await portal.open(link)
    assert portal.hasher.checks == 1

    portal.clock.advance(timedelta(seconds=2))
    await portal.open(link)
    assert portal.hasher.checks == 2


async def test_a_full_cache_forgets_its_least_recently_used_link_only(monkeypatch) -> None:
    monkeypatch.setattr(authenticate, "CACHE_LIMIT", 3)
    portal = Portal()
    links = [portal.link(n) for n in range(4)]
    for link in links:
        await portal.open(link)
    assert portal.hasher.checks == 4

    for link in links[1:]:
        await portal.open(link)  # still proven: no bcrypt
    assert portal.hasher.checks == 4
    await portal.open(links[0])  # the one forgotten
    assert portal.hasher.checks == 5
