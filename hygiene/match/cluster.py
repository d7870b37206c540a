"""Clusters from matched pairs: connected components with a guard against chaining.

Components come from vectorised label propagation. A component of three or more records
where two members conflict (different email *and* different phone, or one mailbox under two
different first names) is rebuilt greedily from its strongest pairs, never joining two
groups that hold a conflicting or a "keep separate" pair: A~B~C with A and C plainly
different people stays apart. Where B is tied equally to A and to C, it joins neither, so
the clusters do not hang on which row came first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compare import EMAIL, PHONE, Pairs
from .features import Features
from .strong import mailbox_conflict


def components(nodes: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label (smallest member) of each node 0..nodes-1 for undirected edges a-b."""
    label = np.arange(nodes, dtype=np.int64)
    if len(a) == 0:
        return label
    while True:
        la, lb = label[a], label[b]
        low = np.minimum(la, lb)
        new = label.copy()
        # Hook each endpoint's root onto the smaller label, then jump pointers to roots.
        np.minimum.at(new, la, low)
        np.minimum.at(new, lb, low)
        while True:
            nxt = new[new]
            if np.array_equal(nxt, new):
                break
            new = nxt
        if np.array_equal(new, label):
            return label
        label = new


def conflicts(f: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs that cannot be one person: both email and phone present and different; or
    one mailbox under two different first names (a family or role address: john and mary
    at smith.family@) with neither phone nor birth date equal. A record with the first
    name left empty joins either, but never makes them one cluster.

    Birth dates do not separate on their own: typed dates vary too much between copies of
    one person (on FEBRL3 a birth-date guard cut cluster recall from 0.995 to 0.93).
    """
    pairs = Pairs(f, left, right)
    email = EMAIL.level_of(pairs) if f.has("email") else None
    phone = PHONE.level_of(pairs) if f.has("phone") or f.has("mobile_phone") else None
    out = np.zeros(len(left), dtype=bool)
    if email is not None and phone is not None:
        out |= (email == 0) & (phone == 0)
    if email is not None:
        out |= mailbox_conflict(f, left, right, email)
    return out


@dataclass
class Guard:
    """What the chain guard needs: the features and the "keep separate" row pairs, as
    sorted codes `lo * n + hi` of stacked row numbers."""

    features: Features
    cannot_link: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def separate(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Which pairs (a[k], b[k]) must stay apart: a conflict or a "keep separate"."""
        out = conflicts(self.features, a, b)
        if len(self.cannot_link):
            n = np.int64(self.features.n)
            out |= np.isin(np.minimum(a, b) * n + np.maximum(a, b), self.cannot_link)
        return out

    def blocked(self, group_a: list[int], group_b: list[int]) -> bool:
        """True when some member of `group_a` and some member of `group_b` must stay apart."""
        ga = np.repeat(np.asarray(group_a, dtype=np.int64), len(group_b))
        gb = np.tile(np.asarray(group_b, dtype=np.int64), len(group_a))
        return bool(self.separate(ga, gb).any())


def _greedy(
    members: np.ndarray, ea: np.ndarray, eb: np.ndarray, ep: np.ndarray, guard: Guard
) -> np.ndarray:
    """Cluster label (smallest row) of each of one component's rows, merging along the
    strongest edges first. A component of up to `SCREEN_MAX` rows has its conflicts
    computed once, all pairs in one array pass; a larger one asks per merge."""
    group: dict[int, list[int]] = {int(m): [int(m)] for m in members}
    owner: dict[int, int] = {int(m): int(m) for m in members}
    blocked = guard.blocked
    if len(members) <= SCREEN_MAX:
        local = {int(m): i for i, m in enumerate(members.tolist())}
        n = len(members)
        x, y = np.triu_indices(n, 1)
        apart = np.zeros((n, n), dtype=bool)
        sep = guard.separate(members[x].astype(np.int64), members[y].astype(np.int64))
        apart[x[sep], y[sep]] = True
        apart |= apart.T

        def blocked(group_a: list[int], group_b: list[int]) -> bool:
            ia = [local[m] for m in group_a]
            ib = [local[m] for m in group_b]
            return bool(apart[np.ix_(ia, ib)].any())

    def merge(k: int) -> None:
        ra, rb = owner[int(ea[k])], owner[int(eb[k])]
        if ra == rb or blocked(group[ra], group[rb]):
            return
        if len(group[ra]) < len(group[rb]):
            ra, rb = rb, ra
        for m in group[rb]:
            owner[m] = ra
        group[ra].extend(group.pop(rb))

    order = np.argsort(-ep, kind="stable")
    starts = np.flatnonzero(np.r_[True, ep[order][1:] != ep[order][:-1]])
    for tie in np.split(order, starts[1:]):
        for k in _uncontested(tie.tolist(), ea, eb, owner, group, blocked):
            merge(k)
    return np.asarray([min(group[owner[int(m)]]) for m in members], dtype=np.int64)


#: Tied edges compared pairwise for contests up to this many (a larger tie keeps its order).
TIE_MAX = 200


def _uncontested(
    tie: list[int],
    ea: np.ndarray,
    eb: np.ndarray,
    owner: dict[int, int],
    group: dict[int, list[int]],
    blocked: Callable[[list[int], list[int]], bool],
) -> list[int]:
    """The edges of one weight that may merge: where two of them pull one group towards two
    groups that must stay apart (a record with an empty first name on a family address,
    tied to john and to mary), neither does, so the answer does not hang on the row order."""
    if len(tie) < 2 or len(tie) > TIE_MAX:
        return tie
    ends = [(owner[int(ea[k])], owner[int(eb[k])]) for k in tie]
    contested: set[int] = set()
    for i in range(len(tie)):
        for j in range(i + 1, len(tie)):
            gi, gj = set(ends[i]), set(ends[j])
            if len(gi) < 2 or len(gj) < 2 or gi == gj or not gi & gj:
                continue
            a, b = sorted(gi ^ gj)
            if blocked(group[a], group[b]):
                contested.update((i, j))
    return [k for i, k in enumerate(tie) if i not in contested]


#: Components up to this size are screened for conflicts all-pairs in one array pass;
#: larger ones (rare: a chain gone wrong) always go through the greedy rebuild.
SCREEN_MAX = 400


def cluster_rows(
    a: np.ndarray, b: np.ndarray, prob: np.ndarray, guard: Guard
) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows in clusters of two or more and their cluster label (a row number); guarded count.

    `a`, `b` are row numbers of matched pairs (already without "keep separate" pairs).
    """
    if len(a) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, 0
    rows, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inv[: len(a)], inv[len(a) :]
    lab = components(len(rows), ia, ib)
    order = np.argsort(lab, kind="stable")
    slab = lab[order]
    starts = np.flatnonzero(np.r_[True, slab[1:] != slab[:-1]])
    sizes = np.diff(np.r_[starts, len(slab)])
    screen = (sizes >= 3) & (sizes <= SCREEN_MAX)
    x, y = _within(order, starts[screen], sizes[screen])
    flagged = set(np.unique(lab[x[guard.separate(rows[x], rows[y])]]).tolist())
    flagged |= set(slab[starts[sizes > SCREEN_MAX]].tolist())
    if flagged:
        edge_lab = lab[ia]
        eorder = np.argsort(edge_lab, kind="stable")
        elab = edge_lab[eorder]
        for root in sorted(flagged):
            k = int(np.searchsorted(slab, root))
            idx = order[k : k + int(sizes[np.searchsorted(slab[starts], root)])]
            lo, hi = np.searchsorted(elab, root), np.searchsorted(elab, root, side="right")
            e = eorder[lo:hi]
            new = _greedy(rows[idx], rows[ia[e]], rows[ib[e]], prob[e], guard)
            lab[idx] = np.searchsorted(rows, new)
    sizes_all = np.bincount(lab, minlength=len(rows))
    keep = sizes_all[lab] >= 2
    return rows[keep], rows[lab[keep]], len(flagged)


def _within(
    order: np.ndarray, starts: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of members inside each group (runs of `order`), as two index arrays."""
    if len(sizes) == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e
    ends = np.repeat(starts + sizes, sizes)
    pos = np.repeat(starts, sizes) + (
        np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    after = ends - pos - 1
    left = np.repeat(pos, after)
    step = np.arange(int(after.sum())) - np.repeat(np.cumsum(after) - after, after)
    return order[left], order[left + 1 + step]
