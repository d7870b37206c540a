"""Shared test helpers: build a Source in memory, run the shared contract checker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hygiene.model import Source
from hygiene.normalize.base import TEXT

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT.parent / "shared" / "tools" / "check_audit_json.py"


def make_source(
    name: str,
    data: Mapping[str, Sequence[object]],
    columns: Mapping[str, str],
    platform: str = "generic",
    file: str = "contacts.csv",
) -> Source:
    """A Source from plain lists: `data` is header -> cells, `columns` header -> field."""
    frame = pd.DataFrame({k: pd.Series(list(v), dtype=TEXT) for k, v in data.items()})
    n = len(frame)
    prov = pd.DataFrame(
        {
            "file": pd.Series([file] * n, dtype=TEXT),
            "sheet": pd.Series([None] * n, dtype=TEXT),
            "row": np.arange(1, n + 1, dtype=np.int64),
        }
    )
    return Source(
        name=name,
        platform=platform,
        data=frame,
        provenance=prov,
        columns=dict(columns),
        confidence={c: 1.0 for c in columns},
    )


def check_audit_json(path: Path) -> str:
    """Run the shared contract checker; returns its output, fails the test on a problem."""
    proc = subprocess.run(
        [sys.executable, str(CHECKER), str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout
