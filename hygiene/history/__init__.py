"""The audit history: one row per audit in an embedded SQLite database, and the trend.

`record(audit, path)` stores an audit and returns the change since the previous audit of the
same data (a `hygiene.model.Trend`; see `snapshot.same_datasets`); `list_runs(path)` reads
past runs back. The default database is `.hygiene/history.db` (see `default_history_path`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .identity import file_sha256, finding_identities, source_set
    from .runs import Recorded, list_runs, load_snapshot, record, record_snapshot, trend_for
    from .snapshot import InputFile, Snapshot, compare, snapshot
    from .store import SCHEMA_VERSION, connect, default_history_path, migrate

__all__ = [
    "SCHEMA_VERSION",
    "InputFile",
    "Recorded",
    "Snapshot",
    "compare",
    "connect",
    "default_history_path",
    "file_sha256",
    "finding_identities",
    "list_runs",
    "load_snapshot",
    "migrate",
    "record",
    "record_snapshot",
    "snapshot",
    "source_set",
    "trend_for",
]

#: Where each name lives. Imported on first use: `hygiene history` lists runs without the
#: pandas that recording an audit's finding identities needs.
_HOMES = {
    **dict.fromkeys(("file_sha256", "finding_identities", "source_set"), "identity"),
    **dict.fromkeys(
        ("Recorded", "list_runs", "load_snapshot", "record", "record_snapshot", "trend_for"),
        "runs",
    ),
    **dict.fromkeys(("InputFile", "Snapshot", "compare", "snapshot"), "snapshot"),
    **dict.fromkeys(("SCHEMA_VERSION", "connect", "default_history_path", "migrate"), "store"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
