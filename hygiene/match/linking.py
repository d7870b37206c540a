"""Links: the same person in two sources, from scored cross-source pairs.

A link is a pair at or above the link threshold, or the best match of both its records
towards the other source at or above a lower floor (one person, one record per system).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evidence import describe_joined
from .types import Scored


def link_pairs(
    s: Scored, allowed: np.ndarray, link_threshold: float, mutual_best: float | None
) -> np.ndarray:
    """Cross-source pairs that are links: at or above `link_threshold`, or the best match
    of both records (towards that other source) at or above `link_mutual_best`."""
    sure = allowed & (s.prob >= link_threshold)
    floor = mutual_best
    if floor is None:
        return np.flatnonzero(sure)
    idx = np.flatnonzero(allowed & (s.prob >= floor) & ~sure)
    if len(idx) == 0:
        return np.flatnonzero(sure)
    f = s.features
    pool = np.flatnonzero(allowed & (s.prob >= floor))
    n_src = np.int64(len(f.sources))
    # Key: a record and the other source; value: the best probability it reaches there.
    keys = np.concatenate(
        [
            s.left[pool] * n_src + f.source[s.right[pool]],
            s.right[pool] * n_src + f.source[s.left[pool]],
        ]
    )
    probs = np.concatenate([s.prob[pool], s.prob[pool]])
    order = np.argsort(keys, kind="stable")
    keys, probs = keys[order], probs[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    uniq, best = keys[starts], np.maximum.reduceat(probs, starts)
    ka = s.left[idx] * n_src + f.source[s.right[idx]]
    kb = s.right[idx] * n_src + f.source[s.left[idx]]
    pa_best = best[np.searchsorted(uniq, ka)]
    pb_best = best[np.searchsorted(uniq, kb)]
    mutual = (s.prob[idx] >= pa_best) & (s.prob[idx] >= pb_best)
    return np.sort(np.concatenate([np.flatnonzero(sure), idx[mutual]]))


def links_frame(s: Scored, idx: np.ndarray) -> pd.DataFrame:
    """The links (cross-source pairs `idx` of `s`) as a frame with their evidence."""
    f = s.features
    names = np.asarray(f.sources, dtype=object)
    li, ri = s.left[idx], s.right[idx]
    evidence = describe_joined(f, s.comps, s.gammas[idx], li, ri, s.swap[idx])
    email_k = next((k for k, c in enumerate(s.comps) if c.name == "email"), None)
    if email_k is None:
        method = np.full(len(idx), "fuzzy", dtype=object)
    else:
        method = np.where(s.gammas[idx, email_k] >= 3, "email", "fuzzy").astype(object)
    return pd.DataFrame(
        {
            "source_a": names[f.source[li]],
            "pos_a": f.pos[li],
            "source_b": names[f.source[ri]],
            "pos_b": f.pos[ri],
            "probability": s.prob[idx],
            "evidence": evidence,
            "method": method,
        }
    )
