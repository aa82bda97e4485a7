"""Stripe's cursor pages over a table, newest first by a timestamp, ties broken by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Table, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from application.ports import Page, PageRequest


async def newest_first_page(
    conn: AsyncConnection,
    table: Table,
    scope: Sequence[ColumnElement[bool]],
    when: ColumnElement[Any],
    page: PageRequest,
) -> Page[RowMapping]:
    """Rows of `table` within `scope`, ordered by (`when`, id) descending; the cursors
    are row ids. A cursor outside the scope gives an empty page, as in memory."""
    key = table.c.id
    newest_first = (when.desc(), key.desc())
    cursor_id = page.starting_after if page.starting_after is not None else page.ending_before
    if cursor_id is None:
        return await _fetch(conn, select(table).where(*scope).order_by(*newest_first), page.limit)
    cursor = (await conn.execute(select(when, key).where(*scope, key == cursor_id))).one_or_none()
    if cursor is None:
        return Page([], False)
    at, at_id = cursor
    if page.starting_after is not None:
        older = or_(when < at, and_(when == at, key < at_id))
        query = select(table).where(*scope, older).order_by(*newest_first)
        return await _fetch(conn, query, page.limit)
    newer = or_(when > at, and_(when == at, key > at_id))
    query = select(table).where(*scope, newer).order_by(when.asc(), key.asc())
    found = await _fetch(conn, query, page.limit)
    return Page(list(reversed(found.data)), found.has_more)


async def _fetch(conn: AsyncConnection, query: Select[Any], limit: int) -> Page[RowMapping]:
    rows = (await conn.execute(query.limit(limit + 1))).mappings().all()
    return Page(rows[:limit], len(rows) > limit)
