"""A standalone worker runs until SIGTERM asks it to stop, its start-up heap frozen."""

from __future__ import annotations

import asyncio
import gc
import os
import signal

from entrypoints.signals import run_until_signalled


async def test_sigterm_stops_the_work_which_finishes_what_it_holds() -> None:
    stopped = asyncio.Event()
    seen: dict[str, int] = {}

    async def work() -> str:
        seen["frozen while working"] = gc.get_freeze_count()
        os.kill(os.getpid(), signal.SIGTERM)
        await stopped.wait()
        return "finished"

    ready: list[bool] = []
    gc.collect()  # an object made here would otherwise be frozen for the rest of the run
    result = await run_until_signalled(stopped.set, work(), ready=lambda: ready.append(True))
    assert result == "finished" and ready == [True]
    assert seen["frozen while working"] > 0
    assert gc.get_freeze_count() == 0
    # The signal is the default's again: no handler of this run is left behind.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
