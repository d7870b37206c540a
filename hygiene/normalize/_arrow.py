"""pyarrow helpers for normalisers that work on plain (single-chunk) string arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_STR = pa.scalar(None, pa.string())


def flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous `pa.string()` array (pandas hands over chunked `large_string`)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    return arr


def string_layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end byte of each value of a string or large_string array, and its data
    bytes (numpy views of the array's buffers, nothing copied)."""
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset : arr.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8)
        if data_buf is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return offsets[:-1], offsets[1:], data


def with_validity(arr: pa.Array, valid: np.ndarray) -> pa.Array:
    """A string array with a new validity bitmap (its offsets and bytes are shared, not
    copied): the values where `valid` is False become null."""
    bits = np.zeros(arr.offset + len(arr), dtype=bool)
    bits[arr.offset :] = valid
    bitmap = pa.py_buffer(np.packbits(bits, bitorder="little").tobytes())
    _, offsets_buf, data_buf = arr.buffers()
    return pa.Array.from_buffers(
        arr.type, len(arr), [bitmap, offsets_buf, data_buf], offset=arr.offset
    )


def to_mask(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A boolean array with nulls read as False, as one chunk."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.fill_null(False)


def to_numpy_mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(to_mask(arr).to_numpy(zero_copy_only=False), dtype=bool)


def map_distinct(
    arr: pa.Array | pa.ChunkedArray, fn: Callable[[pa.Array], pa.Array | pa.ChunkedArray]
) -> pa.Array:
    """`fn` (a string kernel, value by value) applied to each distinct value once and
    spread back to the rows: street names and postcodes repeat, and regex and Unicode
    kernels cost per value."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    enc = pc.dictionary_encode(arr)
    done = fn(enc.dictionary)
    if isinstance(done, pa.ChunkedArray):
        done = done.combine_chunks()
    return done.take(enc.indices)


def apply_where(
    arr: pa.Array, mask: pa.Array, fn: Callable[[pa.Array], pa.Array | pa.ChunkedArray]
) -> pa.Array:
    """`fn` applied only to the values under `mask` (rare rows skip the costly kernel)."""
    mask = to_mask(mask)
    count = pc.sum(mask).as_py() or 0
    if count == 0:
        return arr
    done = fn(pc.filter(arr, mask))
    if isinstance(done, pa.ChunkedArray):
        done = done.combine_chunks()
    return pc.replace_with_mask(arr, mask, done.cast(arr.type))


def empty_to_null(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), NULL_STR, arr)


def ascii_digits(arr: pa.Array) -> pa.Array:
    """Only the ASCII digits of each value ("(415) 555-2671" -> "4155552671").

    Done on the raw UTF-8 buffer with numpy: several times faster than a regex replace of
    "[^0-9]". Bytes of multi-byte characters are never ASCII
    digits, so the buffer can be filtered byte by byte.
    """
    arr = flat(arr)
    n = len(arr)
    if n == 0:
        return arr
    starts, ends, data = string_layout(arr)
    base = int(starts[0])
    data = data[base : int(ends[-1])]
    keep = (data >= 48) & (data <= 57)
    # Digits before each byte: a value's new offset is the count before its first byte.
    before = np.zeros(len(data) + 1, dtype=np.int32)
    # Summed as int32, not bool: numpy holds the GIL while it casts inside cumsum.
    np.cumsum(keep.astype(np.int32), out=before[1:])
    bounds = np.append(starts, ends[-1]).astype(np.int64) - base
    out = pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(before[bounds]), pa.py_buffer(data[keep].tobytes())]
    )
    return out if arr.null_count == 0 else with_validity(out, to_numpy_mask(pc.is_valid(arr)))
