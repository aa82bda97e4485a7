"""bcrypt for portal token verifiers, run on a small thread pool off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import bcrypt


class BcryptTokenHasher:
    """`max_workers` bounds how many bcrypt checks run at once, so a burst of cold
    checks cannot take every core from the event loop."""

    def __init__(self, rounds: int = 10, max_workers: int = 2) -> None:
        self._rounds = rounds
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="kassa-bcrypt")
        # A hash of nothing anyone holds, costed like the real ones, for unknown selectors.
        self._decoy = bcrypt.hashpw(b"kassa-decoy", bcrypt.gensalt(rounds))

    async def _run(self, fn: object, *args: object) -> object:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)  # type: ignore[arg-type]

    async def hash(self, secret: str) -> str:
        hashed = await self._run(bcrypt.hashpw, secret.encode(), bcrypt.gensalt(self._rounds))
        assert isinstance(hashed, bytes)
        return hashed.decode()

    async def verify(self, secret: str, hashed: str) -> bool:
        try:
            return bool(await self._run(bcrypt.checkpw, secret.encode(), hashed.encode()))
        except ValueError:  # a stored hash that is not bcrypt's
            return False

    async def waste_time(self, secret: str) -> None:
        await self._run(bcrypt.checkpw, secret.encode()[:72], self._decoy)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
