"""Read delimited text (CSV, TSV, TXT) into a `Table`: every cell text, nothing inferred.

Fast path: pyarrow's multi-threaded reader with every column typed string. It rejects rows
whose cell count differs from the header's ("ragged"); such a file is read again by pyarrow
single-threaded, skipping those rows but noting their text and record number, and only they
are parsed by Python's csv module and put back in place (padded, or with "_extra_N" columns).
Python's csv module reading the whole file is the last resort: it is an order of
magnitude slower than the splice.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable
from itertools import zip_longest
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError
from .limits import BLOCK_BYTES, Read, check_memory
from .sniff import EMPTY, detect_delimiter, to_utf8
from .table import (
    Table,
    check_width,
    clean_headers,
    extra_names,
    frame_from_arrow,
    frame_from_columns,
)

_LEADING_BLANK_LINES = re.compile(rb"(?:[ \t]*(?:\r\n|\n|\r))*")
#: Excel's delimiter line ("sep=;", maybe quoted), written before the header.
_SEP_LINE = re.compile(rb'"?sep=([,;\t|:])"?[ \t]*(?:\r\n|\n|\r)', re.IGNORECASE)
_SAMPLE = 1 << 16
# pyarrow's block size: smaller blocks read alike, larger ones were slower (fewer blocks than
# threads); 8 MB keeps columns at few chunks.
_BLOCK = BLOCK_BYTES


def read_csv_bytes(data: bytes, file: str, path: object) -> Table:
    """Parse the bytes of one delimited file; `file` names it in provenance, `path` in errors."""
    utf8, _encoding = to_utf8(data, path)
    start = _LEADING_BLANK_LINES.match(utf8)
    offset = start.end() if start else 0
    if offset >= len(utf8) or (len(utf8) - offset < 4096 and not utf8[offset:].strip()):
        raise InputError(path, *EMPTY)
    hint = _SEP_LINE.match(utf8, offset)
    if hint:
        # Excel's "sep=;" first line names the delimiter; it is not the header.
        blank = _LEADING_BLANK_LINES.match(utf8, hint.end())
        offset = blank.end() if blank else hint.end()
        if offset >= len(utf8):
            raise InputError(path, *EMPTY)
    sample = utf8[offset : offset + _SAMPLE].decode("utf-8", errors="ignore")
    delim = hint.group(1).decode() if hint else detect_delimiter(sample)
    header, header_bytes = _header(utf8, offset, delim)
    check_width(len(header), path)
    # Before parsing: the lines bound the records, so a file of tiny rows or of thousands
    # of one-character columns is refused before its cells are made.
    lines = utf8.count(b"\n", offset) + 1
    check_memory([Read(lines, len(utf8), [path], len(header))])
    names = clean_headers(header)
    # The data starts where the header record ends: a quoted line break in a header (or a
    # line of empty cells before it) must not make pyarrow's own row skip land mid-record.
    buf = pa.py_buffer(utf8).slice(offset + header_bytes)
    table = _drop_empty_records(_parse(buf, sample, names, delim, file, path))
    table.unclosed_quote = _unclosed_quote(utf8, table)
    return table


def _drop_empty_records(table: Table) -> Table:
    """Records of empty cells only (Excel's line of delimiters for a formatted but empty
    row) are blank lines, as an empty row of a workbook is: dropped, rows renumbered."""
    frame = table.data
    # A column filled on every record (most exports' record id) rules out an empty record
    # without the whole frame's missing-value mask.
    if frame.empty or any(not frame.iloc[:, i].hasnans for i in range(frame.shape[1])):
        return table
    keep: np.ndarray = np.asarray(frame.notna().to_numpy().any(axis=1), dtype=bool)
    if keep.all():
        return table
    row_of = np.cumsum(keep)  # 1-based row among the kept records
    table.data = frame.loc[keep].reset_index(drop=True)
    table.ragged = [(int(row_of[row - 1]), cells) for row, cells in table.ragged
                    if keep[row - 1]]
    return table


def _parse(
    buf: pa.Buffer, sample: str, names: list[str], delim: str, file: str, path: object
) -> Table:
    if not _sample_is_ragged(sample, delim, len(names)):
        try:
            frame = frame_from_arrow(_arrow(buf, names, delim), names)
            return Table(frame, file=file, header_width=len(names))
        except pa.ArrowInvalid:
            pass  # a ragged row past the sample: the threaded pass was wasted
    try:
        return _read_ragged(buf, names, delim, file, path)
    except (pa.ArrowInvalid, ValueError, csv.Error):
        # Quoting pyarrow refuses: the csv module reads every row it can.
        return _read_python(bytes(buf).decode("utf-8"), names, delim, file, path)


def _unclosed_quote(utf8: bytes, table: Table) -> tuple[int, int] | None:
    """(row, line) of a quoted value that never closes, when the file ends inside it and
    it swallowed whole lines: every parser reads the rest of the file into that one cell, so
    the records after it are gone. Only the last record can hold such a cell, so only its
    multi-line cells are looked at, and the text from the quote on is parsed strictly."""
    frame = table.data
    # The tail alone: rstrip of the whole file would copy it.
    if frame.empty or utf8[-4096:].rstrip(b" \t\r\n").endswith(b'"'):
        return None
    for value in reversed(frame.iloc[-1].tolist()):
        if not isinstance(value, str) or not _BREAK.search(value.rstrip("\r\n")):
            continue
        first = _BREAK.split(value, maxsplit=1)[0]
        pos = utf8.rfind(b'"' + first.encode("utf-8"))
        if pos < 0:
            continue
        rest = utf8[pos:].decode("utf-8", errors="replace")
        try:
            for _ in csv.reader(io.StringIO(rest, newline=""), strict=True):
                pass
        except csv.Error:
            return len(frame), utf8.count(b"\n", 0, pos) + 1
        return None
    return None


_BREAK = re.compile(r"\r\n|\r|\n")


def _header(utf8: bytes, offset: int, delim: str) -> tuple[list[str], int]:
    """The header (the first record with a non-blank cell) from `offset`, and its length in
    bytes with the line end. The window grows until the record ends inside it."""
    size = _SAMPLE
    while True:
        window = utf8[offset : offset + size]
        text = window.decode("utf-8", errors="ignore")
        record, end = _first_record_end(text, delim)
        if end < len(text) or offset + size >= len(utf8):
            return record, len(text[:end].encode("utf-8"))
        size *= 16


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _first_record_end(text: str, delim: str) -> tuple[list[str], int]:
    """The first non-blank CSV record of `text` and the characters it spans (with its line
    end); ([], len(text)) when there is none."""
    spans: list[int] = []

    def lines() -> Any:
        for m in _LINE.finditer(text):
            spans.append(m.end() - m.start())
            yield m.group(0)

    try:
        for row in csv.reader(lines(), delimiter=delim):
            if any(cell.strip() for cell in row):
                return row, sum(spans)
    except csv.Error:
        pass
    return [], len(text)


def _arrow(
    buf: pa.Buffer, names: list[str], delim: str, on_invalid: Callable[[Any], str] | None = None
) -> pa.Table:
    """All cells as large_string; without `on_invalid`, a ragged row raises ArrowInvalid."""
    return pacsv.read_csv(
        pa.BufferReader(buf),
        read_options=pacsv.ReadOptions(
            column_names=names, block_size=_BLOCK, use_threads=on_invalid is None
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delim,
            newlines_in_values=True,
            invalid_row_handler=on_invalid or (lambda row: "error"),
        ),
        convert_options=pacsv.ConvertOptions(
            # large_string is what pandas' pyarrow strings hold: no cast.
            column_types={n: pa.large_string() for n in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            # Only an empty cell is missing: "NA" is Namibia and "NULL" is a value to flag.
            null_values=[""],
        ),
    )


def _sample_is_ragged(sample: str, delim: str, width: int) -> bool:
    """True when a record of the sample (the last, maybe cut, one aside) has another width."""
    try:
        records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delim))[1:-1]
    except csv.Error:
        return False
    trimmed = (_trim(r, width) for r in records)
    return any(r is not None and len(r) != width for r in trimmed)


def _read_ragged(buf: pa.Buffer, names: list[str], delim: str, file: str, path: object) -> Table:
    """pyarrow reads the regular rows; the ragged ones are parsed alone and spliced back."""
    bad: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        if row.number is None:
            raise ValueError("pyarrow gave no row number")
        bad.append((row.number, row.text))
        return "skip"

    good = _arrow(buf, names, delim, on_invalid)
    width = len(names)
    records: list[list[str] | None] = []  # None: a blank line, not a record
    counts: list[int] = []
    for _number, text in bad:
        parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        if len(parsed) != 1:
            raise ValueError("a skipped row is not one record")
        rec = parsed[0]
        counts.append(len(rec))
        records.append(_trim(rec, width))
    # pyarrow numbers records from 1 (the buffer starts after the header).
    positions = np.array([number - 1 for number, _ in bad], dtype=np.int64)
    total = good.num_rows + len(bad)
    if len(np.unique(positions)) != len(bad) or (
        len(bad) and not 0 <= positions.min() <= positions.max() < total
    ):
        raise ValueError("skipped rows out of place")
    widest = max([width, *(len(r) for r in records if r is not None)])
    check_width(widest, path)
    all_names = names + extra_names(names, widest - width)
    extra = {n: pa.nulls(good.num_rows, pa.large_string()) for n in all_names[width:]}
    good = pa.table({**dict(zip(names, good.columns, strict=True)), **extra})
    patch = pa.table(
        {
            n: _cells([None if r is None or j >= len(r) else r[j] for r in records])
            for j, n in enumerate(all_names)
        }
    )
    order = np.empty(total, dtype=np.int64)
    is_bad = np.zeros(total, dtype=bool)
    is_bad[positions] = True
    order[~is_bad] = np.arange(good.num_rows)
    order[positions] = good.num_rows + np.arange(len(bad))
    keep = np.ones(total, dtype=bool)
    keep[positions[[r is None for r in records]]] = False
    table = pa.concat_tables([good, patch]).take(pa.array(order[keep]))
    row_of = np.cumsum(keep)  # 1-based row among the kept records
    ragged = [
        (int(row_of[pos]), count)
        for pos, rec, count in zip(positions, records, counts, strict=True)
        if rec is not None and len(rec) != width
    ]
    return Table(frame_from_arrow(table, all_names), file=file, header_width=width, ragged=ragged)


def _cells(values: list[str | None]) -> pa.Array:
    arr = pa.array(values, type=pa.large_string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)


def _trim(rec: list[str], width: int) -> list[str] | None:
    """A record without the empty cells past the header ("a,b,c,"); None for a blank line."""
    if not rec or (len(rec) == 1 and not rec[0].strip() and width > 1):
        return None
    while len(rec) > width and rec[-1] == "":
        rec.pop()
    return rec


def _read_python(text: str, names: list[str], delim: str, file: str, path: object) -> Table:
    """Slow, forgiving path: keep ragged rows, pad short ones, keep extra cells."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # notes cells can exceed 128 KB
    width = len(names)
    rows: list[list[str]] = []
    ragged: list[tuple[int, int]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        for raw in reader:
            cells = len(raw)
            rec = _trim(raw, width)
            if rec is None:
                continue  # a blank line is not a record
            rows.append(rec)
            if len(rec) != width:
                ragged.append((len(rows), cells))
    except csv.Error as exc:
        raise InputError(path, f"cannot parse as CSV ({exc})", "check the quoting") from exc
    widest = max((len(r) for r in rows), default=width)
    check_width(widest, path)
    all_names = names + extra_names(names, max(0, widest - width))
    columns: list[tuple[str | None, ...]]
    if rows:
        columns = list(zip_longest(*rows, fillvalue=None))
        columns += [(None,) * len(rows)] * (len(all_names) - len(columns))
    else:
        columns = [()] * len(all_names)
    frame = frame_from_columns(all_names, columns, len(rows))
    return Table(frame, file=file, header_width=width, ragged=ragged)
