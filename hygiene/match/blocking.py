"""Candidate pairs: rows that share a blocking key, unioned over several keys.

Every rule is linear in rows: a key is a code per row, groups come from one sort, and pairs
are generated with numpy index arithmetic (no Python loop over groups or pairs). A group
larger than `max_block_size` is not expanded to all its pairs; each of its rows is paired with
its next `window - 1` neighbours instead (or, for name keys, with none), and the group is
reported in `capped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hygiene.arrays import index_type, run_ranks
from hygiene.runtime import parallel_map

from .features import Coded, Features


@dataclass(frozen=True)
class BlockingRule:
    """Rows agreeing on all `keys` (feature columns) are candidates.

    `alternatives` lists further key tuples whose rows are stacked with the first, so
    phone matches mobile. `neighbour` rules pair rows whose (sorted) keys are within `window`
    distinct values of each other: the sorted-neighbourhood method.
    """

    name: str
    keys: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    neighbour: bool = False
    #: A tighter block-size cap for a coarse key (the smaller of this and the setting).
    cap: int | None = None
    #: Order inside a capped block before windowing: rows that agree on this column
    #: become neighbours.
    order_by: str = "snm_first"
    #: The alternatives are the keys with first and last name swapped: a row's swapped key
    #: meets other rows' straight keys only. (Two rows agreeing on first name + company are
    #: colleagues called John, not one person entered the wrong way round.)
    swap: bool = False
    #: Pair neighbours inside blocks over the cap. Off for name keys: a crowd of namesakes
    #: is told apart by the other rules' keys (email, phone, postcode, company), and its
    #: neighbours in any order are strangers (on generated exports almost none of the pairs
    #: they made were matches: DEVELOPERS.md, "Matching blocks").
    crowds: bool = True


#: Name keys are stacked with their swapped twin (first <-> last), so "Smith, John" entered
#: the wrong way round still meets "John Smith".
DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("email", ("email",)),
    BlockingRule("email_key", ("email_key",)),
    BlockingRule("phone", ("phone",), alternatives=(("mobile_phone",),)),
    # Name-only keys are capped tightly: a common name (John Smith) in a big file is
    # hundreds of namesakes, whom only their other fields (the other rules) tell apart.
    BlockingRule(
        "phonetic_name",
        ("last_phonetic", "first_phonetic"),
        alternatives=(("first_phonetic", "last_phonetic"),),
        cap=20,
        swap=True,
        crowds=False,
    ),
    # The "phonetic last name + first initial": coarse (Smith + J is thousands of
    # rows in a big file), so tightly capped. Catches nicknames that share an initial
    # (Liz/Lizzie) and first names with a typo; its alternative, last names with a typo.
    BlockingRule(
        "phonetic_initial",
        ("last_phonetic", "first_initial"),
        alternatives=(("first_phonetic", "last_initial"),),
        cap=12,
        crowds=False,
    ),
    BlockingRule(
        "name_company",
        ("last_phonetic", "company"),
        alternatives=(("first_phonetic", "company"),),
        cap=20,
        swap=True,
        crowds=False,
    ),
    BlockingRule(
        "name_domain",
        ("last_phonetic", "business_domain"),
        alternatives=(("first_phonetic", "business_domain"),),
        cap=20,
        swap=True,
        crowds=False,
    ),
    # Not `swap`: first name + postcode is a key of its own, for a last name that changed
    # or was mistyped (FEBRL4 recall 0.9938 with it, 0.9926 without).
    BlockingRule(
        "name_postcode",
        ("last_phonetic", "postal_code"),
        alternatives=(("first_phonetic", "postal_code"),),
        cap=20,
        crowds=False,
    ),
    BlockingRule(
        "birth_name",
        ("birth_full", "first_initial"),
        alternatives=(("birth_full", "last_initial"),),
    ),
    BlockingRule("birth_postcode", ("birth_full", "postal_code")),
    BlockingRule("address", ("street", "postal_code")),
    BlockingRule(
        "neighbour", ("snm_first",), alternatives=(("snm_last",),), neighbour=True, cap=50
    ),
)


_NAMES = ("first_name", "last_name")
#: The match columns a derived blocking key stands for (names count as both, because rules
#: stack each name key with its swapped twin).
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "last_phonetic": _NAMES,
    "first_phonetic": _NAMES,
    "first_initial": _NAMES,
    "last_initial": _NAMES,
    "snm_first": _NAMES,
    "snm_last": _NAMES,
    "first_name": _NAMES,
    "last_name": _NAMES,
    "business_domain": ("email",),
    "birth_full": ("birth_date",),
    "email_key": ("email",),
    "phone": ("phone", "mobile_phone"),
    "mobile_phone": ("phone", "mobile_phone"),
}


def rule_fields(rule: BlockingRule) -> set[str]:
    """Match columns a rule's pairs agree on by construction (their evidence is biased)."""
    out: set[str] = set()
    for keys in (rule.keys, *rule.alternatives):
        for k in keys:
            out.update(KEY_FIELDS.get(k, (k,)))
    return out


@dataclass
class Candidates:
    """Unique candidate pairs (left < right, row numbers in the stacked features) and stats."""

    left: np.ndarray
    right: np.ndarray
    #: Bit k set when rule k of the rules given to `candidates` produced the pair.
    rules: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint16))
    per_rule: dict[str, int] = field(default_factory=dict)
    capped: list[tuple[str, int]] = field(default_factory=list)
    capped_blocks: int = 0


def _col(f: Features, name: str) -> Coded:
    return f.cols[name] if name in f.cols else f.derived[name]


def rule_key(f: Features, keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 code per row for a key tuple (-1 when any part is missing), and a label row."""
    key = np.zeros(f.n, dtype=np.int64)
    missing = np.zeros(f.n, dtype=bool)
    for name in keys:
        c = _col(f, name)
        missing |= c.codes < 0
        if len(c.vocab) and int(key.max(initial=0)) > 2**40 // (len(c.vocab) + 1):
            # Re-code densely so a long key tuple cannot overflow int64.
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        # In place: each temporary is 8 bytes a row, two rules at a time.
        key *= len(c.vocab) + 1
        key += c.codes
        key += 1
    key[missing] = -1
    return key, missing


def _label(f: Features, keys: tuple[str, ...], row: int) -> str:
    parts = []
    for name in keys:
        c = _col(f, name)
        code = c.codes[row]
        parts.append(str(c.vocab[code]) if code >= 0 else "")
    return "|".join(parts)


def _empty_pairs(order: np.ndarray) -> np.ndarray:
    return np.empty((0, 2), dtype=order.dtype)


def _all_pairs(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Every i<j pair inside each group (groups are runs of `order`), as an (n, 2) array of
    `order`'s dtype."""
    if len(sizes) == 0:
        return _empty_pairs(order)
    it = index_type(len(order))
    starts, sizes = starts.astype(it), sizes.astype(it)
    # For each element, how many later elements share its group.
    pos = np.repeat(starts, sizes) + run_ranks(sizes)
    after = np.repeat(starts + sizes, sizes) - pos - 1
    total = int(after.sum(dtype=np.int64))
    out = np.empty((total, 2), dtype=order.dtype)
    left = np.repeat(pos, after)
    del pos
    out[:, 0] = order[left]
    # right = left + 1 + (rank among the pairs of one left element)
    left += 1
    left += run_ranks(after)
    out[:, 1] = order[left]
    return out


def _window_pairs(order: np.ndarray, group: np.ndarray, window: int) -> np.ndarray:
    """Each element of `order` with its next `window - 1` neighbours in the same group."""
    out = []
    for d in range(1, window):
        same = group[:-d] == group[d:]
        idx = np.flatnonzero(same)
        out.append(np.stack([order[idx], order[idx + d]], axis=1))
    return np.concatenate(out) if out else _empty_pairs(order)


def _cross_pairs(
    order: np.ndarray,
    start_a: np.ndarray,
    size_a: np.ndarray,
    start_b: np.ndarray,
    size_b: np.ndarray,
) -> np.ndarray:
    """All pairs between group a[k] and group b[k] for each k, as an (n, 2) array."""
    n = size_a * size_b
    total = int(n.sum())
    if total == 0:
        return _empty_pairs(order)
    it = index_type(max(total, len(order)))
    n = n.astype(it)
    idx = run_ranks(n)
    b = np.repeat(size_b.astype(it), n)
    out = np.empty((total, 2), dtype=order.dtype)
    out[:, 0] = order[np.repeat(start_a.astype(it), n) + idx // b]
    out[:, 1] = order[np.repeat(start_b.astype(it), n) + idx % b]
    return out


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..k-1 in the order of the values (a hash table, then a sort of the k
    distinct values only), and k."""
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), len(uniques)


def _span(values: np.ndarray) -> tuple[np.ndarray, int]:
    """`values` shifted to start at 0, and how many values their range holds: the key
    itself when its range is small enough to pack, else dense codes (`_dense`: a hash
    table, two rules at a time)."""
    if not len(values):
        return values.astype(np.int64), 1
    lo, hi = int(values.min()), int(values.max())
    if (hi - lo + 1).bit_length() <= 40:
        shifted = values.astype(np.int64)  # a copy: the caller's key stays as it was
        shifted -= lo
        return shifted, hi - lo + 1
    return _dense(values)


def stable_order(key: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The permutation `np.lexsort((tiebreak, key))` gives (a stable sort by key, then
    tiebreak), computed as one plain sort of (key, tiebreak, position) packed into int64:
    faster than numpy's stable argsort of millions of keys."""
    n = len(key)
    packed, nk = _span(key)
    t, nt = _span(tiebreak) if tiebreak is not None else (None, 1)
    if n and (nk * nt * n).bit_length() > 62:
        # Dense codes before giving up on packing.
        packed, nk = _dense(key)
        if tiebreak is not None:
            t, nt = _dense(tiebreak)
    if n == 0 or (nk * nt * n).bit_length() > 62:
        return (
            np.lexsort((tiebreak, key)) if tiebreak is not None else np.argsort(key, kind="stable")
        )
    # (key * nt + tiebreak) * n + position, in place: a million-row rule's temporaries are
    # 8 MB each, and two rules run at a time.
    if t is not None:
        packed *= nt
        packed += t
        del t
    packed *= n
    packed += np.arange(n, dtype=np.int64)
    packed.sort()
    packed %= n
    return packed


@dataclass
class _Groups:
    """Rows sorted by key (stable), cut into runs of one key: `starts` and `sizes` index
    `rows`; `extra` holds further per-row arrays in the same order."""

    rows: np.ndarray
    key: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    extra: list[np.ndarray]


def _groups(
    rows: np.ndarray,
    key: np.ndarray,
    tiebreak: np.ndarray | None = None,
    extra: Sequence[np.ndarray] = (),
) -> _Groups:
    """The rows with a key (>= 0) grouped by it, inside a group ordered by `tiebreak`.
    Each intermediate is let go once used: there are two rules at a time beside the
    checks."""
    keep = key >= 0
    if not keep.all():
        rows, key = rows[keep], key[keep]
        tiebreak = tiebreak[keep] if tiebreak is not None else None
        extra = [x[keep] for x in extra]
    del keep
    order = stable_order(key, tiebreak)
    del tiebreak
    skey, srows = key[order], rows[order]
    sextra = [x[order] for x in extra]
    del order, rows, key, extra
    if len(skey):
        starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]])
    else:
        starts = np.empty(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(skey)]).astype(np.int64)
    return _Groups(srows, skey, starts.astype(np.int64), sizes, sextra)


def _no_pairs(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = np.empty(0, dtype=np.int64)
    return _empty_pairs(rows), empty, empty


def block_pairs(
    rows: np.ndarray,
    key: np.ndarray,
    tiebreak: np.ndarray | None,
    max_block_size: int,
    window: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of `rows` sharing `key` (>= 0), and the (first row, size) of capped groups.

    Groups over `max_block_size` are sorted by `tiebreak` and windowed (`window` < 2: no
    pairs from them).
    """
    g = _groups(rows, key, tiebreak)
    if len(g.key) == 0:
        return _no_pairs(rows)
    small = (g.sizes >= 2) & (g.sizes <= max_block_size)
    big = g.sizes > max_block_size
    pairs = [_all_pairs(g.rows, g.starts[small], g.sizes[small])]
    if big.any() and window > 1:
        in_big = np.repeat(big, g.sizes)
        pairs.append(_window_pairs(g.rows[in_big], g.key[in_big], window))
    return np.concatenate(pairs), g.rows[g.starts[big]], g.sizes[big]


def swap_pairs(
    rows: np.ndarray, key: np.ndarray, swapped: np.ndarray, max_block_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of `rows` sharing `key` (>= 0) where at least one side is a straight key
    (`swapped` False): straight with straight, straight with swapped, never swapped with
    swapped. Groups over `max_block_size` give no pairs; their (first row, size) is returned.
    """
    # Straight keys first inside each group.
    g = _groups(rows, key, swapped.astype(np.int64), [swapped])
    if len(g.key) == 0:
        return _no_pairs(rows)
    straight = np.add.reduceat((~g.extra[0]).astype(np.int64), g.starts)
    ok = (g.sizes >= 2) & (g.sizes <= max_block_size) & (straight >= 1)
    st, sz, m = g.starts[ok], g.sizes[ok], straight[ok]
    pairs = np.concatenate(
        [_all_pairs(g.rows, st, m), _cross_pairs(g.rows, st, m, st + m, sz - m)]
    )
    big = g.sizes > max_block_size
    return pairs, g.rows[g.starts[big]], g.sizes[big]


def neighbour_pairs(
    rows: np.ndarray, key: np.ndarray, max_block_size: int, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted neighbourhood over distinct keys: rows whose keys are 1 to `window - 1` apart.

    `key` codes must be in sort order of the key text. Working over distinct keys (not rows)
    keeps a common name from filling the window. A typo makes a rare key, so neighbouring
    keys are paired only while the product of their group sizes stays within
    `max_block_size`; groups larger than that are reported as capped.
    """
    g = _groups(rows, key)
    if len(g.key) == 0:
        return _no_pairs(rows)
    starts, sizes = g.starts, g.sizes
    # Rows with the very same key (the same full name) are the phonetic rule's to pair.
    pairs = [_empty_pairs(rows)]
    for d in range(1, window):
        a, b = np.arange(len(starts) - d), np.arange(d, len(starts))
        # A typo makes a rare key: pair it with its neighbours, but never two crowds.
        ok = sizes[a] * sizes[b] <= max_block_size
        pairs.append(_cross_pairs(g.rows, starts[a[ok]], sizes[a[ok]], starts[b[ok]], sizes[b[ok]]))
    big = sizes > max_block_size
    return np.concatenate(pairs), g.rows[starts[big]], sizes[big]


def _rule_pairs(
    f: Features, rule: BlockingRule, tag: int, max_block_size: int, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One rule's pairs (self-pairs dropped) as `(lo * n + hi) * 16 + tag`, and the first
    row and size of its capped blocks. Packed here, on the rule's own thread, so
    only 8 bytes a pair wait for the union (the (n, 2) pairs are 8 more)."""
    options = (rule.keys, *rule.alternatives)
    # Alternatives use columns with the same vocabularies position by position, so
    # their keys share one code space and stack.
    keys_all = np.concatenate([rule_key(f, keys)[0] for keys in options])
    rows = np.tile(np.arange(f.n, dtype=index_type(f.n)), len(options))
    cap = min(max_block_size, rule.cap or max_block_size)
    if rule.neighbour:
        p, crow, csize = neighbour_pairs(rows, keys_all, cap, window)
    elif rule.swap:
        swapped = np.repeat(np.arange(len(options)) > 0, f.n)
        p, crow, csize = swap_pairs(rows, keys_all, swapped, cap)
    else:
        # Without crowds nothing is windowed, so the order inside a block is moot.
        tie = (
            np.tile(_col(f, rule.order_by).codes.astype(np.int64), len(options))
            if rule.crowds
            else None
        )
        p, crow, csize = block_pairs(rows, keys_all, tie, cap, window if rule.crowds else 0)
    del keys_all, rows
    p = p[p[:, 0] != p[:, 1]]
    lo = np.minimum(p[:, 0], p[:, 1]).astype(np.int64)
    lo *= f.n
    lo += np.maximum(p[:, 0], p[:, 1])
    del p
    # The rule number rides in the low 4 bits, so one plain sort dedupes and keeps it.
    lo *= 16
    lo += tag
    return lo, crow, csize


def _union_part(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct pair codes of tagged pairs (see `_rule_pairs`), with the bit mask of
    the rules that found each."""
    tagged = np.concatenate(parts) if len(parts) != 1 else parts[0]  # sorted in place
    del parts
    if not len(tagged):
        return tagged, np.empty(0, dtype=np.uint16)
    tagged.sort()
    bit = np.left_shift(np.uint16(1), tagged.astype(np.uint16) & np.uint16(15))
    tagged >>= 4  # now the pair codes, sorted
    first = np.flatnonzero(np.r_[True, tagged[1:] != tagged[:-1]])
    rule_bits = np.bitwise_or.reduceat(bit, first).astype(np.uint16)
    return tagged[first], rule_bits


def _union(found: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`_union_part` of every rule's pairs, in two halves side by side: pairs below and
    above a pivot pair code (the median of a sample), so the halves join in order. At 7M
    pairs the single sort and dedupe was half a second on one core."""
    total = sum(len(x) for x in found)
    if total < 1_000_000:
        return _union_part(found)
    sample = np.concatenate([x[::101] for x in found])
    pivot = np.partition(sample, len(sample) // 2)[len(sample) // 2]
    pivot = (pivot >> 4) << 4  # every tag of one pair code on one side
    halves = parallel_map(
        lambda below: _union_part([x[x < pivot] if below else x[x >= pivot] for x in found]),
        [True, False],
    )
    return (
        np.concatenate([h[0] for h in halves]),
        np.concatenate([h[1] for h in halves]),
    )


def candidates(
    f: Features, rules: tuple[BlockingRule, ...], max_block_size: int, window: int
) -> Candidates:
    """Union of the pairs of every rule whose key columns hold data."""
    if len(rules) > 16:
        raise ValueError("at most 16 blocking rules (pairs carry a 16-bit rule mask)")
    found = []
    per_rule: dict[str, int] = {}
    capped: list[tuple[str, int]] = []
    n_capped = 0
    usable = [
        (k, rule)
        for k, rule in enumerate(rules)
        if any(all(f.has(col) for col in keys) for keys in (rule.keys, *rule.alternatives))
    ]

    # Two rules at a time: their sorts and index arithmetic are numpy, which releases the GIL.
    # The sorted-neighbourhood pass first: it costs as much as the other rules together
    # and started last it ran alone at the end.
    todo = sorted(usable, key=lambda item: not item[1].neighbour)
    done = parallel_map(
        lambda item: _rule_pairs(f, item[1], item[0], max_block_size, window), todo
    )
    by_tag = {k: r for (k, _), r in zip(todo, done, strict=True)}
    results = [by_tag[k] for k, _ in usable]
    del done, by_tag
    for (_, rule), (tagged_pairs, crow, csize) in zip(usable, results, strict=True):
        per_rule[rule.name] = len(tagged_pairs)
        n_capped += len(csize)
        top = np.argsort(-csize, kind="stable")[:20]
        capped += [
            (f"{rule.name}={_label(f, rule.keys, int(crow[i]))}", int(csize[i])) for i in top
        ]
        found.append(tagged_pairs)
    del results
    capped.sort(key=lambda kv: -kv[1])
    if not found or not any(len(x) for x in found):
        e = np.empty(0, dtype=np.int64)
        return Candidates(e, e, np.empty(0, dtype=np.uint16), per_rule, capped, n_capped)
    code, rule_bits = _union(found)
    del found
    idx = np.int32 if f.n < 2**31 else np.int64
    return Candidates(
        (code // f.n).astype(idx),
        (code % f.n).astype(idx),
        rule_bits,
        per_rule,
        capped[:50],
        n_capped,
    )
