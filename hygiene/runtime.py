"""Resources between the audit's steps: freed memory back to the OS, work beside work.

pyarrow's allocator (the system's malloc once `use_system_allocator` ran) and glibc's
malloc keep freed blocks for reuse. After a step that built and dropped large temporary
arrays (the matcher's stacked frame, a check's intermediate columns) those blocks count in
the process's resident size until the allocator decides to return them, held across the
next step. Asking both to return them is cheap beside a step's own work.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import inspect
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

import pyarrow as pa

from .progress import step

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
    if run_serially():
        return [fn(x) for x in todo]
    return _thread_map(fn, todo, workers)


def io_map(fn: Callable[[U], T], items: Iterable[U], workers: int = 16) -> list[T]:
    """`[fn(x) for x in items]`, up to `workers` at a time on threads, for calls that mostly
    wait (a DNS query, a socket): more threads than cores, and threads even with
    `HYGIENE_SERIAL`, which measures computing, not waiting. Results in order; the first
    error, in order, is raised once all have finished."""
    return _thread_map(fn, list(items), workers)


def _thread_map(fn: Callable[[U], T], todo: list[U], workers: int) -> list[T]:
    if len(todo) < 2 or workers < 2:
        return [fn(x) for x in todo]
    with ThreadPoolExecutor(min(workers, len(todo)), thread_name_prefix="hygiene") as pool:
        return list(pool.map(fn, todo))


def map_writers(fn: Callable[[U], T], items: Iterable[U], *, side_by_side: bool) -> list[T]:
    """`[fn(x) for x in items]` for writers of one result's outputs: freed memory handed
    back first (what the caller dropped before writing), the long-lived heap kept out of
    the collector's passes (`heap_frozen`), and the writers either side by side on threads
    or in turn, freed memory handed back after each, so that memory peaks at the largest
    writer, not at their sum."""
    todo = list(items)
    release_memory()
    with heap_frozen():
        if side_by_side:
            return parallel_map(fn, todo, len(todo))
        out = []
        for x in todo:
            out.append(fn(x))
            release_memory()
        return out


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
    fault in again after `release_memory`, glibc reuses its arenas. Called by every `Run`
    (the audit, clean, the matcher) and the CLI; arrays already allocated keep their pool. numpy's
    huge-page requests are turned off too (`_no_numpy_hugepages`), and glibc keeps freed
    memory for reuse (`_malloc_reuses_freed_memory`)."""
    _no_numpy_hugepages()
    _malloc_reuses_freed_memory()
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


#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4


def _malloc_reuses_freed_memory() -> None:
    """Stop glibc's malloc handing each large block back to the kernel on free, unless
    `GLIBC_TUNABLES` or a `MALLOC_*` variable chooses. By default a block of a column's
    size is mapped fresh and unmapped when freed, so every temporary array of a million
    values faults its pages in (zeroed by the kernel) once more; with mapping off and a
    high trim threshold they come from the heap and are reused. Memory still goes back
    between steps: `release_memory` trims explicitly."""
    if "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ):
        return
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return
    libc.mallopt(_M_MMAP_MAX, 0)
    libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)


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


# --- Steps ---------------------------------------------------------------------------------
# A run of steps, each declaring the values it reads and writes. The runtime, not the step,
# times each one, hands freed memory back, keeps the collector off the long-lived heap, runs
# the steps marked `beside` on one thread of their own, and drops a value once its last
# reader has run.

_local = threading.local()


def warm_up(start: Callable[[], object]) -> None:
    """Start setting up an engine ahead of its first use (an import on a thread of its own),
    unless `HYGIENE_NO_PRELOAD` is set: to measure what the warm-up saves."""
    if not os.environ.get("HYGIENE_NO_PRELOAD"):
        start()


def checkpoint() -> None:
    """Between two parts of a long step: hand freed memory back when the step runs beside
    other work (its thread's freed blocks are otherwise kept by its own malloc arena while
    the other thread allocates from another; alone, a step reuses its own)."""
    if getattr(_local, "give_back", False):
        release_memory()


@contextmanager
def _giving_back() -> Iterator[None]:
    before = getattr(_local, "give_back", False)
    _local.give_back = True
    try:
        yield
    finally:
        _local.give_back = before


class Releasable:
    """A value that frees more than its own reference when its lifetime ends (views kept
    inside shared objects): `release()` is called on the main thread, between steps."""

    def release(self) -> None:  # pragma: no cover - the base does nothing to release
        return None


@dataclass(frozen=True)
class Step:
    """One step: `fn(**{name: value for name in reads})` returns the values of `writes` (one
    value, or a tuple in that order). `timing` names the figure its seconds add to (default:
    `name`); `label` is announced to `progress` listeners as it starts (a `beside` step's
    as the main thread first waits for it); `give_back` returns freed memory to the OS after it;
    `beside` runs it on the run's second thread, in order with the other `beside` steps,
    while the main thread goes on (with `HYGIENE_SERIAL`, when its first output is needed).
    `phase` names a finer figure its own seconds add to (`Run.phases`), waits left out and
    `beside` steps counted on their thread: the matcher's phases inside the audit's "match".
    `collect=False` pauses automatic garbage collection while it runs (`gc_paused`), for a
    step building many small objects without cycles."""

    name: str
    fn: Callable[..., Any]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    timing: str | None = None
    label: str | None = None
    give_back: bool = True
    beside: bool = False
    phase: str | None = None
    collect: bool = True


class _Lane:
    """The `beside` steps, in order, on one daemon thread (or lazily on the caller's)."""

    def __init__(self, call: Callable[[Step], dict[str, Any]]) -> None:
        self._call = call
        self._todo: list[Step] = []
        self._pending: dict[str, Future[Any]] = {}
        self._thread: threading.Thread | None = None
        self._wake = threading.Condition()
        self._closed = False

    def submit(self, s: Step) -> None:
        for name in s.writes:
            self._pending[name] = Future()
        with self._wake:
            self._todo.append(s)
            self._wake.notify()
        if self._thread is None and not run_serially():
            self._thread = threading.Thread(target=self._loop, name="hygiene-beside", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()

    def has(self, name: str) -> bool:
        return name in self._pending

    def ready(self, name: str) -> bool:
        future = self._pending.get(name)
        return future is not None and future.done()

    def take(self, name: str) -> None:
        """Forget an output no step reads any more."""
        self._pending.pop(name, None)

    def result(self, name: str) -> Any:
        """The value `name` once its step has run (running the queued steps here, in order,
        when there is no thread)."""
        future = self._pending[name]
        while self._thread is None and not future.done() and self._todo:
            self._step(self._todo.pop(0))
        return future.result()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._todo and not self._closed:
                    self._wake.wait()
                if not self._todo:
                    return
                s = self._todo.pop(0)
            self._step(s)

    def _step(self, s: Step) -> None:
        try:
            with _giving_back():
                values = self._call(s)
        except BaseException as exc:  # handed to whoever waits for an output
            with self._wake:  # the later steps would read what this one did not write
                failed = [s, *self._todo]
                self._todo.clear()
            for f in failed:
                for name in f.writes:
                    if name in self._pending and not self._pending[name].done():
                        self._pending[name].set_exception(exc)
            return
        for name, value in values.items():
            self._pending[name].set_result(value)


class Run:
    """Steps run over named values: the main thread runs its steps in order, the `beside`
    steps run on a second thread from where they are listed; a step reading a `beside`
    step's output waits for it (the wait counts in that step's timing, the `beside` step's
    own time in none). A value read by steps is dropped once all of them have run, but for
    those in `keep`. `timings` orders the figures. From the end of step `freeze_after` on,
    the objects alive then are left out of the collector's passes (`heap_frozen`): after
    the imports and the load they are modules, engines and the sources. A `nested` run (a
    library call's steps, or those inside one step of another run) hands freed memory back
    between its steps only when it runs beside other work (`checkpoint`): alone, a step
    reuses what the one before it freed."""

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        keep: Iterable[str] = (),
        timings: Iterable[str] = (),
        freeze_after: str | None = None,
        nested: bool = False,
    ) -> None:
        self.steps = list(steps)
        self._freeze_after = freeze_after
        self._give_back = checkpoint if nested else release_memory
        self.values: dict[str, Any] = {}
        self.timings: dict[str, float] = dict.fromkeys(timings, 0.0)
        #: Seconds per `Step.phase`, in the order the phases first finished.
        self.phases: dict[str, float] = {}
        self._keep = set(keep)
        self._readers: dict[str, set[str]] = {}
        for s in self.steps:
            for name in s.reads:
                self._readers.setdefault(name, set()).add(s.name)
        self._owner = {name: s for s in self.steps for name in s.writes}
        self._ran: set[str] = set()
        self._announced: set[str] = set()
        self._lane = _Lane(self._beside)
        self._lock = threading.Lock()
        self._check()

    def _check(self) -> None:
        """Step names are unique and no step reads a value only a later step writes."""
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names repeat: {names}")
        for k, s in enumerate(self.steps):
            params = inspect.signature(s.fn).parameters
            if any(name not in params for name in s.reads):
                takes = list(params)
                raise ValueError(f"step {s.name} reads {s.reads}; its function takes {takes}")
            for name in s.reads:
                owner = self._owner.get(name)
                if owner is not None and self.steps.index(owner) >= k:
                    raise ValueError(f"step {s.name} reads {name!r} before {owner.name} writes it")

    def run(self, **inputs: Any) -> dict[str, Any]:
        """Run every step from `inputs`, waiting for the `beside` ones; returns the values
        still held (`keep` among them)."""
        use_system_allocator()
        self.values.update(inputs)
        with ExitStack() as frozen:
            try:
                for s in self.steps:
                    if s.beside:
                        self._lane.submit(s)
                    else:
                        self._main(s)
                    if s.name == self._freeze_after:
                        frozen.enter_context(heap_frozen())
                # Every step has run when the run returns: the kept outputs, and the rest.
                out = {n: self._wait(n)[0] for n in self._keep if self._lane.has(n)}
                for s in self.steps:
                    if s.beside and s.writes and self._lane.has(s.writes[0]):
                        self._wait(s.writes[0])
                self._drop(main=True)
                out = {**self.values, **out}
            finally:
                self._lane.close()
        return out

    def _wait(self, name: str) -> tuple[Any, float]:
        """A `beside` step's output, the wait counted in that step's timing."""
        owner = self._owner[name]
        t = time.perf_counter()
        self._announce(owner)
        value = self._lane.result(name)
        seconds = time.perf_counter() - t
        self._add(owner.timing or owner.name, seconds)
        return value, seconds

    def _announce(self, s: Step) -> None:
        if s.label and s.name not in self._announced:
            self._announced.add(s.name)
            step(s.label)

    def _main(self, s: Step) -> None:
        t = time.perf_counter()
        args: dict[str, Any] = {}
        waited = 0.0
        for name in s.reads:
            if name in self.values or not self._lane.has(name):
                args[name] = self.values[name]
                continue
            args[name], seconds = self._wait(name)
            waited += seconds
        if waited:  # the beside steps may have finished reading what they shared
            self._drop(main=True)
        self._announce(s)
        self.values.update(self._outputs(s, self._call(s, args)))
        del args
        with self._lock:
            self._ran.add(s.name)
        freed = self._drop(main=True)
        if s.give_back or freed:
            self._give_back()
        seconds = time.perf_counter() - t - waited
        self._add(s.timing or s.name, seconds)
        self._add_phase(s, seconds)

    def _beside(self, s: Step) -> dict[str, Any]:
        t = time.perf_counter()
        args = {name: self.values[name] if name in self.values else self._lane.result(name)
                for name in s.reads}
        out = self._outputs(s, self._call(s, args))
        del args
        with self._lock:
            self._ran.add(s.name)
        self._drop(main=False)
        if s.give_back:
            release_memory()
        self._add_phase(s, time.perf_counter() - t)
        return out

    @staticmethod
    def _call(s: Step, args: dict[str, Any]) -> Any:
        with nullcontext() if s.collect else gc_paused():
            return s.fn(**args)

    @staticmethod
    def _outputs(s: Step, out: Any) -> dict[str, Any]:
        if len(s.writes) == 1:
            out = (out,)
        elif not s.writes:
            out = ()
        return dict(zip(s.writes, out, strict=True))

    def _add(self, bucket: str, seconds: float) -> None:
        with self._lock:
            self.timings[bucket] = self.timings.get(bucket, 0.0) + seconds

    def _add_phase(self, s: Step, seconds: float) -> None:
        if s.phase is not None:
            with self._lock:
                self.phases[s.phase] = self.phases.get(s.phase, 0.0) + seconds

    def _drop(self, *, main: bool) -> bool:
        """Drop each value whose readers have all run: `Releasable` ones on the main thread
        only, between its steps, where no step runs over what they release."""
        with self._lock:
            done = [
                n for n, readers in self._readers.items()
                if n not in self._keep and readers <= self._ran
                and (n in self.values or self._lane.ready(n))
            ]
        freed = False
        for name in done:
            value = self.values.get(name)
            if isinstance(value, Releasable):
                if not main:
                    continue
                value.release()
            self.values.pop(name, None)
            self._lane.take(name)
            freed = True
        return freed
