"""What link checks add to their hits: `related`, the row(s) of the other source, as
{source, file, row, record_id}. (`run.link_findings` turns the hits into findings.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..arrays import objects
from ..prepared import Prepared

#: Counterparts listed in one finding's `related` (a shared inbox can have hundreds).
MAX_RELATED = 10


def refs(prep: Prepared, pos: np.ndarray) -> list[dict[str, Any]]:
    """{source, file, row, record_id} (and sheet, for a workbook) of rows `pos` of a source."""
    src = prep.source
    prov = src.provenance
    files = objects(prov["file"].iloc[pos])
    sheets = objects(prov["sheet"].iloc[pos])
    rows = prov["row"].iloc[pos].to_numpy(dtype=np.int64)
    ids = objects(src.record_ids().iloc[pos])
    out = []
    for f, sh, r, i in zip(files, sheets, rows, ids, strict=True):
        d: dict[str, Any] = {"source": src.name, "file": f, "row": int(r)}
        if sh is not None:
            d["sheet"] = sh
        if i is not None:
            d["record_id"] = str(i)
        out.append(d)
    return out


def collect(
    target: np.ndarray,
    other: np.ndarray,
    other_prep: Prepared,
    rank: np.ndarray | None = None,
    **payload: np.ndarray,
) -> pd.DataFrame:
    """One row per distinct `target` position: `related` (the `other` rows paired with it,
    best `rank` first, at most MAX_RELATED) and each `payload` array's value for the best pair."""
    if len(target) == 0:
        frame: dict[str, Any] = {"pos": np.empty(0, dtype=np.int64), "related": []}
        frame.update({k: np.empty(0, dtype=object) for k in payload})
        return pd.DataFrame(frame)
    rank = np.zeros(len(target), dtype=np.int64) if rank is None else rank
    order = np.lexsort((other, rank, target))
    target, other = target[order], other[order]
    starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
    ends = np.r_[starts[1:], len(target)]
    # Only the first MAX_RELATED of each group are resolved to references.
    within = np.arange(len(target)) - np.repeat(starts, ends - starts)
    keep = within < MAX_RELATED
    resolved = refs(other_prep, other[keep])
    related: list[list[dict[str, Any]]] = [[] for _ in starts]
    group = np.repeat(np.arange(len(starts)), ends - starts)[keep]
    for g, r in zip(group.tolist(), resolved, strict=True):
        related[g].append(r)
    frame = {"pos": target[starts], "related": related}
    for k, v in payload.items():
        frame[k] = np.asarray(v, dtype=object)[order][starts]
    return pd.DataFrame(frame)

