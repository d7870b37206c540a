"""Scored pairs grouped: duplicate clusters within a source (with survivors and evidence),
links across sources, and the pairs kept for review.

`group` knows the clusters' members and the links before `finish` makes each cluster's
evidence and survivor, so the audit's link checks can start while the clusters are finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hygiene.arrays import distinct
from hygiene.model import Source
from hygiene.runtime import Background

from .cluster import Guard, cluster_rows
from .compare import EMAIL_SAME
from .evidence import describe
from .features import Features
from .linking import link_pairs, links_frame
from .strong import mailbox_conflict
from .survivor import choose_survivors, load_survivorship
from .types import STRONG_WORDS, Cluster, MatchResult, MatchSettings, Scored


@dataclass
class Grouped:
    """Scored pairs grouped: the links across sources and the clusters' members, known
    before the clusters' evidence and survivors are made (`finish`)."""

    scored: Scored
    sources: Sequence[Source]
    settings: MatchSettings
    #: Source kinds as asked (source name -> kind), for survivorship; the rest the platform's.
    kinds: Mapping[str, str]
    dup: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    guarded: int
    #: The clusters' members: `cluster`, `source`, `pos` (clusters numbered as in the result).
    members: pd.DataFrame
    member_rows: np.ndarray
    #: `MatchResult.links`.
    links: pd.DataFrame


def group(
    scored: Scored,
    sources: Sequence[Source],
    match_settings: MatchSettings,
    exclude_pairs: Iterable[tuple[str, int, str, int]] = (),
    kinds: Mapping[str, str] | None = None,
) -> Grouped:
    """Duplicate pairs into clusters and cross-source pairs into links, "keep separate"
    pairs and contact conflicts left out. `kinds`: source kinds as asked, for survivorship."""
    s, settings = scored, match_settings
    f = s.features
    cannot = _row_lookup(f, exclude_pairs)
    excluded = np.zeros(len(s.left), dtype=bool)
    if cannot:
        code = s.left * np.int64(f.n) + s.right
        bad = np.asarray([a * f.n + b for a, b in cannot], dtype=np.int64)
        excluded = np.isin(code, bad)
    if settings.separate_on_contact_conflict:
        floors = [settings.threshold, settings.link_threshold, settings.link_mutual_best or 1.0]
        excluded |= contact_conflict(s, min(floors))
    same = f.source[s.left] == f.source[s.right]
    dup = np.flatnonzero(same & (s.prob >= settings.threshold) & ~excluded)
    cannot_codes = np.unique(np.asarray([a * f.n + b for a, b in cannot], dtype=np.int64))
    rows, labels, guarded = cluster_rows(
        s.left[dup], s.right[dup], s.prob[dup], Guard(f, cannot_codes)
    )
    members, m_rows = _membership(f, rows, labels)
    links = links_frame(
        s, link_pairs(s, ~same & ~excluded, settings.link_threshold, settings.link_mutual_best)
    )
    return Grouped(
        s, sources, settings, dict(kinds or {}), dup, rows, labels, guarded, members, m_rows,
        links,
    )


def finish(grouped: Grouped) -> MatchResult:
    """Clusters with survivors and evidence, the links, and the kept pairs."""
    g = grouped
    s = g.scored
    clusters = _clusters(
        s, g.dup, g.rows, g.labels, g.members, g.member_rows, g.sources, g.settings, g.kinds
    )
    keep = s.prob >= g.settings.keep_pairs_above
    stats = dict(s.stats)
    stats["clusters"] = len(clusters)
    stats["duplicate_records"] = int(sum(len(c.members) - 1 for c in clusters))
    stats["links"] = len(g.links)
    stats["guarded_components"] = g.guarded
    return MatchResult(clusters, g.links, _pairs_frame(s, keep), stats)


def _row_lookup(f: Features, exclude: Iterable[tuple[str, int, str, int]]) -> set[tuple[int, int]]:
    """ "Keep separate" pairs as stacked row numbers (lo, hi)."""
    starts = {}
    for k, name in enumerate(f.sources):
        where = np.flatnonzero(f.source == k)
        starts[name] = int(where[0]) if len(where) else 0
    out = set()
    for sa, pa_, sb, pb in exclude:
        if sa not in starts or sb not in starts:
            continue
        a, b = starts[sa] + int(pa_), starts[sb] + int(pb)
        out.add((min(a, b), max(a, b)))
    return out


def contact_conflict(s: Scored, floor: float = 0.0) -> np.ndarray:
    """Pairs whose email and phone both differ (level 0 on both comparisons), and pairs at
    or above `floor` with one mailbox under two different first names (`mailbox_conflict`)."""
    k = {c.name: i for i, c in enumerate(s.comps)}
    out = np.zeros(len(s.left), dtype=bool)
    if "email" not in k:
        return out
    if "phone" in k:
        out |= (s.gammas[:, k["email"]] == 0) & (s.gammas[:, k["phone"]] == 0)
    at = np.flatnonzero((s.prob >= floor) & (s.gammas[:, k["email"]] >= EMAIL_SAME))
    out[at] |= mailbox_conflict(s.features, s.left[at], s.right[at], s.gammas[at, k["email"]])
    return out


def _pairs_frame(s: Scored, keep: np.ndarray) -> pd.DataFrame:
    f = s.features
    li, ri = s.left[keep], s.right[keep]
    names = np.asarray(f.sources, dtype=object)
    out = pd.DataFrame(
        {
            "source_a": names[f.source[li]],
            "pos_a": f.pos[li],
            "source_b": names[f.source[ri]],
            "pos_b": f.pos[ri],
            "probability": s.prob[keep].astype(np.float32),
            "match_weight": s.weight[keep].astype(np.float32),
            "swapped_names": s.swap[keep],
        }
    )
    for k, c in enumerate(s.comps):
        out[c.name] = s.gammas[keep, k]
    return out


def _membership(
    f: Features, rows: np.ndarray, labels: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Members of the clusters (`cluster`, `source`, `pos`), and their stacked rows.

    Clusters are numbered from 1 by their first row (rows are stacked source by source, so
    this is source order, then row order); members are listed by cluster, then row."""
    uniq, first_at = np.unique(labels, return_index=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first_at, kind="stable")] = np.arange(len(uniq))
    cid = rank[np.searchsorted(uniq, labels)] + 1
    by = np.lexsort((rows, cid))
    m_rows, m_cid = rows[by], cid[by]
    names = np.asarray(f.sources, dtype=object)
    members = pd.DataFrame(
        {"cluster": m_cid, "source": names[f.source[m_rows]], "pos": f.pos[m_rows]}
    )
    return members, m_rows


def _clusters(
    s: Scored,
    dup: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    members: pd.DataFrame,
    m_rows: np.ndarray,
    sources: Sequence[Source],
    settings: MatchSettings,
    kinds: Mapping[str, str],
) -> list[Cluster]:
    """Cluster objects: confidence is the lowest, over members, of each member's best match
    inside the cluster, so every member is tied in at least that strongly."""
    f = s.features
    if len(rows) == 0:
        return []
    # Survivors read the sources' fields (pandas, pyarrow), evidence the features: side by side.
    survivors = Background(
        choose_survivors,
        members,
        sources,
        load_survivorship(settings.survivorship),
        _name_codes(f),
        kinds,
    )
    li, ri, pr = s.left[dup], s.right[dup], s.prob[dup]
    lab_l, lab_r = _label_of(rows, labels, li), _label_of(rows, labels, ri)
    inside = np.flatnonzero((lab_l == lab_r) & (lab_l >= 0))
    # Each member's strongest in-cluster edge.
    ends = np.concatenate([li[inside], ri[inside]])
    eidx = np.concatenate([inside, inside])
    order = np.lexsort((-pr[eidx], ends))
    first = np.r_[True, ends[order][1:] != ends[order][:-1]]
    edge_row, edge_of_row = ends[order][first], eidx[order][first]  # rows ascending
    edges = distinct(edge_of_row)
    gi = dup[edges]
    words = describe(f, s.comps, s.gammas[gi], s.left[gi], s.right[gi], s.swap[gi])
    if len(s.strong):
        # Said where the rule, not the weights alone, made the match.
        for j in np.flatnonzero(s.strong[gi]).tolist():
            words[j] = [*words[j], STRONG_WORDS]
    words_of = dict(zip(edges.tolist(), words, strict=True))
    m_cid = members["cluster"].to_numpy()
    surv = survivors.result()
    surv_pos = dict(zip(surv["cluster"].tolist(), surv["pos"].tolist(), strict=True))
    surv_why = dict(zip(surv["cluster"].tolist(), surv["reason"].tolist(), strict=True))
    surv_rule = dict(zip(surv["cluster"].tolist(), surv["rule"].tolist(), strict=True))
    # Each member's strongest in-cluster edge (-1: none) and that edge's probability.
    at = np.minimum(np.searchsorted(edge_row, m_rows), max(len(edge_row) - 1, 0))
    has = (edge_row[at] == m_rows) if len(edge_row) else np.zeros(len(m_rows), dtype=bool)
    m_edge = np.where(has, edge_of_row[at] if len(edge_row) else -1, -1)
    starts = np.r_[0, np.flatnonzero(np.diff(m_cid)) + 1]
    src_of = members["source"].to_numpy()[starts].tolist()
    # Each cluster's distinct edges, weakest first: the first gives the confidence, and the
    # evidence is their words in that order, each word once. Ordered by match weight, which
    # unlike the probability does not saturate at 1.0 (ties then fall to the pair's order).
    own = m_edge >= 0
    e_cid, e_edge = m_cid[own], m_edge[own]
    order = np.lexsort((e_edge, s.weight[dup][e_edge], e_cid))
    e_cid, e_edge = e_cid[order], e_edge[order]
    new = np.r_[True, (e_cid[1:] != e_cid[:-1]) | (e_edge[1:] != e_edge[:-1])]
    e_cid, e_edge = e_cid[new], e_edge[new]
    n_clusters = len(starts)
    n_edges = np.bincount(e_cid - 1, minlength=n_clusters)
    e_start = np.r_[0, np.cumsum(n_edges)[:-1]]
    weakest = e_edge[np.minimum(e_start, max(len(e_edge) - 1, 0))] if len(e_edge) else e_start
    # Plain lists sliced per cluster: numpy per cluster costs more than the work itself.
    bounds = [*starts.tolist(), len(m_rows)]
    m_pos, edges_l = f.pos[m_rows].tolist(), e_edge.tolist()
    # Python's round (exact decimal rounding, unlike np.round) once per distinct value.
    conf_values, conf_of = np.unique(np.where(n_edges > 0, pr[weakest], 0.0), return_inverse=True)
    conf = np.asarray([round(v, 4) for v in conf_values.tolist()])[conf_of].tolist()
    out = []
    for k, (count, lo, c) in enumerate(zip(n_edges.tolist(), e_start.tolist(), conf, strict=True)):
        if count == 1:  # most clusters: a pair; an edge's words belong to its cluster alone
            ev = words_of[edges_l[lo]]
        else:
            ev = list(dict.fromkeys(w for e in edges_l[lo : lo + count] for w in words_of[e]))
        out.append(
            Cluster(
                id=k + 1,
                source=src_of[k],
                members=m_pos[bounds[k] : bounds[k + 1]],  # rows ascending, so positions too
                confidence=c,
                survivor=int(surv_pos[k + 1]),
                evidence=ev,
                survivor_reason=str(surv_why[k + 1]),
                survivor_rule=str(surv_rule[k + 1]),
            )
        )
    return out


def _name_codes(f: Features) -> dict[str, dict[str, np.ndarray]]:
    """The matcher's name keys per source (codes by row position), for survivorship rules
    that count values: the same spelling rules as matching, and no second pass over the
    sources' columns."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for k, name in enumerate(f.sources):
        at = np.flatnonzero(f.source == k)
        lo, hi = (int(at[0]), int(at[-1]) + 1) if len(at) else (0, 0)
        out[name] = {c: f.cols[c].codes[lo:hi] for c in ("first_name", "last_name")}
    return out


def _label_of(rows: np.ndarray, labels: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Cluster label of rows `x` (-1 for rows in no cluster); `rows` is sorted."""
    at = np.minimum(np.searchsorted(rows, x), len(rows) - 1)
    return np.where(rows[at] == x, labels[at], -1)
