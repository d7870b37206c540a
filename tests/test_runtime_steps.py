"""hygiene.runtime's steps: declared inputs and outputs, work beside work, lifetimes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene import progress
from hygiene.runtime import Releasable, Run, Step


class Tracked(Releasable):
    """A value that records when and on which thread it was released."""

    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name
        self.thread: threading.Thread | None = None

    def release(self) -> None:
        self.thread = threading.current_thread()
        self.log.append(f"release {self.name}")


def test_steps_run_in_order_over_named_values() -> None:
    run = Run([
        Step("a", lambda x: x + 1, reads=("x",), writes=("a",)),
        Step("b", lambda x, a: (x * a, x - a), reads=("x", "a"), writes=("b", "c")),
    ], keep=("b", "c"))
    out = run.run(x=3)
    assert out["b"] == 12 and out["c"] == -1


def test_a_value_goes_once_its_last_reader_has_run() -> None:
    log: list[str] = []

    def reader(name: str) -> Callable[..., None]:
        def fn(v: Tracked) -> None:
            log.append(f"read {name}")
        return fn

    run = Run([
        Step("make", lambda: Tracked(log, "v"), writes=("v",)),
        Step("r1", reader("r1"), reads=("v",), writes=()),
        Step("r2", reader("r2"), reads=("v",), writes=()),
        Step("after", lambda: log.append("after"), writes=()),
    ])
    out = run.run()
    assert log == ["read r1", "read r2", "release v", "after"]
    assert "v" not in out


def test_kept_values_outlive_their_readers() -> None:
    run = Run([
        Step("make", lambda: [1, 2], writes=("v",)),
        Step("use", lambda v: sum(v), reads=("v",), writes=("total",)),
    ], keep=("v", "total"))
    assert run.run() == {"v": [1, 2], "total": 3}


def test_a_beside_step_runs_on_another_thread_while_the_main_thread_goes_on() -> None:
    started = threading.Event()
    threads: dict[str, threading.Thread] = {}

    def slow(x: int) -> int:
        threads["slow"] = threading.current_thread()
        started.set()
        time.sleep(0.2)
        return x * 10

    def main_work(x: int) -> int:
        threads["main"] = threading.current_thread()
        assert started.wait(5)  # the beside step started before this one ended
        return x + 1

    run = Run([
        Step("slow", slow, reads=("x",), writes=("slow",), beside=True, timing="bg"),
        Step("main", main_work, reads=("x",), writes=("y",)),
        Step("join", lambda slow, y: slow + y, reads=("slow", "y"), writes=("z",)),
    ], keep=("z",), timings=("main", "bg", "join"))
    out = run.run(x=2)
    assert out["z"] == 23
    assert threads["slow"] is not threads["main"]
    assert threads["main"] is threading.current_thread()
    assert list(run.timings) == ["main", "bg", "join"]
    # The main thread waited for the slow step in `join`: the wait counts as the step's.
    assert run.timings["bg"] >= 0.1
    assert run.timings["join"] < run.timings["bg"]


def test_serial_runs_beside_steps_on_the_caller_when_their_output_is_needed(monkeypatch) -> None:
    monkeypatch.setenv("HYGIENE_SERIAL", "1")
    order: list[str] = []
    run = Run([
        Step("bg", lambda: order.append("bg") or 1, writes=("b",), beside=True),
        Step("main", lambda: order.append("main") or 2, writes=("m",)),
        Step("join", lambda b, m: threading.current_thread(), reads=("b", "m"), writes=("t",)),
    ], keep=("t",))
    out = run.run()
    assert order == ["main", "bg"]
    assert out["t"] is threading.current_thread()


def test_an_error_beside_reaches_the_step_that_reads_its_output() -> None:
    def boom() -> int:
        raise RuntimeError("beside failed")

    run = Run([
        Step("bg", boom, writes=("b",), beside=True),
        Step("later", lambda b: b, reads=("b",), writes=("c",), beside=True),
        Step("join", lambda c: c, reads=("c",), writes=("d",)),
    ])
    with pytest.raises(RuntimeError, match="beside failed"):
        run.run()


def test_releasable_values_are_released_on_the_main_thread_after_every_reader() -> None:
    log: list[str] = []
    gate = threading.Event()
    value = Tracked(log, "views")

    def beside_reader(views: Tracked) -> int:
        assert gate.wait(5)
        log.append("beside read")
        return 1

    def main_reader(views: Tracked) -> None:
        log.append("main read")
        gate.set()

    run = Run([
        Step("bg", beside_reader, reads=("views",), writes=("b",), beside=True),
        Step("main", main_reader, reads=("views",), writes=()),
        Step("join", lambda b: b, reads=("b",), writes=("c",)),
    ], keep=("c",))
    run.run(views=value)
    assert log.index("release views") > log.index("beside read")
    assert value.thread is threading.current_thread()


@pytest.mark.parametrize(
    "steps,problem",
    [
        ([Step("a", lambda b: b, reads=("b",), writes=("a",)),
          Step("b", lambda: 1, writes=("b",))], "before b writes it"),
        ([Step("a", lambda x: x, reads=("y",), writes=("a",))], "its function takes"),
        ([Step("a", lambda: 1, writes=("a",)), Step("a", lambda: 2, writes=("b",))],
         "repeat"),
    ],
)
def test_mistakes_in_the_declarations_stop_the_run_before_it_starts(steps, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        Run(steps)


def test_labels_are_announced_once_as_steps_start_or_are_waited_for() -> None:
    heard: list[str] = []
    run = Run([
        Step("bg", lambda: 1, writes=("b",), label="Beside", beside=True),
        Step("main", lambda: 2, writes=("m",), label="Main"),
        Step("join", lambda b, m: b + m, reads=("b", "m"), writes=("s",), label="Join"),
    ], keep=("s",))
    with progress.listening(heard.append):
        run.run()
    assert heard == ["Main", "Beside", "Join"]


@st.composite
def pipelines(draw: st.DrawFn) -> tuple[list[tuple[str, tuple[str, ...], bool]], set[str]]:
    """Steps s0..sN, each reading some earlier values (or the input x) and writing one."""
    n = draw(st.integers(1, 8))
    steps = []
    for k in range(n):
        earlier = ["x", *(f"v{j}" for j in range(k))]
        reads = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3))
        steps.append((f"v{k}", tuple(reads), draw(st.booleans())))
    keep = set(draw(st.lists(st.sampled_from([s[0] for s in steps]), unique=True)))
    return steps, keep


@settings(max_examples=60, deadline=None)
@given(pipelines(), st.booleans())
def test_any_pipeline_gives_what_running_it_in_turn_gives(drawn, serial) -> None:
    """Whatever runs beside: each value equals a plain in-order evaluation, every step sees
    its inputs (none dropped too early), and at the end only the kept values, the inputs
    and the values no step reads are held."""
    import os

    spec, keep = drawn
    if serial:
        os.environ["HYGIENE_SERIAL"] = "1"
    try:
        def make(name: str, reads: tuple[str, ...]) -> Callable[..., Any]:
            def fn(**kw: int) -> int:
                return hash((name, *sorted(kw.items()))) % 1000
            fn.__signature__ = _signature(reads)  # type: ignore[attr-defined]
            return fn

        steps = [Step(n, make(n, r), reads=r, writes=(n,), beside=b) for n, r, b in spec]
        expected: dict[str, int] = {"x": 7}
        for n, r, _ in spec:
            expected[n] = hash((n, *sorted((k, expected[k]) for k in r))) % 1000
        run = Run(steps, keep=keep)
        out = run.run(x=7)
    finally:
        os.environ.pop("HYGIENE_SERIAL", None)
    read = {name for _, r, _ in spec for name in r}
    for name in keep:
        assert out[name] == expected[name]
    held = set(out) - {"x"}
    assert held & (read - keep) == set()


def _signature(names: tuple[str, ...]) -> Any:
    import inspect

    return inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
    )


def test_phases_add_each_steps_own_seconds_beside_or_not() -> None:
    """Steps sharing a phase add up under it (a `beside` step's time on its thread); a
    main step's wait for a `beside` output is not its own time; steps without a phase
    add nothing. Phases are listed in the order they first finished."""
    def nap(seconds: float) -> Callable[..., int]:
        def fn(**_: Any) -> int:
            time.sleep(seconds)
            return 1
        return fn

    run = Run([
        Step("a", nap(0.05), writes=("a",), phase="first"),
        Step("slow", nap(0.3), writes=("s",), phase="beside", beside=True),
        Step("b", lambda s: s, reads=("s",), writes=("b",), phase="first"),
        Step("c", nap(0.05), writes=("c",), phase="first"),
        Step("plain", nap(0.01), writes=("p",)),
    ], keep=("a", "b", "c", "p"))
    run.run()
    assert list(run.phases) == ["first", "beside"]  # `a` finished before `slow` started
    assert run.phases["beside"] >= 0.3
    assert 0.1 <= run.phases["first"] < 0.3  # b waited for `slow`; that is not its own time


@pytest.mark.parametrize("nested", [False, True])
def test_a_nested_run_gives_memory_back_only_beside_other_work(
    monkeypatch: pytest.MonkeyPatch, nested: bool
) -> None:
    """A run of its own hands memory back after each `give_back` step; a nested one only
    when it runs inside a `beside` step (alone, a step reuses what the last one freed)."""
    import hygiene.runtime as runtime

    released: list[str] = []
    monkeypatch.setattr(runtime, "release_memory", lambda: released.append(where[0]))
    where = ["outside"]
    inner = [Step("one", lambda: 1, writes=("one",)), Step("two", lambda: 2, writes=("two",))]

    def inside() -> int:
        where[0] = "inside"
        Run(inner, keep=("one", "two"), nested=nested).run()
        where[0] = "after"
        return 0

    Run(inner, keep=("one", "two"), nested=nested).run()
    alone = released.count("outside")
    assert alone == (0 if nested else 2)
    Run([Step("outer", inside, writes=("x",), beside=True, give_back=False)], keep=("x",)).run()
    assert released.count("inside") == 2  # beside other work, both runs give back


@pytest.mark.parametrize("beside", [False, True])
def test_collect_false_pauses_garbage_collection_for_that_step_only(beside: bool) -> None:
    import gc

    seen: dict[str, bool] = {}

    def probe(name: str) -> Callable[..., int]:
        def fn(**_: int) -> int:
            seen[name] = gc.isenabled()
            return 0
        return fn

    plain = probe("plain")
    plain.__signature__ = _signature(("p",))  # type: ignore[attr-defined]
    Run([
        Step("paused", probe("paused"), writes=("p",), collect=False, beside=beside),
        Step("plain", plain, reads=("p",), writes=("q",)),  # after `paused`, on the main thread
    ], keep=("p", "q")).run()
    assert seen == {"paused": False, "plain": True} and gc.isenabled()
