"""Vectorised text building for the sample data: columns of a million values in one call.

Strings are built as pyarrow arrays (take from small pools, element-wise joins) or, for
digit patterns and dates, as a byte matrix turned into an arrow string array without a
Python object per value (pc.strftime is far slower for the dates).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Character classes of templates: `#` any digit, `n` 2-9, `p` 1-5, `q` 2-4, `a` a postcode
#: letter (no C, I, K, M, O, S, U, V that GB/CA/NL rule out somewhere), `x` a hex digit.
#: Lower case, so upper-case letters in templates (the "SW1A" of "SW1A #aa") stay as typed.
CLASSES: dict[str, np.ndarray] = {
    k: np.frombuffer(v.encode(), dtype=np.uint8)
    for k, v in {
        "#": "0123456789",
        "n": "23456789",
        "p": "12345",
        "q": "234",
        "a": "ABDEGHJLNPRTWXYZ",
        "x": "0123456789abcdef",
    }.items()
}

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                         "Ü": "Ue"})


def fold(value: str, german: bool = False) -> str:
    """An email-safe lower-case ASCII form of a name: "Müller" -> "mueller" (German) or
    "muller", "O'Brien" -> "obrien", "van den Berg" -> "vandenberg"."""
    if german:
        value = value.translate(_GERMAN)
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def take(pool: pa.Array | Sequence[str | None], idx: np.ndarray) -> pa.Array:
    """`pool[idx]` as an arrow string array."""
    arr = pool if isinstance(pool, pa.Array) else strings(list(pool))
    return arr.take(pa.array(idx, type=pa.int64()))


def cat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation; a missing part makes the result missing."""
    return pc.binary_join_element_wise(*parts, "")


def put(arr: pa.Array, rows: np.ndarray, values: pa.Array | Sequence[str | None]) -> pa.Array:
    """`arr` with `arr[rows[i]] = values[i]` (rows distinct)."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return arr
    vals = values if isinstance(values, pa.Array) else pa.array(list(values), type=arr.type)
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    order = np.argsort(rows, kind="stable")
    return pc.replace_with_mask(arr, pa.array(mask), vals.take(pa.array(order)))


def blank(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """`arr` with the rows of `mask` made missing (written as an empty cell)."""
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def int_text(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as text, zero-padded to `width`."""
    out = pc.cast(pa.array(values, type=pa.int64()), pa.string())
    return pc.utf8_lpad(out, width=width, padding="0") if width else out


def from_matrix(m: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """Rows of an ASCII byte matrix (the first `lengths[i]` bytes of row i) as strings."""
    n, width = m.shape
    if lengths is None:
        data = np.ascontiguousarray(m).reshape(-1)
        offsets = np.arange(n + 1, dtype=np.int64) * width
    else:
        data = m[np.arange(width) < lengths[:, None]]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(np.ascontiguousarray(data))
    )


def fill(rng: np.random.Generator, templates: Sequence[str], which: np.ndarray) -> pa.Array:
    """Row i gets `templates[which[i]]` with its character classes drawn at random."""
    n = len(which)
    width = max((len(t) for t in templates), default=0)
    m = np.zeros((n, max(width, 1)), dtype=np.uint8)
    lengths = np.zeros(n, dtype=np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(templates) + 1))
    for t, tpl in enumerate(templates):
        rows = order[bounds[t] : bounds[t + 1]]
        if not len(rows):
            continue
        block = np.empty((len(rows), len(tpl)), dtype=np.uint8)
        for j, ch in enumerate(tpl):
            cls = CLASSES.get(ch)
            block[:, j] = ord(ch) if cls is None else cls[rng.integers(0, len(cls), len(rows))]
        m[rows, : len(tpl)] = block
        lengths[rows] = len(tpl)
    return from_matrix(m, lengths)


#: "00" .. "99" as byte pairs: dates are written two digits at a time.
_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01 (H. Hinnant's civil_from_days): integer
    arithmetic, faster than numpy's datetime64[M] and [Y] casts."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def datetimes(seconds: np.ndarray, with_seconds: bool = False) -> pa.Array:
    """Unix seconds as "2024-03-05 14:02" (HubSpot) or "2024-03-05 14:02:11" (Mailchimp)."""
    secs = seconds.astype(np.int64)
    year, month, day = civil(secs // 86400)
    tod = secs % 86400
    m = np.empty((len(secs), 19 if with_seconds else 16), dtype=np.uint8)
    m[:, 0:2] = _PAIRS[year // 100]
    m[:, 2:4] = _PAIRS[year % 100]
    m[:, 4] = m[:, 7] = ord("-")
    m[:, 5:7] = _PAIRS[month]
    m[:, 8:10] = _PAIRS[day]
    m[:, 10] = ord(" ")
    m[:, 11:13] = _PAIRS[tod // 3600]
    m[:, 13] = ord(":")
    m[:, 14:16] = _PAIRS[tod // 60 % 60]
    if with_seconds:
        m[:, 16] = ord(":")
        m[:, 17:19] = _PAIRS[tod % 60]
    return from_matrix(m)


def choice(
    rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray
) -> np.ndarray:
    """`n` indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def falling(k: int) -> np.ndarray:
    """Weights for k options where the first is the most common (how people pick formats)."""
    return 1.0 / (np.arange(k) + 1.5)


def mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean arrow result as a writable numpy mask (missing counts as False)."""
    return np.array(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def duplicated(arr: pa.Array) -> np.ndarray:
    """True for every value already seen earlier in `arr` (missing values never count)."""
    s = pd.Series(pd.array(arr, dtype=pd.ArrowDtype(pa.string())))
    return np.array(s.duplicated() & s.notna(), dtype=bool)


def email_key(email: pa.Array) -> pa.Array:
    """The mailbox an address reaches: lower-cased, "+tag" dropped, Gmail dots dropped."""
    low = pc.utf8_lower(email)
    parts = pc.extract_regex(low, r"^(?P<local>[^@]*)@(?P<domain>[^@]*)$")
    local = pc.replace_substring_regex(pc.struct_field(parts, "local"), r"\+.*$", "")
    domain = pc.struct_field(parts, "domain")
    gmail = pc.is_in(domain, value_set=strings(["gmail.com", "googlemail.com"]))
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    return pc.coalesce(cat(local, "@", domain), low)
