"""What the `hygiene` commands say on stderr while they run: the step a run is on (on a
terminal only) and the library's warnings as one line each.

Progress shows with rich while stderr is a terminal and -q is not given; it is silent in a
pipe, a log or a scheduler. It starts before the exports are read, so a person sees the run
began before the first large file is parsed.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

import click

from .errors import HygieneWarning
from .progress import listening


def wanted(quiet: bool, stream: IO[str] | None = None) -> bool:
    """True when progress should show: not --quiet, and the stream is a terminal."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not quiet and callable(isatty) and bool(isatty())


@contextmanager
def progress(quiet: bool, first: str = "Starting") -> Iterator[Callable[[], None]]:
    """Show each step the library names, and the seconds the one before took, until the
    block ends or the function it yields is called (before printing results)."""
    if not wanted(quiet):
        yield lambda: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    current: list[Any] = [first, time.perf_counter()]
    def finished() -> None:
        console.print(f"[dim]{current[0]} ({time.perf_counter() - current[1]:.1f} s)[/dim]",
                      highlight=False)

    with ExitStack() as stack:
        stack.callback(finished)  # last out: once the spinner has gone
        status = stack.enter_context(console.status(f"{first}…", spinner="dots"))

        def on_step(name: str) -> None:
            if name == current[0]:  # the command named it first, to show something at once
                return
            finished()
            current[:] = [name, time.perf_counter()]
            status.update(f"{name}…")

        stack.enter_context(listening(on_step))
        yield stack.close


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """The library's `HygieneWarning`s printed as "hygiene: warning: ..." on stderr, every
    time (not once per place); other warnings as Python prints them."""
    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: Any, **kw: Any) -> None:
        if issubclass(category, HygieneWarning):
            click.echo(f"hygiene: warning: {message}", err=True)
        else:
            shown(message, category, *args, **kw)

    with warnings.catch_warnings():
        warnings.simplefilter("always", HygieneWarning)
        warnings.showwarning = show
        yield
