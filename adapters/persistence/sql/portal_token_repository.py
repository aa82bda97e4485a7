"""The SQL portal token repository: found by selector, uses counted in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select, update

from adapters.persistence.sql.mapping import PORTAL_TOKEN, PORTAL_TOKEN_USE
from adapters.persistence.sql.pagination import newest_first_page
from adapters.persistence.sql.statements import (
    WriteSource,
    insert_new,
    update_versioned,
)
from adapters.persistence.sql.tables import portal_tokens
from application.ports.repositories import Page, PageRequest
from domain.portal_token import PortalToken, PortalTokenStatus

_tokens = portal_tokens.c

USER_AGENT_LIMIT = 300  # as PortalToken.record_use keeps it


# Built once, with bind parameters: every portal request runs one of them.
_USE_VALUES = {
    "usage_count": _tokens.usage_count + 1,
    "last_used_at": bindparam("used_at"),
    "last_ip": bindparam("used_ip"),
    "last_user_agent": bindparam("used_agent"),
}
_RECORD_USE = update(portal_tokens).where(_tokens.id == bindparam("token_id")).values(_USE_VALUES)
# PortalToken.is_viewable as SQL: active or used, and not expired (no IN list: the
# statement goes to the driver as compiled once, which an expanding IN is not).
_VIEWABLE = (
    or_(
        _tokens.status == PortalTokenStatus.ACTIVE.value,
        _tokens.status == PortalTokenStatus.USED.value,
    ),
    _tokens.expires_at > bindparam("used_at"),
)
_USE_BY_SELECTOR = (
    update(portal_tokens)
    .where(_tokens.selector == bindparam("sel"), *_VIEWABLE)
    .values(_USE_VALUES)
    .returning(*portal_tokens.c)
)


def _use(now: datetime, ip: str | None, user_agent: str | None) -> dict[str, Any]:
    return {
        "used_at": now,
        "used_ip": ip,
        "used_agent": (user_agent or "")[:USER_AGENT_LIMIT] or None,
    }


class SqlPortalTokenRepository:
    def __init__(self, source: WriteSource) -> None:
        self._source = source

    async def add(self, token: PortalToken) -> None:
        conn = await self._source.connection()
        row, what = PORTAL_TOKEN.to_row(token), f"Portal token {token.id}"
        await insert_new(conn, portal_tokens, row, ["id"], what)

    async def get(self, tenant_id: str, token_id: str) -> PortalToken | None:
        return await self._one(_tokens.id == token_id, _tokens.tenant_id == tenant_id)

    async def by_selector(self, selector: str) -> PortalToken | None:
        return await self._one(_tokens.selector == selector)

    async def save(self, token: PortalToken) -> None:
        """Versioned, but leaves the use columns alone: `record_use` does not bump the
        version, so writing them from a copy loaded earlier would undo uses since."""
        conn = await self._source.connection()
        row = PORTAL_TOKEN.to_row(token)
        for name in PORTAL_TOKEN_USE:
            del row[name]
        await update_versioned(
            conn, portal_tokens, {"id": token.id}, row, token,
            f"Portal token {token.id}",
        )  # fmt: skip

    async def record_use(
        self, token_id: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> None:
        """One UPDATE that adds 1 where the row is: concurrent uses queue on the row lock
        and none is lost, and the version stays, so no save is made stale by a view."""
        conn = await self._source.connection()
        await conn.execute(_RECORD_USE, _use(now, ip, user_agent) | {"token_id": token_id})

    async def use_by_selector(
        self, selector: str, now: datetime, ip: str | None, user_agent: str | None
    ) -> PortalToken | None:
        """`record_use` of a viewable link by selector, RETURNING the row: the warm path's
        one statement, which stands on its own (see the port)."""
        params = _use(now, ip, user_agent) | {"sel": selector}
        found = await self._source.rows(_USE_BY_SELECTOR, params)
        return PORTAL_TOKEN.from_row(found[0]) if found else None

    async def for_invoice(self, invoice_id: str) -> Sequence[PortalToken]:
        conn = await self._source.connection()
        rows = await conn.execute(
            select(portal_tokens)
            .where(_tokens.invoice_id == invoice_id)
            .order_by(_tokens.created_at, _tokens.id)
        )
        return [PORTAL_TOKEN.from_row(row) for row in rows.mappings()]

    async def list(
        self, tenant_id: str, customer_id: str | None, page: PageRequest
    ) -> Page[PortalToken]:
        owner = [_tokens.tenant_id == tenant_id]
        scope = owner if customer_id is None else [*owner, _tokens.customer_id == customer_id]
        conn = await self._source.connection()
        found = await newest_first_page(
            conn, portal_tokens, scope, _tokens.created_at, page, owner=owner
        )
        return Page([PORTAL_TOKEN.from_row(row) for row in found.data], found.has_more)

    async def _one(self, *where: ColumnElement[bool]) -> PortalToken | None:
        conn = await self._source.connection()
        rows = await conn.execute(select(portal_tokens).where(*where))
        found = rows.mappings().one_or_none()
        return PORTAL_TOKEN.from_row(found) if found is not None else None
