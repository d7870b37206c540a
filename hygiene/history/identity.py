"""What makes two audits comparable: the identity of a finding, the set of sources, the inputs.

A finding's identity is its code, source, record and field, where the record is named by
what survives a re-export: the platform's record id, else the normalised email, else file and
row. Identities are stored as 64-bit hashes, so a million findings cost 8 MB and no personal
data is written in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import Source
from ..normalize.base import TEXT, arrow
from ..prepared import Prepared

#: Read size for input file hashes: large enough to run at disk speed, small in memory.
CHUNK = 1 << 20
#: Separates the parts of an identity: the ASCII unit separator, which exports do not hold.
_SEP = "\x1f"
_LARGE = pa.large_string()


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (exports can be gigabytes)."""
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb") as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def source_set(sources: Sequence[Source]) -> str:
    """The key of "the same sources": names and platforms, sorted (content changes each export)."""
    return ",".join(sorted(f"{s.name}:{s.platform}" for s in sources))


def _large(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Values as one large_string arrow array (the joins need a single string type)."""
    if isinstance(values, pd.Series):
        try:
            # pyarrow-backed text converts without a copy; object columns of str in C.
            values = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # An object column holding something other than text: spell it out.
            values = arrow(values.astype(TEXT))
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(_LARGE)


def _prefixed(prefix: str, values: pa.Array) -> pa.Array:
    """`prefix` + value, null where the value is null or empty."""
    empty = pc.equal(pc.utf8_length(values), 0)
    values = pc.if_else(empty, pa.scalar(None, _LARGE), values)
    return pc.binary_join_element_wise(pa.scalar(prefix, _LARGE), values, pa.scalar("", _LARGE))


#: Source name -> normalised email of each of its rows (None: the source has no email).
EmailsOf = Callable[[str], "pd.Series | None"]


def _emails_at(findings: pd.DataFrame, emails_of: EmailsOf, wanted: np.ndarray) -> pa.Array:
    """The normalised email of each finding's row (null where not `wanted`, or no email).
    Emails are asked for only for sources where some finding needs one."""
    pos = findings["pos"].to_numpy(dtype=np.int64)
    codes, names = pd.factorize(findings["source"], use_na_sentinel=False)
    parts: list[pa.Array] = []
    order: list[np.ndarray] = []
    for i, name in enumerate(names):
        at = np.flatnonzero(codes == i)
        keep = wanted[at] & (pos[at] >= 0)
        col = emails_of(str(name)) if keep.any() else None
        if col is None:
            parts.append(pa.nulls(len(at), _LARGE))
        else:
            taken = _large(col).take(pa.array(np.where(keep, pos[at], 0)))
            parts.append(pc.if_else(pa.array(keep), taken, pa.scalar(None, _LARGE)))
        order.append(at)
    # Put the per-source pieces back in finding order.
    perm = np.concatenate(order) if order else np.empty(0, dtype=np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(len(perm))
    joined = pa.concat_arrays(parts) if parts else pa.array([], _LARGE)
    return joined.take(pa.array(inverse))


def _record_keys(findings: pd.DataFrame, emails_of: EmailsOf) -> pa.Array:
    """Per finding: "id:<record id>", else "em:<normalised email>", else "row:<file>:<row>"
    (a whole-column finding: "col:<column>")."""
    by_id = _prefixed("id:", _large(findings["record_id"]))
    no_id = np.asarray(by_id.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    keys = pc.coalesce(
        by_id,
        _prefixed("em:", _emails_at(findings, emails_of, no_id)),
        _prefixed(
            "row:",
            pc.binary_join_element_wise(
                _large(findings["file"]), _large(findings["row"]), pa.scalar(":", _LARGE)
            ),
        ),
        _prefixed("col:", _large(findings["column"])),
        pa.scalar("", _LARGE),
    )
    return keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys


def email_lookup(sources: Sequence[Source], prepared: Sequence[Prepared] = ()) -> EmailsOf:
    """Normalised emails by source name, from the audit's prepared views (computed there
    already for the checks) or, for a source without one, computed on first use."""
    by_name = {s.name: s for s in sources}
    preps = {p.source.name: p for p in prepared}

    def emails_of(name: str) -> pd.Series | None:
        if name not in by_name:
            return None
        prep = preps.setdefault(name, Prepared(by_name[name]))
        frame = prep.email()
        return None if frame is None else frame["email"]

    return emails_of


def identity_strings(
    findings: pd.DataFrame, sources: Sequence[Source], prepared: Sequence[Prepared] = ()
) -> pa.Array:
    """code, source, record key and field of each finding, joined by U+001F."""
    keys = _record_keys(findings, email_lookup(sources, prepared))
    parts = [
        _large(findings["code"]),
        _large(findings["source"]),
        keys,
        pc.fill_null(_large(findings["field"]), ""),
    ]
    return pc.binary_join_element_wise(*parts, pa.scalar(_SEP, _LARGE))


def hash_identities(identities: pa.Array) -> np.ndarray:
    """64-bit SipHash-2-4 of each identity (pandas' fixed key), as int64.

    pandas' hash is vectorised C and has kept its key and algorithm since 0.20; a test pins
    a known value so a change cannot pass unnoticed. It is several times faster than
    hashlib.blake2b in a Python loop.
    """
    values = identities.to_numpy(zero_copy_only=False)
    hashed = pd.util.hash_array(values, categorize=False)
    return np.asarray(hashed, dtype=np.uint64).view(np.int64)


def finding_identities(
    findings: pd.DataFrame, sources: Sequence[Source], prepared: Sequence[Prepared] = ()
) -> np.ndarray:
    """The identity hash of each finding (int64, aligned with `findings`)."""
    if not len(findings):
        return np.empty(0, dtype=np.int64)
    return hash_identities(identity_strings(findings, sources, prepared))


#: Keys kept of each source's records: the smallest hashes (a bottom-k sample), 8 KB a source.
SKETCH_SIZE = 1024
#: Share of the smaller dataset's records the other must hold for two runs of a source to be
#: of the same dataset. Re-exports of one CRM share most records; two clients' lists ~none.
MIN_SHARED = 0.25


def record_keys(source: Source, emails: pd.Series | None) -> pa.Array:
    """Each record's keys: "id:<record id>" and "em:<normalised email>" (the empty left out).
    Both, so a dataset re-imported under new ids (or with fixed addresses) still matches."""
    parts: list[pa.Array] = []
    col = source.column_for("record_id")
    if col is not None:
        parts.append(_prefixed("id:", _large(source.data[col])))
    if emails is not None:
        parts.append(_prefixed("em:", _large(emails)))
    if not parts:
        return pa.array([], _LARGE)
    keys = pa.concat_arrays(parts)
    return keys.filter(keys.is_valid())


def sketch(keys: pa.Array, size: int = SKETCH_SIZE) -> tuple[np.ndarray, int]:
    """(the `size` smallest distinct key hashes, sorted; the number of distinct keys)."""
    if not len(keys):
        return np.empty(0, dtype=np.int64), 0
    hashed = np.unique(hash_identities(keys))
    return hashed[:size], len(hashed)


def shared_share(
    a: np.ndarray, n_a: int, b: np.ndarray, n_b: int, size: int = SKETCH_SIZE
) -> float:
    """Estimated share of the smaller key set found in the other, from two bottom-k sketches.

    The `size` smallest hashes of the union are a uniform sample of it; the share of them in
    both sketches estimates the Jaccard index J, and |A n B| = J (|A| + |B|) / (1 + J).
    Exact when both sets are smaller than `size`.
    """
    if not n_a or not n_b:
        return 0.0
    union = np.union1d(a, b)[:size]
    both = np.isin(union, a, assume_unique=True) & np.isin(union, b, assume_unique=True)
    jaccard = float(both.sum()) / len(union)
    shared = jaccard * (n_a + n_b) / (1 + jaccard)
    return min(1.0, shared / min(n_a, n_b))
