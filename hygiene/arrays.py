"""Small numpy helpers shared by the steps."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: `np.unique(values)` without its cost. numpy 2.4's
    `np.unique` hashes integers when asked for the values alone, and took 0.9-1.0 s for
    1.3M distinct int64 where a sort and a neighbour test take 0.02 s."""
    out = np.sort(np.asarray(values).reshape(-1))
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]
