"""A serving process's collector: start-up's heap frozen and the young generation collected
less often for the block, both as they were afterwards."""

from __future__ import annotations

import gc

from entrypoints.serving_heap import YOUNG_THRESHOLD, serving_heap


def test_the_block_freezes_start_up_and_collects_the_young_less_often() -> None:
    before = gc.get_threshold()
    with serving_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_overlapping_blocks_give_the_collector_back_when_the_last_ends() -> None:
    """Two apps' lifespans in one process (a test's inside another's) may end in either
    order: the collector is as it was once both have ended, not before."""
    before = gc.get_threshold()
    first, second = serving_heap(), serving_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends first
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() > 0
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
