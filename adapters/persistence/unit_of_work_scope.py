"""What every unit of work does at the edges of its `async with` block."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class RollbackUnlessCommitted(ABC):
    """`async with uow:` hands out the unit of work; leaving the block rolls back whatever
    was not committed (after commit() there is nothing left to roll back)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abstractmethod
    async def rollback(self) -> None: ...
