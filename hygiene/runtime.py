"""Resources between the audit's steps: freed memory back to the OS, work beside work.

pyarrow's allocator (the system's malloc once `use_system_allocator` ran) and glibc's
malloc keep freed blocks for reuse. After a step that built and dropped large temporary
arrays (the matcher's stacked frame, a check's intermediate columns) those blocks count in
the process's resident size until the allocator decides to return them; at 1.7M rows that
was 0.2-0.4 GB held across the next step. Asking both to return them costs a few
milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any, Generic, TypeVar

import pyarrow as pa

T = TypeVar("T")
U = TypeVar("U")


def run_serially() -> bool:
    """True when `HYGIENE_SERIAL` is set: every step runs in turn on the calling thread
    (to measure what the threads gain, or to debug)."""
    return bool(os.environ.get("HYGIENE_SERIAL"))


def parallel_map(fn: Callable[[U], T], items: Iterable[U], workers: int = 2) -> list[T]:
    """`[fn(x) for x in items]`, up to `workers` at a time on threads (results in order;
    the first error, in order, is raised once all have finished). Worth it where `fn` is
    mostly pyarrow, numpy, rapidfuzz or zlib work, which releases the GIL."""
    todo = list(items)
    if len(todo) < 2 or workers < 2 or run_serially():
        return [fn(x) for x in todo]
    with ThreadPoolExecutor(min(workers, len(todo)), thread_name_prefix="hygiene") as pool:
        return list(pool.map(fn, todo))


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        lib = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return lib if lib is not None and hasattr(lib, "malloc_trim") else None


_ALLOCATOR_LOCK = threading.Lock()


def use_system_allocator() -> None:
    """Make pyarrow allocate with the system's malloc (glibc) instead of its bundled
    mimalloc, unless `ARROW_DEFAULT_MEMORY_POOL` chooses. Faster with a lower
    peak on the full audit (figures in benchmarks/RESULTS.md): mimalloc's fresh pages
    fault in again after `release_memory`, glibc reuses its arenas. Called by `audit()`,
    `find_duplicates()` and the CLI; arrays already allocated keep their pool. numpy's
    huge-page requests are turned off too (`_no_numpy_hugepages`)."""
    _no_numpy_hugepages()
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with _ALLOCATOR_LOCK:
        if pa.default_memory_pool().backend_name != "system":
            pa.set_memory_pool(pa.system_memory_pool())


def _no_numpy_hugepages() -> None:
    """Stop numpy asking the kernel for huge pages on large arrays, unless
    `NUMPY_MADVISE_HUGEPAGE` chooses. Where transparent huge pages are `madvise` with
    `defrag=madvise` (this machine; a common default) each first touch of such an array
    may compact memory synchronously, which made blocking spend several times longer in
    the kernel."""
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE") is not None:
        return
    import numpy as np

    core = getattr(np, "_core", None) or getattr(np, "core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def release_memory() -> None:
    """Return freed pyarrow and malloc memory to the OS (a no-op where not supported)."""
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class Background(Generic[T]):
    """`fn(*args, **kwargs)` on a daemon thread from now; `result()` waits and returns it, or
    raises what it raised. A daemon, so an error elsewhere never waits for it to finish.
    `serial=True` (default: `run_serially()`) runs it inside `result()` instead."""

    def __init__(
        self, fn: Callable[..., T], *args: Any, serial: bool | None = None, **kwargs: Any
    ) -> None:
        self._call = lambda: fn(*args, **kwargs)
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if not (run_serially() if serial is None else serial):
            self._thread = threading.Thread(target=self._run, name="hygiene-background")
            self._thread.daemon = True
            self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    @property
    def beside(self) -> bool:
        """True when `fn` runs on its own thread (False: it runs inside `result()`)."""
        return self._thread is not None

    def result(self) -> T:
        if self._thread is None:
            return self._call()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class KeyedOnce:
    """Values of a dict computed once per key, even when threads ask for one at once: a
    lock per key (made on first use), so different keys still compute side by side."""

    def __init__(self) -> None:
        self._locks: dict[object, threading.RLock] = {}
        self._guard = threading.Lock()

    def __call__(self, store: dict[Any, Any], key: object, compute: Callable[[], T]) -> T:
        try:
            return store[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
        with lock:
            if key not in store:
                store[key] = compute()
            return store[key]


_GC_LOCK = threading.Lock()
_gc_state = {"paused": 0, "was_enabled": True, "frozen": 0}


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic garbage collection inside the block (on any thread): for steps that
    build many small objects without cycles (clusters, audit.json records). Each of their
    allocations counts towards a collection, and a full one walks every live object with
    the GIL held, which at a million rows is a noticeable share of those steps.
    """
    with _GC_LOCK:
        if _gc_state["paused"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["paused"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_state["paused"] -= 1
            if _gc_state["paused"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Objects alive when the block starts are left out of the collector's passes until it
    ends (`gc.freeze`): after the imports and the load they are modules, Great
    Expectations' classes and the sources, which cannot be garbage yet but which every full
    pass walked (an audit ran eight)."""
    with _GC_LOCK:
        gc.freeze()
        _gc_state["frozen"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_state["frozen"] -= 1
            if _gc_state["frozen"] == 0:
                gc.unfreeze()
