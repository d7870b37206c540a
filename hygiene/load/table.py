"""One sheet or one CSV file as read, before files are joined into a source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..normalize.base import TEXT

EXTRA_PREFIX = "_extra_"
#: The most columns a file or sheet may have: Excel's own limit (column XFD), so no CRM
#: export and no review.xlsx sheet has more.
MAX_COLUMNS = 16_384


def check_width(width: int, path: object) -> None:
    """InputError for a table wider than `MAX_COLUMNS` (a wrong delimiter, or not an export)."""
    if width > MAX_COLUMNS:
        raise InputError(
            path,
            f"has {width:,} columns, more than the {MAX_COLUMNS:,} a spreadsheet holds",
            "check that it is a contact export, or export fewer columns",
        )


@dataclass
class Table:
    """The cells of one file or sheet: text columns (unique headers), where it came from.

    `ragged` lists (row, cell count) for records whose cell count differs from the header's;
    `header_width` is the header's cell count.
    """

    data: pd.DataFrame
    file: str
    sheet: str | None = None
    header_width: int = 0
    ragged: list[tuple[int, int]] = field(default_factory=list)
    #: (row, line) of a quoted value that never closes and read the rest of the file.
    unclosed_quote: tuple[int, int] | None = None
    #: Bytes read to make it (a ZIP member's unpacked bytes; a workbook's file on its first
    #: sheet): what the memory limit (hygiene.load.limits) weighs the estimate against.
    bytes_read: int = 0


def clean_headers(raw: Sequence[object]) -> list[str]:
    """Headers trimmed of whitespace and BOM; blanks named "Column 7"; repeats "Email (2)"."""
    names: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(raw, start=1):
        name = "" if value is None else str(value).replace("\ufeff", "").strip()
        if not name:
            name = f"Column {i}"
        base, n = name, 1
        while name.casefold() in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name.casefold())
        names.append(name)
    return names


def extra_names(headers: Sequence[str], count: int) -> list[str]:
    """Names for cells beyond the header: "_extra_1", "_extra_2", ... (never clashing)."""
    taken = {h.casefold() for h in headers}
    out: list[str] = []
    i = 0
    while len(out) < count:
        i += 1
        name = f"{EXTRA_PREFIX}{i}"
        if name.casefold() not in taken:
            out.append(name)
    return out


def frame_from_arrow(table: pa.Table, names: Sequence[str]) -> pd.DataFrame:
    """A pyarrow table of strings as a pandas frame of TEXT columns, without copying."""
    cols = {}
    for name, col in zip(names, table.columns, strict=True):
        if not pa.types.is_large_string(col.type):
            col = col.cast(pa.large_string())
        cols[name] = as_series(col)
    if not cols:
        return pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    return pd.DataFrame(cols, copy=False)


def as_series(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pyarrow large_string array as a TEXT Series (zero-copy: pandas keeps large_string)."""
    return pd.Series(pd.array(arr, dtype=TEXT), copy=False)


def text_column(values: Sequence[str | None]) -> pd.Series:
    """A Python list of cells as a TEXT Series, "" and None as missing."""
    arr = pa.array(values, type=pa.large_string())
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return as_series(arr)


def repeat_text(value: str | None, n: int) -> pd.Series:
    """`value` n times as a TEXT Series, built from raw buffers.

    One repeated byte string and computed offsets: far cheaper than pa.repeat.
    """
    if value is None:
        return as_series(pa.nulls(n, pa.large_string()))
    raw = value.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(raw)
    arr = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw * n)]
    )
    return as_series(arr)


def frame_from_columns(
    names: Sequence[str], columns: Sequence[Sequence[str | None]], rows: int
) -> pd.DataFrame:
    """Column lists of cells as a TEXT frame with a RangeIndex of `rows` rows."""
    data = {name: text_column(col) for name, col in zip(names, columns, strict=True)}
    if not data:
        return pd.DataFrame(index=pd.RangeIndex(rows))
    return pd.DataFrame(data, copy=False)
