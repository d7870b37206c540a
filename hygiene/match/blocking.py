"""Candidate pairs: rows that share a blocking key, unioned over several keys.

Every rule is linear in rows: a key is a code per row, groups come from one sort, and pairs
are generated with numpy index arithmetic (no Python loop over groups or pairs). A group
larger than `max_block_size` is not expanded to all its pairs; each of its rows is paired with
its next `window - 1` neighbours instead (or, for name keys, with none), and the group is
reported in `capped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
    #: neighbours in any order are strangers (measured on 1.7M rows: 8M pairs, 15 matches).
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
        ("birth_date", "first_initial"),
        alternatives=(("birth_date", "last_initial"),),
    ),
    BlockingRule("birth_postcode", ("birth_date", "postal_code")),
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
        key = key * (len(c.vocab) + 1) + c.codes + 1
    return np.where(missing, -1, key), missing


def _label(f: Features, keys: tuple[str, ...], row: int) -> str:
    parts = []
    for name in keys:
        c = _col(f, name)
        code = c.codes[row]
        parts.append(str(c.vocab[code]) if code >= 0 else "")
    return "|".join(parts)


def _all_pairs(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Every i<j pair inside each group (groups are runs of `order`), as an (n, 2) array."""
    if len(sizes) == 0:
        return np.empty((0, 2), dtype=np.int64)
    # For each element, how many later elements share its group.
    ends = np.repeat(starts + sizes, sizes)
    pos = np.repeat(starts, sizes) + _ranks(sizes)
    after = ends - pos - 1
    total = int(after.sum())
    left = np.repeat(pos, after)
    first = np.cumsum(after) - after
    step = np.arange(total, dtype=np.int64) - np.repeat(first, after)
    right = left + 1 + step
    return np.stack([order[left], order[right]], axis=1)


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of the given sizes, concatenated."""
    total = int(sizes.sum())
    first = np.cumsum(sizes) - sizes
    return np.arange(total, dtype=np.int64) - np.repeat(first, sizes)


def _window_pairs(order: np.ndarray, group: np.ndarray, window: int) -> np.ndarray:
    """Each element of `order` with its next `window - 1` neighbours in the same group."""
    out = []
    for d in range(1, window):
        same = group[:-d] == group[d:]
        idx = np.flatnonzero(same)
        out.append(np.stack([order[idx], order[idx + d]], axis=1))
    return np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)


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
        return np.empty((0, 2), dtype=np.int64)
    idx = _ranks(n)
    b = np.repeat(size_b, n)
    left = order[np.repeat(start_a, n) + idx // b]
    right = order[np.repeat(start_b, n) + idx % b]
    return np.stack([left, right], axis=1)


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..k-1 in the order of the values (a hash table, then a sort of the k
    distinct values only), and k."""
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), len(uniques)


def stable_order(key: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The permutation `np.lexsort((tiebreak, key))` gives (a stable sort by key, then
    tiebreak), computed as one plain sort of (key, tiebreak, position) packed into int64:
    3-5x faster than numpy's stable argsort of millions of keys."""
    n = len(key)
    k, nk = _dense(key)
    t, nt = _dense(tiebreak) if tiebreak is not None else (np.zeros(n, dtype=np.int64), 1)
    if n == 0 or (nk * nt * n).bit_length() > 62:
        return (
            np.lexsort((tiebreak, key)) if tiebreak is not None else np.argsort(key, kind="stable")
        )
    packed = (k * nt + t) * n + np.arange(n, dtype=np.int64)
    packed.sort()
    return packed % n


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
    keep = key >= 0
    rows, key = rows[keep], key[keep]
    tie = tiebreak[keep] if tiebreak is not None else None
    order = stable_order(key, tie)
    skey = key[order]
    srows = rows[order]
    if len(skey) == 0:
        empty = np.empty(0, dtype=np.int64)
        return np.empty((0, 2), dtype=np.int64), empty, empty
    bounds = np.flatnonzero(np.diff(skey)) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64)
    sizes = np.diff(np.concatenate([starts, [len(skey)]])).astype(np.int64)
    small = (sizes >= 2) & (sizes <= max_block_size)
    big = sizes > max_block_size
    pairs = [_all_pairs(srows, starts[small], sizes[small])]
    if big.any() and window > 1:
        in_big = np.repeat(big, sizes)
        pairs.append(_window_pairs(srows[in_big], skey[in_big], window))
    return np.concatenate(pairs), srows[starts[big]], sizes[big]


def swap_pairs(
    rows: np.ndarray, key: np.ndarray, swapped: np.ndarray, max_block_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of `rows` sharing `key` (>= 0) where at least one side is a straight key
    (`swapped` False): straight with straight, straight with swapped, never swapped with
    swapped. Groups over `max_block_size` give no pairs; their (first row, size) is returned.
    """
    keep = key >= 0
    rows, key, swapped = rows[keep], key[keep], swapped[keep]
    # Straight keys first inside each group.
    order = stable_order(key, swapped.astype(np.int64))
    skey, srows = key[order], rows[order]
    if len(skey) == 0:
        empty = np.empty(0, dtype=np.int64)
        return np.empty((0, 2), dtype=np.int64), empty, empty
    bounds = np.flatnonzero(np.diff(skey)) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64)
    sizes = np.diff(np.concatenate([starts, [len(skey)]])).astype(np.int64)
    straight = np.add.reduceat((~swapped[order]).astype(np.int64), starts)
    ok = (sizes >= 2) & (sizes <= max_block_size) & (straight >= 1)
    st, sz, m = starts[ok], sizes[ok], straight[ok]
    pairs = np.concatenate([_all_pairs(srows, st, m), _cross_pairs(srows, st, m, st + m, sz - m)])
    big = sizes > max_block_size
    return pairs, srows[starts[big]], sizes[big]


def neighbour_pairs(
    rows: np.ndarray, key: np.ndarray, max_block_size: int, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted neighbourhood over distinct keys: rows whose keys are 1 to `window - 1` apart.

    `key` codes must be in sort order of the key text. Working over distinct keys (not rows)
    keeps a common name from filling the window. A typo makes a rare key, so neighbouring
    keys are paired only while the product of their group sizes stays within
    `max_block_size`; groups larger than that are reported as capped.
    """
    keep = key >= 0
    rows, key = rows[keep], key[keep]
    order = stable_order(key)
    skey = key[order]
    srows = rows[order]
    if len(skey) == 0:
        empty = np.empty(0, dtype=np.int64)
        return np.empty((0, 2), dtype=np.int64), empty, empty
    bounds = np.flatnonzero(np.diff(skey)) + 1
    starts = np.concatenate([[0], bounds]).astype(np.int64)
    sizes = np.diff(np.concatenate([starts, [len(skey)]])).astype(np.int64)
    # Rows with the very same key (the same full name) are the phonetic rule's to pair.
    pairs = [np.empty((0, 2), dtype=np.int64)]
    capped_rows, capped_sizes = (
        [srows[starts[sizes > max_block_size]]],
        [sizes[sizes > max_block_size]],
    )
    for d in range(1, window):
        a, b = np.arange(len(starts) - d), np.arange(d, len(starts))
        # A typo makes a rare key: pair it with its neighbours, but never two crowds.
        ok = sizes[a] * sizes[b] <= max_block_size
        pairs.append(_cross_pairs(srows, starts[a[ok]], sizes[a[ok]], starts[b[ok]], sizes[b[ok]]))
    return (
        np.concatenate(pairs),
        np.concatenate(capped_rows),
        np.concatenate(capped_sizes),
    )


def _rule_pairs(
    f: Features, rule: BlockingRule, max_block_size: int, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One rule's pairs (self-pairs dropped), and the first row and size of its capped blocks."""
    options = (rule.keys, *rule.alternatives)
    # Alternatives use columns with the same vocabularies position by position, so
    # their keys share one code space and stack.
    keys_all = np.concatenate([rule_key(f, keys)[0] for keys in options])
    rows = np.tile(np.arange(f.n, dtype=np.int64), len(options))
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
    return p[p[:, 0] != p[:, 1]], crow, csize


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
    results = parallel_map(
        lambda item: _rule_pairs(f, item[1], max_block_size, window), usable
    )
    for (k, rule), (p, crow, csize) in zip(usable, results, strict=True):
        per_rule[rule.name] = len(p)
        n_capped += len(csize)
        top = np.argsort(-csize, kind="stable")[:20]
        capped += [
            (f"{rule.name}={_label(f, rule.keys, int(crow[i]))}", int(csize[i])) for i in top
        ]
        lo, hi = np.minimum(p[:, 0], p[:, 1]), np.maximum(p[:, 0], p[:, 1])
        # The rule number rides in the low 4 bits, so one plain sort dedupes and keeps it.
        found.append((lo * np.int64(f.n) + hi) * 16 + k)
    del results
    capped.sort(key=lambda kv: -kv[1])
    if not found or not any(len(x) for x in found):
        e = np.empty(0, dtype=np.int64)
        return Candidates(e, e, np.empty(0, dtype=np.uint16), per_rule, capped, n_capped)
    tagged = np.concatenate(found)
    del found
    tagged.sort()
    codes = tagged >> 4
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bit = np.left_shift(np.uint16(1), (tagged & 15).astype(np.uint16))
    rule_bits = np.bitwise_or.reduceat(bit, first).astype(np.uint16)
    code = codes[first]
    del tagged, codes
    idx = np.int32 if f.n < 2**31 else np.int64
    return Candidates(
        (code // f.n).astype(idx),
        (code % f.n).astype(idx),
        rule_bits,
        per_rule,
        capped[:50],
        n_capped,
    )
