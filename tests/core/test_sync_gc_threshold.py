"""Overlapping syncs share the process's GC threshold: raised while any runs, put back when the last ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from followtui.core.sync import _fewer_collections


@pytest.fixture(autouse=True)
def _threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_the_last_sync_out_restores_not_the_first(_threshold: tuple[int, int, int]) -> None:
    first, second = _fewer_collections(), _fewer_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[0] >= 100_000
    first.__exit__(None, None, None)  # the first ends while the second still runs
    assert gc.get_threshold()[0] >= 100_000
    second.__exit__(None, None, None)
    assert gc.get_threshold() == _threshold


def test_a_failing_sync_still_restores(_threshold: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), _fewer_collections():
        raise RuntimeError("sync failed")
    assert gc.get_threshold() == _threshold


def test_syncs_in_many_threads_leave_the_threshold_as_found(_threshold: tuple[int, int, int]) -> None:
    start = threading.Barrier(8)

    def sync() -> None:
        start.wait()
        for _ in range(200):
            with _fewer_collections():
                assert gc.get_threshold()[0] >= 100_000

    threads = [threading.Thread(target=sync) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.get_threshold() == _threshold
