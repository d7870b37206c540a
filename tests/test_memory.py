"""hygiene.memory: freed memory goes back to the OS between steps."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pytest

from hygiene.memory import release_memory


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_memory_freed_by_arrow_work_is_returned() -> None:
    before = _rss_mb()
    # Many mid-sized arrow buffers, freed: the allocator keeps them until told otherwise.
    arrays = [pa.array(np.arange(200_000).astype(str)) for _ in range(40)]
    grown = _rss_mb()
    del arrays
    release_memory()
    after = _rss_mb()
    assert grown - before > 100  # the test built something worth releasing
    assert after - before < (grown - before) / 2
