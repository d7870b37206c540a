"""A duplicate cluster's evidence on Spark, worded as `match.grouping._clusters` words it: the
words of each member's strongest in-cluster edge, those edges weakest first, each word once
(for audit.json's sampled clusters on the driver, and per batch of clusters on the
executors for the clean's merge plan)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..match.compare import Comparison
from ..match.features import MATCH_COLUMNS, encode_frames
from ..match.types import STRONG_WORDS
from .match_rows import GID, present


def evidence_words(
    edges: pd.DataFrame, recs: pd.DataFrame, cluster_of: dict[int, int],
    comps: Sequence[Comparison], has: dict[str, bool], freemail: frozenset[str],
) -> dict[int, list[str]]:
    """The evidence of the clusters `cluster_of` (gid -> cluster) names, from their members'
    match records and the edges among them (see the module docstring)."""
    from ..arrays import distinct
    from ..match.evidence import describe

    comps = list(comps)
    g_cols = [f"g_{c.name}" for c in comps]
    edges = edges.sort_values(["lo", "hi"]).reset_index(drop=True)
    recs = recs.sort_values(GID).reset_index(drop=True)
    rows = recs[GID].to_numpy(dtype=np.int64)
    lab_l = edges["lo"].map(cluster_of).to_numpy(dtype=np.int64)
    lab_r = edges["hi"].map(cluster_of).to_numpy(dtype=np.int64)
    inside = np.flatnonzero(lab_l == lab_r)
    li = np.searchsorted(rows, edges["lo"].to_numpy(dtype=np.int64))
    ri = np.searchsorted(rows, edges["hi"].to_numpy(dtype=np.int64))
    pr = edges["prob"].to_numpy(dtype=np.float64)
    ends = np.concatenate([li[inside], ri[inside]])
    eidx = np.concatenate([inside, inside])
    order = np.lexsort((-pr[eidx], ends))
    first = np.r_[True, ends[order][1:] != ends[order][:-1]]
    edge_row, edge_of_row = ends[order][first], eidx[order][first]
    picked_edges = distinct(edge_of_row)
    frame = pd.DataFrame(
        {c: recs[c].astype(object).where(recs[c].notna(), np.nan) for c in MATCH_COLUMNS}
    )
    f = present(encode_frames([frame], ["sample"], freemail), has)
    gammas = edges[g_cols].to_numpy(dtype=np.int8).reshape(len(edges), len(g_cols))
    swap = edges["swap"].to_numpy(dtype=bool)
    gi = picked_edges
    words = describe(f, comps, gammas[gi], li[gi], ri[gi], swap[gi])
    lifted = edges["lifted"].to_numpy(dtype=bool)
    for j in np.flatnonzero(lifted[gi]).tolist():
        words[j] = [*words[j], STRONG_WORDS]
    words_of = dict(zip(gi.tolist(), words, strict=True))
    weight = edges["weight"].to_numpy(dtype=np.float64)
    e_cid = lab_l[edge_of_row]
    e_edge = edge_of_row
    by = np.lexsort((e_edge, weight[e_edge], e_cid))
    out: dict[int, list[str]] = {}
    for c, e in zip(e_cid[by].tolist(), e_edge[by].tolist(), strict=True):
        seen = out.setdefault(int(c), [])
        seen += [w for w in words_of[e] if w not in seen]
    del edge_row
    return out
