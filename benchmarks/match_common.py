"""Shared helpers of the match benchmarks: sources from frames, pair metrics, peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hygiene.model import Source  # noqa: E402


def source_from_frame(
    name: str, df: pd.DataFrame, columns: dict[str, str], file: str, platform: str = "generic"
) -> Source:
    """A Source as the loader would build it: text cells, 1-based rows, the column map
    (what `--map NAME:COLUMN=FIELD` gives)."""
    data = df.reset_index(drop=True).astype("str").where(df.reset_index(drop=True).notna())
    prov = pd.DataFrame(
        {"file": file, "sheet": pd.NA, "row": np.arange(1, len(df) + 1, dtype=np.int64)}
    )
    return Source(name=name, platform=platform, data=data, provenance=prov, columns=columns)


def pair_set(a: Iterable[object], b: Iterable[object]) -> set[tuple[object, object]]:
    """Unordered pairs as a set of sorted tuples."""
    return {(x, y) if str(x) <= str(y) else (y, x) for x, y in zip(a, b, strict=True)}


def cluster_pairs(groups: Iterable[Sequence[object]]) -> set[tuple[object, object]]:
    """Every pair inside each group (what a user sees as 'these are one person')."""
    out: set[tuple[object, object]] = set()
    for g in groups:
        g = sorted(g, key=str)
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                out.add((g[i], g[j]))
    return out


def prf(pred: set[tuple[object, object]], truth: set[tuple[object, object]]) -> tuple[float, ...]:
    """Precision, recall, F1 of predicted pairs against true pairs."""
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_child(args: list[str]) -> dict[str, Any]:
    """Run one tool in a fresh process (so its peak memory is its own); the child prints a
    JSON object as its last line, which is returned (with "error" when it failed)."""
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0][:200]}
    return dict(json.loads(lines[-1]))


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
