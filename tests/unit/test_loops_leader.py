"""The lock that elects the one worker running the background loops."""

from __future__ import annotations

from pathlib import Path

from entrypoints.loops_leader import follower_settings, try_lock
from entrypoints.settings import Settings


def test_one_holder_at_a_time_and_the_lock_is_free_again_once_closed(tmp_path: Path) -> None:
    path = str(tmp_path / "loops.lock")
    first = try_lock(path)
    assert first is not None
    assert try_lock(path) is None  # another worker (another open file) is refused
    first.close()
    again = try_lock(path)
    assert again is not None
    again.close()


def test_a_follower_runs_no_loop_and_leaves_per_worker_fake_books_to_itself() -> None:
    shared = follower_settings(Settings(database_url="postgresql://db/kassa"))
    assert not shared.consumer_in_process and not shared.event_delivery_in_process
    assert not shared.fake_webhook_delivery  # the books are shared: the leader delivers
    own = follower_settings(
        Settings(database_url="postgresql://db/kassa", fake_gateway_state="memory")
    )
    assert own.fake_webhook_delivery  # its own books: only it can deliver their events
