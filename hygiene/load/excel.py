"""Read workbooks (XLSX/XLSM, and what else calamine reads) into one `Table` per sheet.

python-calamine reads the cached cell VALUES (never formula text), several times faster than
openpyxl read_only/data_only (benchmarks/load_speed.py; figures in benchmarks/RESULTS.md).
Cells are rendered as the text a user sees: ISO dates, whole numbers without ".0".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import python_calamine as calamine

from ..errors import InputError
from .table import Table, check_width, clean_headers, frame_from_columns

Cell = object
PASSWORD_PROTECTED = (
    "the workbook is password-protected",
    "remove the password in Excel (File > Info > Protect Workbook) and save again",
)


def read_workbook(
    path: Path, sheet: str | None, file: str, source: BinaryIO | None = None
) -> list[Table]:
    """The non-empty sheets of a workbook (or only `sheet`), as tables.

    `source` is the workbook already opened (read from it, not from `path`); calamine then
    tells the format by the content, so an .xls saved as .xlsx is still read.
    """
    shown = f"{path}#{sheet}" if sheet else path
    try:
        if source is not None:
            book = calamine.CalamineWorkbook.from_filelike(source)
        else:
            book = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise InputError(path, *PASSWORD_PROTECTED) from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise InputError(
            path,
            f"not a readable Excel workbook ({_one_line(exc)})",
            "open and re-save it in Excel as .xlsx, or export the list as CSV",
        ) from exc
    names = [m.name for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    if sheet is not None:
        names = [_find_sheet(names, sheet, path)]
    tables = []
    for name in names:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except calamine.CalamineError as exc:
            raise InputError(
                shown, f"cannot read sheet {name!r} ({_one_line(exc)})", "re-save the workbook"
            ) from exc
        table = _sheet_table(rows, file, name)
        if table is not None:
            tables.append(table)
    if not tables:
        what = f"sheet {sheet!r} is empty" if sheet else "every sheet of the workbook is empty"
        raise InputError(shown, what, "export the list again, with its header row")
    return tables


def _find_sheet(names: Sequence[str], wanted: str, path: Path) -> str:
    for name in names:
        if name == wanted:
            return name
    for name in names:
        if name.strip().casefold() == wanted.strip().casefold():
            return name
    listed = ", ".join(repr(n) for n in names) or "none"
    raise InputError(f"{path}#{wanted}", f"no sheet named {wanted!r}", f"sheets are: {listed}")


def _sheet_table(rows: Sequence[Sequence[Cell]], file: str, sheet: str) -> Table | None:
    """The sheet's first non-empty row as header, later non-empty rows as records."""
    # any(r) settles almost every row at its first cell; only rows of "", None, 0 or False
    # need the exact test (0 and False are values).
    filled = [r for r in rows if any(r) or any(map(_present, r))]
    if not filled:
        return None
    width = max(map(len, filled))
    padded = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in filled]
    columns = list(zip(*padded, strict=True))  # transposed in C: one tuple per column
    # Trailing columns that are empty everywhere (a formatted but blank range) are dropped.
    while width > 1 and not any(map(_present, columns[width - 1])):
        width -= 1
    check_width(width, f"{file}#{sheet}")
    names = clean_headers([render(col[0]) for col in columns[:width]])
    cells: list[Sequence[str | None]] = []
    for col in columns[:width]:
        body = col[1:]
        if set(map(type, body)) <= {str}:
            cells.append(body)  # every cell is a str
        else:
            cells.append([render(c) for c in body])
    frame = frame_from_columns(names, cells, len(filled) - 1)
    return Table(frame, file=file, sheet=sheet, header_width=width)


def _present(cell: Cell) -> bool:
    return cell is not None and cell != ""


def render(cell: Cell) -> str | None:
    """A cell value as the text a user sees: "2024-01-05", "02134", "42", "TRUE"."""
    if cell is None or isinstance(cell, str):
        return cell or None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 2**53:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
