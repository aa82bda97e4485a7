"""Checking a portal token on every request: same answer and cost for every bad token,
one bcrypt per minute for a good one, revocation effective on the next request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cachetools import TTLCache

from application.audit import AuditTrail
from application.ports.system import Clock, SecretHasher
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor
from domain.portal_token import InvalidTokenError, PortalToken, split_token

CACHE_SECONDS = 60.0
CACHE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class PortalSession:
    """Who a valid token speaks for on this request."""

    token: PortalToken
    actor: Actor

    @property
    def tenant_id(self) -> str:
        return self.token.tenant_id

    @property
    def customer_id(self) -> str:
        return self.token.customer_id


async def record_portal_act(
    audit: AuditTrail,
    uow: UnitOfWork,
    session: PortalSession,
    action: str,
    entity_type: str,
    entity_id: str,
    **details: object,
) -> None:
    """An audit entry for what the customer did through the portal, in `uow`."""
    await audit.record(
        uow, session.actor, action, entity_type=entity_type, entity_id=entity_id,
        tenant_id=session.tenant_id, **details,
    )  # fmt: skip


class PortalAuthenticator:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, hasher: SecretHasher, clock: Clock, audit: AuditTrail
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._audit = audit
        # sha256(token) → token id: a proven verifier, for CACHE_SECONDS at most (SPEC §7).
        # Expired entries go first; a full cache drops its least recently used one.
        self._verified: TTLCache[str, str] = TTLCache(
            maxsize=CACHE_LIMIT, ttl=CACHE_SECONDS, timer=lambda: clock.now().timestamp()
        )

    async def authenticate(
        self, secret: str, ip: str | None, user_agent: str | None, request_id: str | None
    ) -> PortalSession:
        """A warm link in one statement (`warm`), any other through `prove`."""
        async with self._uow_factory() as uow:
            session = await self.warm(uow, secret, ip, user_agent, request_id)
            if session is not None:
                await uow.commit()
                return session
        return await self.prove(secret, ip, user_agent, request_id)

    async def prove(
        self, secret: str, ip: str | None, user_agent: str | None, request_id: str | None
    ) -> PortalSession:
        """The link checked from scratch: refused and audited, or its verifier proven
        (bcrypt, unless proven within CACHE_SECONDS) and its use counted."""
        try:
            selector, verifier = split_token(secret)
        except InvalidTokenError:
            await self._hasher.waste_time(secret)
            await self._reject(None, "malformed", ip, user_agent, request_id)
            raise
        key = hashlib.sha256(secret.encode()).hexdigest()
        now = self._clock.now()
        async with self._uow_factory() as uow:
            token = await uow.portal_tokens.by_selector(selector)
        if token is None:
            await self._hasher.waste_time(verifier)
            await self._reject(None, "unknown", ip, user_agent, request_id)
            raise InvalidTokenError("The link is not valid.")
        if not self._cached(key, token):
            # bcrypt runs outside any transaction: it must not hold a connection.
            if not await self._hasher.verify(verifier, token.verifier_hash):
                await self._reject(token, "wrong_verifier", ip, user_agent, request_id)
                raise InvalidTokenError("The link is not valid.")
            self._remember(key, token)
        if not token.is_viewable(now):
            await self._reject(token, token.effective_status(now).value, ip, user_agent, request_id)
            raise InvalidTokenError("The link is not valid.")
        async with self._uow_factory() as uow:
            await uow.portal_tokens.record_use(token.id, now, ip, user_agent)
            await uow.commit()
        return self._session(token, ip, user_agent, request_id)

    async def warm(
        self,
        uow: UnitOfWork,
        secret: str,
        ip: str | None,
        user_agent: str | None,
        request_id: str | None,
    ) -> PortalSession | None:
        """The warm path in the caller's unit of work: a link whose verifier was proven
        within CACHE_SECONDS is read and its use counted in one statement, which counts
        nothing of a link not viewable (expired, revoked) and stands on its own. None when
        it is not that simple (unknown to the cache, malformed, not viewable): the caller
        calls `prove`, which decides."""
        key = hashlib.sha256(secret.encode()).hexdigest()
        token_id = self._verified.get(key)
        if token_id is None:
            return None
        try:
            selector, _verifier = split_token(secret)
        except InvalidTokenError:
            return None
        now = self._clock.now()
        token = await uow.portal_tokens.use_by_selector(selector, now, ip, user_agent)
        if token is None or token.id != token_id or not token.is_viewable(now):
            return None
        return self._session(token, ip, user_agent, request_id)

    @staticmethod
    def _session(
        token: PortalToken, ip: str | None, user_agent: str | None, request_id: str | None
    ) -> PortalSession:
        return PortalSession(
            token, Actor("customer", token.customer_id, ip, user_agent, request_id)
        )

    def _cached(self, key: str, token: PortalToken) -> bool:
        return self._verified.get(key) == token.id

    def _remember(self, key: str, token: PortalToken) -> None:
        self._verified[key] = token.id

    async def _reject(
        self,
        token: PortalToken | None,
        reason: str,
        ip: str | None,
        user_agent: str | None,
        request_id: str | None,
    ) -> None:
        async with self._uow_factory() as uow:
            await self._audit.record(
                uow,
                Actor(
                    "customer",
                    token.customer_id if token else "unknown",
                    ip,
                    user_agent,
                    request_id,
                ),
                "portal_token.rejected",
                entity_type="portal_token",
                entity_id=token.id if token else "unknown",
                tenant_id=token.tenant_id if token else None,
                reason=reason,
            )
            await uow.commit()
