"""Match features: each prepared text column as integer codes into a vocabulary of values.

Blocking and comparisons work on codes (exact equality is a code test, fuzzy scores are
computed once per distinct pair of values), which keeps a million-row match in memory and
fast. First and last names share one vocabulary, as do phone and mobile, so swapped names
and phone-vs-mobile compare by code too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hygiene.normalize._arrow import to_numpy_mask
from hygiene.normalize.base import arrow
from hygiene.runtime import KeyedOnce, parallel_map

from .names import phonetic, related_pairs

#: Columns of a prepared match frame (see `prepare`); all text, missing as NaN.
MATCH_COLUMNS = (
    "email",
    "email_key",
    "email_local",
    "email_domain",
    "first_name",
    "last_name",
    "phone",
    "mobile_phone",
    "company",
    "street",
    "city",
    "postal_code",
    "birth_date",
)

#: Columns coded against a shared vocabulary: (group name, members).
SHARED = {"name": ("first_name", "last_name"), "phones": ("phone", "mobile_phone")}


class Vocab:
    """The distinct values of a coded column, held as one Arrow string array: a Python
    string per value costs much memory across the columns. Python strings are made
    only for the values asked for (`vocab[codes]`, `vocab[code]`, `tolist()`)."""

    __slots__ = ("arrow",)

    def __init__(self, values: pa.Array | pa.ChunkedArray | np.ndarray | list[str]) -> None:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not isinstance(values, pa.Array):
            values = pa.array(list(values), type=pa.string())
        if values.type != pa.string():
            values = values.cast(pa.string())
        self.arrow: pa.Array = values

    def __len__(self) -> int:
        return len(self.arrow)

    @overload
    def __getitem__(self, idx: int | np.integer) -> str: ...
    @overload
    def __getitem__(self, idx: np.ndarray) -> np.ndarray: ...
    def __getitem__(self, idx: int | np.integer | np.ndarray) -> str | np.ndarray:
        if isinstance(idx, (int, np.integer)):
            return str(self.arrow[int(idx)].as_py())
        idx = np.asarray(idx)
        if len(idx) == 0:
            return np.empty(0, dtype=object)
        taken = self.arrow.take(pa.array(idx.reshape(-1)))
        return np.asarray(taken.to_numpy(zero_copy_only=False), dtype=object).reshape(idx.shape)

    def tolist(self) -> list[str]:
        values: list[str] = self.arrow.to_pylist()  # never null: a dictionary's values
        return values


@dataclass
class Coded:
    """One column as codes (int32, -1 for missing) into `vocab`."""

    codes: np.ndarray
    vocab: Vocab

    def present(self) -> np.ndarray:
        return self.codes >= 0

    def text(self) -> pa.Array:
        """The vocabulary as a pyarrow string array, position for position."""
        return self.vocab.arrow

    def values(self, idx: np.ndarray) -> np.ndarray:
        """The text at rows `idx` ("" where missing), for rapidfuzz."""
        c = self.codes[idx]
        out = self.vocab[np.where(c >= 0, c, 0)] if len(self.vocab) else np.full(len(c), "")
        return np.where(c >= 0, out, "")


@dataclass
class Features:
    """Coded match columns of all sources stacked, with where each row came from."""

    cols: dict[str, Coded]
    source: np.ndarray  # int16 source number per row
    pos: np.ndarray  # int64 row position within its source
    sources: list[str]
    derived: dict[str, Coded] = field(default_factory=dict)
    nick_keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: Per row: the mailbox name is spelt from the person's own names (benjamin.rogers).
    name_like_local: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _has: dict[str, bool] = field(default_factory=dict, repr=False)
    #: Per-vocabulary helpers computed on first use (compact spellings, name lengths);
    #: read them through `cached`.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _once: KeyedOnce = field(default_factory=KeyedOnce, repr=False)

    @property
    def n(self) -> int:
        return len(self.source)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """`memo[key]`, computed once even when threads comparing chunks ask at once."""
        return self._once(self.memo, key, compute)

    def has(self, name: str) -> bool:
        """True when the column exists and holds at least one value."""
        if name not in self._has:
            col = self.cols.get(name) or self.derived.get(name)
            self._has[name] = col is not None and bool((col.codes >= 0).any())
        return self._has[name]


def _factorize(values: pd.Series | pa.ChunkedArray | pa.Array, sort: bool = False) -> Coded:
    """Codes in order of first appearance (or of the sorted values), empty text missing.

    Hashes in pyarrow: pandas' factorize of arrow text builds a Python string per row
    first, which doubled the time and left many freed objects behind."""
    arr = arrow(values) if isinstance(values, pd.Series) else values
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    # Encoded chunk by chunk (the sources' columns, chained): the chunks share one
    # dictionary, the last one complete, so no combined copy of the column is made.
    enc = pc.dictionary_encode(arr)
    if enc.num_chunks == 0:
        return Coded(np.empty(0, dtype=np.int32), Vocab(pa.array([], pa.string())))
    codes = np.concatenate(
        [pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False) for c in enc.chunks]
    ).astype(np.int32)
    vocab = enc.chunk(enc.num_chunks - 1).dictionary
    # Empty text carries no evidence: it must not block or compare as equal. Dropped from
    # the vocabulary after encoding (nulling it in the 1.7M rows first copied each column).
    empty = np.flatnonzero(to_numpy_mask(pc.equal(vocab, "")))
    if len(empty):
        k = int(empty[0])
        codes = np.where(codes == k, -1, codes - (codes > k)).astype(np.int32)
        keep = np.ones(len(vocab), dtype=bool)
        keep[k] = False
        vocab = vocab.filter(pa.array(keep))
    if sort and len(vocab):
        order = pc.array_sort_indices(vocab).to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1).astype(np.int32)
        vocab = vocab.take(pa.array(order))
    return Coded(codes, Vocab(vocab))


def _column(frame: pd.DataFrame, name: str) -> pa.ChunkedArray:
    if name in frame.columns:
        return arrow(frame[name])
    return pa.chunked_array([pa.nulls(len(frame), pa.large_string())], pa.large_string())


def encode_frames(
    frames: list[pd.DataFrame], sources: list[str], freemail: frozenset[str] = frozenset()
) -> Features:
    """Code the prepared match frames of `sources` (see `prepare`) as if stacked, without
    stacking them: each column's per-source arrays are chained zero-copy, `frames` is
    emptied, and each column is let go as soon as it is coded (a stacked copy would sit
    on top of the frames).

    `freemail` lists consumer mailbox domains, which say nothing about a shared employer.
    """
    columns = {
        name: pa.chunked_array(
            [c.cast(pa.large_string()) for fr in frames for c in _column(fr, name).chunks],
            pa.large_string(),
        )
        for name in MATCH_COLUMNS
    }
    sizes = [len(fr) for fr in frames]
    src = np.repeat(np.arange(len(frames), dtype=np.int16), sizes)
    pos = np.concatenate([np.arange(k, dtype=np.int64) for k in sizes] or [np.empty(0, np.int64)])
    frames.clear()
    n = len(src)

    def code(members: tuple[str, ...]) -> dict[str, Coded]:
        chunks = [c for m in members for c in columns.pop(m).chunks]  # large_string above
        # Names in sorted order: their codes compare as the text does, which puts a pair
        # with swapped names in one order whatever the row order (`similarity.orient`).
        coded = _factorize(
            pa.chunked_array(chunks, pa.large_string()), sort=members == SHARED["name"]
        )
        del chunks
        return {
            m: Coded(coded.codes[k * n : (k + 1) * n], coded.vocab) for k, m in enumerate(members)
        }

    # Columns are coded two at a time, as are the keys below: pyarrow's hashing, sorting
    # and string kernels release the GIL.
    grouped = {m for members in SHARED.values() for m in members}
    groups = [*SHARED.values(), *((c,) for c in MATCH_COLUMNS if c not in grouped)]
    cols: dict[str, Coded] = {}
    for part in parallel_map(code, groups):
        cols.update(part)
    feats = Features({c: cols[c] for c in MATCH_COLUMNS}, src, pos, sources)
    first, last = cols["first_name"], cols["last_name"]
    jobs: list[Callable[[], Any]] = [
        lambda: _snm_keys(first, last),
        lambda: name_like_local(feats),
        lambda: derive(feats, freemail),
        lambda: related_pairs(first.vocab),
    ]
    snm, feats.name_like_local, feats.derived, feats.nick_keys = parallel_map(
        lambda job: job(), jobs
    )
    feats.derived["snm_first"], feats.derived["snm_last"] = snm
    return feats


def _spread(vocab: pa.Array, codes: np.ndarray) -> pa.Array:
    """Per-vocabulary text spread to rows by code ("" where missing)."""
    if not len(vocab):
        return pa.array(np.full(len(codes), "", dtype=object), type=pa.string())
    out = vocab.take(pa.array(np.maximum(codes, 0)))
    return pc.if_else(pa.array(codes >= 0), out, "")


def _letters(col: Coded) -> pa.Array:
    """Lower-case letters only, German umlaut spellings folded (mueller = muller = müller
    once accents are stripped), the same on both sides of the name-like test. Computed once
    per vocabulary value, then spread to the rows."""
    arr = pc.utf8_lower(col.text())
    arr = pc.replace_substring_regex(arr, r"[^\p{L}]+", "")
    arr = pc.replace_substring_regex(arr, r"([aou])e", r"\1")
    return _spread(pc.replace_substring(arr, "ss", "s"), col.codes)


def name_like_local(f: Features) -> np.ndarray:
    """Rows whose email local part, letters only, is spelt from their first and last name
    (john.smith, jsmith, smithj, john, ...). Two namesakes share such a mailbox name at
    different employers, so when both records have one, its agreement (or near agreement)
    repeats the name evidence rather than adding any; the email comparison does not count
    it."""
    n = f.n
    local = _letters(f.cols["email_local"])
    first = _letters(f.cols["first_name"])
    last = _letters(f.cols["last_name"])
    f1 = pc.utf8_slice_codeunits(first, 0, 1)
    l1 = pc.utf8_slice_codeunits(last, 0, 1)

    def join(a: pa.Array, b: pa.Array) -> pa.Array:
        return pc.binary_join_element_wise(a, b, "")

    out = np.zeros(n, dtype=bool)
    for pattern in (
        join(first, last),
        join(last, first),
        join(f1, last),
        join(last, f1),
        join(first, l1),
        join(l1, first),
        first,
        last,
    ):
        same = pc.and_(pc.equal(local, pattern), pc.not_equal(local, ""))
        out |= np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
    return out


def _map_vocab(col: Coded, fn: Callable[[str], str]) -> Coded:
    """Apply `fn` to each vocabulary value, then re-code the result (a new, smaller vocab)."""
    mapped = pd.Series([fn(v) for v in col.vocab.tolist()], dtype=object)
    mapped = mapped.where(mapped != "")
    sub_codes, sub_vocab = pd.factorize(mapped, use_na_sentinel=True)
    sub_codes = np.append(sub_codes, -1).astype(np.int32)  # index -1 (missing) stays missing
    return Coded(sub_codes, Vocab(np.asarray(sub_vocab, dtype=object)))


def _apply(mapping: Coded, codes: np.ndarray) -> Coded:
    """Codes of a column translated through a vocabulary mapping from `_map_vocab`."""
    return Coded(mapping.codes[codes], mapping.vocab)


def _head(v: str) -> str:
    return f"{len(v)}:{v[: (len(v) - 1) // 2]}"


def _tail(v: str) -> str:
    return f"{len(v)}:{v[len(v) - (len(v) - 1) // 2 :]}"


def derive(f: Features, freemail: frozenset[str] = frozenset()) -> dict[str, Coded]:
    """Keys used by blocking only: phonetic names, initials, business email domain (the
    sorted-neighbourhood keys, `_snm_keys`, are added beside them).

    First- and last-name keys are computed on the shared name vocabulary, so they share
    codes and a rule can stack them to catch first and last name swapped.
    """
    out: dict[str, Coded] = {}
    first, last = f.cols["first_name"], f.cols["last_name"]
    phon = _map_vocab(first, phonetic)
    init = _map_vocab(first, lambda v: v[:1])
    out["first_phonetic"] = _apply(phon, first.codes)
    out["last_phonetic"] = _apply(phon, last.codes)
    out["first_initial"] = _apply(init, first.codes)
    out["last_initial"] = _apply(init, last.codes)
    # For screening postcode typos cheaply: one edit leaves the first or the last
    # (len - 1) // 2 characters intact, so a pair with neither equal (and equal lengths)
    # cannot be one typo apart.
    pcode = f.cols["postal_code"]
    out["postal_code_head"] = _apply(_map_vocab(pcode, _head), pcode.codes)
    out["postal_code_tail"] = _apply(_map_vocab(pcode, _tail), pcode.codes)
    out["postal_code_len"] = _apply(_map_vocab(pcode, lambda v: str(len(v))), pcode.codes)
    # A birthday with no year ("--04-15") is shared by 1 in 366: a key for blocking only
    # with its year.
    birth = f.cols["birth_date"]
    out["birth_full"] = _apply(
        _map_vocab(birth, lambda v: "" if v.startswith("--") else v), birth.codes
    )
    dom = f.cols["email_domain"]
    out["business_domain"] = _apply(
        _map_vocab(dom, lambda v: "" if v in freemail else v), dom.codes
    )
    return out


def _snm_keys(first: Coded, last: Coded) -> tuple[Coded, Coded]:
    """Sort keys for the sorted-neighbourhood pass: one name as typed, the other reversed, so
    a typo in the first letters of that name still sorts it next to its twin. Both orders
    share one sorted vocabulary, so a record with the names swapped meets its twin.

    Spelt and sorted once per distinct (first, last) pair, not per row: hashing the pairs'
    integer codes is cheaper than hashing and sorting every joined string.
    """
    n = len(first.codes)
    names = first.text()  # first and last share one vocabulary
    base = np.int64(len(names) + 1)
    fc, lc = first.codes.astype(np.int64) + 1, last.codes.astype(np.int64) + 1
    both = np.concatenate([(fc > 0) | (lc > 0)] * 2)
    pair = np.where(both, np.concatenate([fc * base + lc, lc * base + fc]), -1)
    codes, pairs = pd.factorize(pair)
    valid = pairs >= 0
    a, b = pairs[valid] // base - 1, pairs[valid] % base - 1
    text = pc.binary_join_element_wise(_spread(names, a), pc.utf8_reverse(_spread(names, b)), " ")
    order = _string_order(text)
    spelt = text.take(pa.array(order))
    # Two pairs can spell one key ("mary ann" + "lee" = "mary" + "lee nna"): one code.
    new = np.ones(len(spelt), dtype=bool)
    new[1:] = ~to_numpy_mask(pc.equal(spelt[1:], spelt[:-1]))
    rank = np.full(len(pairs), -1, dtype=np.int32)
    rank[np.flatnonzero(valid)[order]] = np.cumsum(new, dtype=np.int32) - 1
    key = rank[codes]
    vocab = Vocab(spelt.filter(pa.array(new)))
    return Coded(key[:n], vocab), Coded(key[n:], vocab)


def _string_order(text: pa.Array) -> np.ndarray:
    """`pc.array_sort_indices(text)`, the values below and above a pivot sorted side by side
    (the sort is stable and equal values fall on one side, so the order is the same)."""
    n = len(text)
    if n < 400_000 or text.null_count:
        return np.asarray(pc.array_sort_indices(text).to_numpy())
    sample = sorted(text.take(pa.array(np.linspace(0, n - 1, 999).astype(np.int64))).to_pylist())
    below = to_numpy_mask(pc.less(text, sample[len(sample) // 2]))

    def part(idx: np.ndarray) -> np.ndarray:
        return idx[np.asarray(pc.array_sort_indices(text.take(pa.array(idx))).to_numpy())]

    return np.concatenate(parallel_map(part, [np.flatnonzero(below), np.flatnonzero(~below)]))
