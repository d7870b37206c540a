"""Missing values as exports write them: blanks, "N/A", "NULL", Excel error codes.

`nullify` is the first step of every normaliser, so a stray BOM, a non-breaking space or a
"#N/A" never reaches a check as if it were data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import flat, string_layout, to_numpy_mask, with_validity
from .base import TEXT, arrow, text

#: Casefolded spellings that mean "no value". Placeholders that a person typed on purpose
#: ("unknown", "test", "?", "none provided") are NOT here: they are data that a check reports
#: as `value.placeholder`, and nulling them would hide that finding.
NULL_LIKES: frozenset[str] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "(null)",
        "<null>",
        "nil",
        "nan",
        "undefined",
        "-",
        "--",
        "---",
        "(blank)",
        "(empty)",
        "#n/a",
        "#null!",
        "#value!",
        "#ref!",
        "#div/0!",
        "#name?",
        "#num!",
    }
)

#: Unicode white space plus the invisible characters spreadsheets and web forms leave behind
#: (zero-width space/joiners, word joiner, BOM); pyarrow's whitespace trim keeps the latter.
TRIM_CHARS = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
    + "\u200b\u200c\u200d\u2060\ufeff"
)

_NULL_SET = pa.array(sorted(NULL_LIKES))
_MAX_NULL_LEN = max(len(v) for v in NULL_LIKES)

# Bytes a value must start or end with to need trimming: the ASCII white space of
# TRIM_CHARS, and any non-ASCII byte (the rest are multi-byte in UTF-8). Most values start
# and end with a letter or digit, and skip pyarrow's trim (which copies every value).
_EDGE = np.zeros(256, dtype=bool)
_EDGE[[ord(c) for c in TRIM_CHARS if ord(c) < 128]] = True
_EDGE[128:] = True
# First bytes of the null-likes (either case): a value starting otherwise is not one.
_NULL_FIRST = np.zeros(256, dtype=bool)
_NULL_FIRST[[ord(c) for v in NULL_LIKES if v for c in {v[0].lower(), v[0].upper()}]] = True


def trim(arr: pa.Array) -> pa.Array:
    """Strip white space and invisible characters from both ends of every value."""
    return pc.utf8_trim(arr, characters=TRIM_CHARS)


def _valid(arr: pa.Array) -> np.ndarray:
    """Which values are present, read from the validity bitmap."""
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    present = np.unpackbits(bits, count=arr.offset + len(arr), bitorder="little")
    return present[arr.offset :].view(bool)


def _first_last_bytes(
    starts: np.ndarray, ends: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first and last byte of each value (any byte for an empty or missing one)."""
    if not len(data):
        return np.zeros(len(starts), dtype=np.uint8), np.zeros(len(starts), dtype=np.uint8)
    return data.take(starts, mode="clip"), data.take(ends - 1, mode="clip")


def _nullify_chunk(arr: pa.Array) -> tuple[pa.Array, bool]:
    """One string or large_string array trimmed, null-likes made null (same type), and
    whether anything changed. Only values that may need it are trimmed or looked up."""
    n = len(arr)
    if n == 0:
        return arr, False
    valid = _valid(arr)
    changed = False
    starts, ends, data = string_layout(arr)
    filled = valid & (ends > starts)
    first, last = _first_last_bytes(starts, ends, data)
    todo = np.flatnonzero(filled & (_EDGE.take(first) | _EDGE.take(last)))
    if len(todo):
        done = trim(arr.take(pa.array(todo)))
        done_starts, done_ends, _ = string_layout(done)
        lens = done_ends - done_starts
        moved = lens != (ends[todo] - starts[todo])
        if moved.any():
            mask = np.zeros(n, dtype=bool)
            mask[todo[moved]] = True
            arr = pc.replace_with_mask(arr, pa.array(mask), done.filter(pa.array(moved)))
            changed = True
            starts, ends, data = string_layout(arr)
            first, _ = _first_last_bytes(starts, ends, data)
    lens = ends - starts
    empty = valid & (lens == 0)
    short = np.flatnonzero(valid & (lens > 0) & (lens <= _MAX_NULL_LEN) & _NULL_FIRST.take(first))
    nulls = empty
    if len(short):
        hit = pc.is_in(pc.utf8_lower(arr.take(pa.array(short))), value_set=_NULL_SET)
        hit_np = to_numpy_mask(hit)
        if hit_np.any():
            nulls = empty.copy()
            nulls[short[hit_np]] = True
    if nulls.any():
        arr = with_validity(arr, valid & ~nulls)
        changed = True
    return arr, changed


def nullify_arrow(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`nullify` on a pyarrow string array (for normalisers that stay in pyarrow).

    The result is always one `pa.string()` chunk (pandas hands over chunked `large_string`),
    so callers can mix it with plain string scalars and masks.
    """
    return _nullify_chunk(flat(arr))[0]


def nullify(s: pd.Series) -> pd.Series:
    """Trim white space (incl. NBSP, zero-width characters, BOM); null-likes become NaN.

    A text column that needs neither is returned as it is: most columns of an export are
    clean, and a copy of each would hold another copy of the file in memory.
    """
    src = arrow(s)
    if s.dtype != TEXT:
        out, _ = _nullify_chunk(flat(src))
        return text(out, index=s.index)
    # Chunk by chunk in pandas' own large_string: no cast to and from pa.string().
    parts = [_nullify_chunk(c) for c in src.chunks]
    if not any(changed for _, changed in parts):
        return s
    return text(pa.chunked_array([p for p, _ in parts], type=src.type), index=s.index)
