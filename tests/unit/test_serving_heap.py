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
