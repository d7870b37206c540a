"""CSV output: formula-like values escaped, every file staged and renamed at the end.

A value from the data that begins with = + - @ tab or CR would run as a formula when the
file is opened in a spreadsheet; it is written with a leading single quote ("'=HYPERLINK(...").
Headers are escaped alike (a column of the export can be named "=cmd|..."). NUL characters
are dropped: no CRM import accepts them, and some read one as the end of the file.
Numbers are left alone: a phone number in E.164 ("+14155552671") or a negative amount
("-12.50") holds only digits and punctuation, cannot call a function or reference a cell,
and an import needs it exactly as it is.

All files of a run are written to temporary names beside their targets and renamed into
place only when every one is complete: an interrupted run leaves the previous outputs (or
none), never a half-written file or a mix of two runs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..fileio import FORMULA_START, temp_beside

#: Signed numbers and phone numbers: digits and phone punctuation only, never a formula.
NUMERIC = r"^[+\-][0-9][0-9 ().\-/]*$"


def escape(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Formula-like text prefixed with a single quote, NUL characters dropped; everything
    else unchanged."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    if pc.any(pc.match_substring(arr, "\x00")).as_py():
        arr = pc.replace_substring(arr, "\x00", "")
    risky = pc.and_(
        pc.match_substring_regex(arr, FORMULA_START),
        pc.invert(pc.match_substring_regex(arr, NUMERIC)),
    )
    if not pc.any(risky).as_py():
        return arr
    quoted = pc.binary_join_element_wise("'", arr, "")
    return pc.if_else(risky, quoted, arr)


def escape_header(name: str) -> str:
    """A header as written: escaped like a value (a source's own header can be a formula)."""
    return str(escape(pa.array([str(name)], pa.string()))[0].as_py())


def table(columns: Mapping[str, pa.Array | pa.ChunkedArray]) -> pa.Table:
    """A table of text columns, each escaped, under escaped headers; headers may repeat only
    if the caller says so."""
    names = list(columns)
    arrays = [escape(columns[n]) for n in names]
    return pa.Table.from_arrays(arrays, names=[escape_header(n) for n in names])


class Staging:
    """Files written under temporary names, renamed over their targets by `commit`."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    @contextlib.contextmanager
    def path(self, target: Path) -> Iterator[Path]:
        """A temporary path beside `target`; kept for `commit` once the block succeeds."""
        with temp_beside(target) as tmp_path:
            yield tmp_path
        self._pending.append((tmp_path, target))

    def write_csv(self, target: Path, data: pa.Table) -> Path:
        with self.path(target) as tmp:
            pacsv.write_csv(data, tmp)
        return target

    def write_text(self, target: Path, text: str) -> Path:
        with self.path(target) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return target

    def commit(self) -> list[Path]:
        """Rename every staged file into place (each rename is atomic)."""
        done = []
        for tmp, target in self._pending:
            os.replace(tmp, target)
            done.append(target)
        self._pending.clear()
        return done

    def abort(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._pending.clear()
