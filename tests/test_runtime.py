"""hygiene.runtime: freed memory goes back to the OS; work runs beside work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.runtime import Background, io_map, parallel_map

ROOT = Path(__file__).resolve().parent.parent

# A fresh interpreter: in a test worker, earlier tests' freed memory would be reused.
_SCRIPT = """
import json, sys
import numpy as np, pyarrow as pa
from hygiene.runtime import release_memory, use_system_allocator

if sys.argv[2] == "system":
    use_system_allocator()

def rss():
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20

before = rss()
# Many mid-sized arrow buffers, freed: the allocator keeps them until told otherwise.
arrays = [pa.array(np.arange(200_000).astype(str)) for _ in range(60)]
grown = rss()
del arrays
kept = rss()
if sys.argv[1] == "release":
    release_memory()
print(json.dumps({"before": before, "grown": grown, "kept": kept, "after": rss()}))
"""


def _measure(mode: str, pool: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode, pool],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("pool", ["bundled", "system"])
def test_memory_freed_by_arrow_work_is_returned(pool: str) -> None:
    kept = _measure("keep", pool)
    released = _measure("release", pool)
    assert kept["grown"] - kept["before"] > 100  # the script built something worth releasing
    if pool == "bundled":
        # mimalloc keeps freed buffers resident without the call (glibc returns most of
        # these at once); with it, most go back whichever allocates.
        assert kept["after"] - kept["before"] > (kept["grown"] - kept["before"]) / 2
    assert released["after"] - released["before"] < (released["grown"] - released["before"]) / 2


def test_background_work_runs_beside_the_caller_and_returns_its_value() -> None:
    started = threading.Event()

    def work(x: int, *, y: int) -> int:
        started.set()
        return x + y

    job = Background(work, 2, y=3)
    # It ran before anyone asked for the result.
    assert started.wait(5)
    assert job.result() == 5


def test_background_errors_reach_the_caller() -> None:
    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        Background(fail).result()


def test_serial_background_runs_only_when_asked() -> None:
    calls: list[int] = []
    job = Background(lambda: calls.append(1) or len(calls), serial=True)
    assert calls == []
    assert job.result() == 1 and calls == [1]


def test_parallel_map_keeps_order_and_uses_threads() -> None:
    seen: set[str] = set()

    def work(x: int) -> int:
        seen.add(threading.current_thread().name)
        return x * x

    assert parallel_map(work, range(6)) == [0, 1, 4, 9, 16, 25]
    assert threading.current_thread().name not in seen


def test_hygiene_serial_runs_everything_on_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HYGIENE_SERIAL", "1")
    names: list[str] = []
    assert parallel_map(lambda x: names.append(threading.current_thread().name) or x, [1, 2]) == [
        1,
        2,
    ]
    job = Background(lambda: threading.current_thread().name)
    assert set(names) == {threading.current_thread().name}
    assert job.result() == threading.current_thread().name


def test_parallel_map_raises_the_first_error_in_order() -> None:
    def work(x: int) -> int:
        if x in (2, 3):
            raise ValueError(f"item {x}")
        return x

    with pytest.raises(ValueError, match="item 2"):
        parallel_map(work, [0, 1, 2, 3])


def _fresh_output(code: str, variable: str, value: str | None) -> str:
    """What `code` prints in a fresh interpreter, with `variable` set to `value` (or unset)."""
    env = {k: v for k, v in os.environ.items() if k != variable}
    if value:
        env[variable] = value
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
        env=env,
    )
    return out.stdout.strip()


_POOL = """
import pyarrow as pa
from hygiene.runtime import use_system_allocator
use_system_allocator()
use_system_allocator()  # twice: idempotent
print(pa.default_memory_pool().backend_name)
"""


@pytest.mark.parametrize("chosen", [None, "mimalloc"])
def test_arrow_allocates_with_the_system_malloc_unless_the_environment_chooses(
    chosen: str | None,
) -> None:
    assert _fresh_output(_POOL, "ARROW_DEFAULT_MEMORY_POOL", chosen) == (chosen or "system")


_HUGE = """
import numpy as np
from hygiene.runtime import use_system_allocator
use_system_allocator()
print(np._core.multiarray._get_madvise_hugepage())
"""


@pytest.mark.parametrize(("chosen", "expected"), [(None, "False"), ("1", "True")])
def test_numpy_huge_pages_off_unless_the_environment_chooses(
    chosen: str | None, expected: str
) -> None:
    assert _fresh_output(_HUGE, "NUMPY_MADVISE_HUGEPAGE", chosen) == expected


def test_gc_paused_nests_and_restores_collection() -> None:
    import gc

    from hygiene.runtime import gc_paused, heap_frozen

    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    with heap_frozen():
        assert gc.get_freeze_count() > 0  # the objects alive now are out of the passes
    assert gc.get_freeze_count() == 0


# --- io_map: calls that mostly wait, side by side -------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-1000, 1000), max_size=40), st.integers(1, 20))
def test_io_map_is_the_list_comprehension(items: list[int], workers: int) -> None:
    """Whatever the number of items and workers: the results of `fn`, in the items' order."""
    assert io_map(lambda x: x * 3 - 1, items, workers) == [x * 3 - 1 for x in items]


def test_io_map_waits_side_by_side() -> None:
    """Sixteen calls that each wait for all sixteen to have started can only finish on
    sixteen threads at once (a serial map would wait forever: the barrier times out)."""
    barrier = threading.Barrier(16, timeout=10)

    def wait(x: int) -> int:
        barrier.wait()
        return x

    assert io_map(wait, range(16), 16) == list(range(16))


def test_io_map_still_uses_threads_with_hygiene_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    """`HYGIENE_SERIAL` measures computing; waiting on sockets in turn only slows a run."""
    monkeypatch.setenv("HYGIENE_SERIAL", "1")
    names = io_map(lambda _: threading.current_thread().name, range(4), 4)
    assert threading.current_thread().name not in names


def test_io_map_raises_the_first_error_in_order_once_all_have_run() -> None:
    done: list[int] = []
    gate = threading.Event()

    def work(x: int) -> int:
        if x == 1:
            gate.wait(5)  # the later error is raised first in time
            raise ValueError("item 1")
        if x == 3:
            gate.set()
            raise KeyError("item 3")
        done.append(x)
        return x

    with pytest.raises(ValueError, match="item 1"):
        io_map(work, [0, 1, 2, 3, 4], 5)
    assert sorted(done) == [0, 2, 4]


# --- map_writers: a result's outputs, side by side or in turn ----------------------------------


@pytest.mark.parametrize("side_by_side", [True, False])
def test_map_writers_keeps_order_frees_memory_and_freezes_the_heap(
    monkeypatch: pytest.MonkeyPatch, side_by_side: bool
) -> None:
    """Outputs in the asked order; in turn, freed memory goes back after each writer (and
    once before all of them either way); the long-lived heap is frozen while they run."""
    import gc

    import hygiene.runtime as runtime

    log: list[str] = []
    monkeypatch.setattr(runtime, "release_memory", lambda: log.append("release"))
    frozen: list[bool] = []

    def write(fmt: str) -> str:
        frozen.append(gc.get_freeze_count() > 0)
        if not side_by_side:
            log.append(fmt)
        return fmt.upper()

    assert runtime.map_writers(write, ["html", "json", "xlsx"], side_by_side=side_by_side) == [
        "HTML", "JSON", "XLSX"
    ]
    assert all(frozen) and gc.get_freeze_count() == 0
    if side_by_side:
        assert log == ["release"]
    else:
        assert log == ["release", "html", "release", "json", "release", "xlsx", "release"]
