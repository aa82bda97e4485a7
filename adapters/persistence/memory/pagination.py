"""Stripe's cursor pages over rows in memory, as the SQL stores page over tables."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TypeVar

from application.errors import UnknownCursorError
from application.ports.repositories import Page, PageRequest

A = TypeVar("A")


def paginate(
    rows: Sequence[A],
    page: PageRequest,
    key: Callable[[A], str],
    owned: Sequence[A] | None = None,
) -> Page[A]:
    """A page of `rows`, sorted newest first. A cursor is looked up among `owned` (the
    caller's rows in the same order, before any filter; default `rows`): one filtered out
    still marks where the page starts, one not found there is an UnknownCursorError."""
    if page.cursor is None:
        return _copied(rows[: page.limit], len(rows) > page.limit)
    param, cursor = page.cursor
    position: dict[str, int] = {}
    for i, row in enumerate(rows if owned is None else owned):
        position.setdefault(key(row), i)  # the newest, should two rows share an id
    at = position.get(cursor)
    if at is None:
        raise UnknownCursorError(param, cursor)
    if page.starting_after is not None:
        older = [r for r in rows if position[key(r)] > at]
        return _copied(older[: page.limit], len(older) > page.limit)
    newer = [r for r in rows if position[key(r)] < at]
    return _copied(newer[-page.limit :] if page.limit else [], len(newer) > page.limit)


def _copied(rows: Sequence[A], has_more: bool) -> Page[A]:
    return Page([copy.deepcopy(r) for r in rows], has_more)
