"""Which step a run is on, for whoever listens (the `hygiene` command's progress line).

The library only names its steps (`step("Matching duplicates")`); it never prints. A
listener, installed with `listening`, hears each name as the step starts, from whichever
thread starts it. With no listener a step costs a lookup of an empty list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def step(name: str) -> None:
    """Tell the listeners a step starts ("Loading crm (contacts.csv)")."""
    for listener in tuple(_listeners):
        listener(name)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Hear every step started inside the block, on any thread."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)
