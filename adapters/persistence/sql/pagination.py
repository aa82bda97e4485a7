"""Stripe's cursor pages over a table, newest first by a timestamp, ties broken by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Table, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from application.errors import UnknownCursorError
from application.ports.repositories import Page, PageRequest


async def newest_first_page(
    conn: AsyncConnection,
    table: Table,
    scope: Sequence[ColumnElement[bool]],
    when: ColumnElement[Any],
    page: PageRequest,
    *,
    owner: Sequence[ColumnElement[bool]] | None = None,
) -> Page[RowMapping]:
    """Rows of `table` within `scope`, ordered by (`when`, id) descending; the cursors
    are row ids. A cursor is looked up within `owner` (the caller's rows, `scope` without
    its filters; default `scope`): one filtered out still marks where the page starts,
    one not found there is an UnknownCursorError."""
    key = table.c.id
    newest_first = (when.desc(), key.desc())
    if page.cursor is None:
        return await _fetch(conn, select(table).where(*scope).order_by(*newest_first), page.limit)
    at, at_id = await cursor_position(conn, page, when, key, scope if owner is None else owner)
    if page.starting_after is not None:
        older = or_(when < at, and_(when == at, key < at_id))
        query = select(table).where(*scope, older).order_by(*newest_first)
        return await _fetch(conn, query, page.limit)
    newer = or_(when > at, and_(when == at, key > at_id))
    query = select(table).where(*scope, newer).order_by(when.asc(), key.asc())
    found = await _fetch(conn, query, page.limit)
    return Page(list(reversed(found.data)), found.has_more)


async def cursor_position(
    conn: AsyncConnection,
    page: PageRequest,
    when: ColumnElement[Any],
    key: ColumnElement[str],
    owner: Sequence[ColumnElement[bool]],
) -> tuple[Any, str]:
    """(`when`, id) of the page's cursor among `owner`'s rows; UnknownCursorError if none."""
    if page.cursor is None:
        raise ValueError("The page has no cursor.")
    param, cursor_id = page.cursor
    query = select(when, key).where(*owner, key == cursor_id).order_by(when.desc()).limit(1)
    found = (await conn.execute(query)).first()  # the newest, should two rows share an id
    if found is None:
        raise UnknownCursorError(param, cursor_id)
    return found[0], found[1]


async def _fetch(conn: AsyncConnection, query: Select[Any], limit: int) -> Page[RowMapping]:
    rows = (await conn.execute(query.limit(limit + 1))).mappings().all()
    return Page(rows[:limit], len(rows) > limit)
