"""Fast rows for review.xlsx: a sheet's data rows written as XML a column at a time.

openpyxl builds every cell as a Python object (about 4 us a cell, so a 1M-finding Findings
sheet of 14M cells took minutes). Here openpyxl still writes the workbook (styles, frozen
header, filter, widths, drop-downs, the Summary sheet) but each big sheet gets one marker row
holding a sample cell per style the rows need; after saving, the marker row is replaced by
the real rows, built with pyarrow string kernels in chunks, in exactly the cell form openpyxl
writes (`<c r="B2" s="4" t="inlineStr"><is><t>...</t></is></c>`, numbers as `t="n"`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..fileio import FORMULA_START, XML_ILLEGAL

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: Text that needs more than copying into the XML: markup characters, CR, forbidden ones.
_NEEDS = "[&<>\\r" + XML_ILLEGAL[1:]
#: Rows built per step: pyarrow grows one buffer per call, and big buffers grow slowly.
CHUNK_ROWS = 20_000


@dataclass
class Block:
    """Rows of one sheet waiting to be written: columns of cell values (object arrays of
    str, int, float or None, or Arrow text), the first row number, and the style of each
    kind of cell."""

    marker: str
    columns: Sequence[np.ndarray | pa.Array]
    first_row: int
    #: Column position -> {cell text: style name}, for coloured columns (severity).
    coloured: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    #: Style name -> openpyxl style id, read back from the saved marker row.
    style_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class RowWriter:
    """Collects blocks while openpyxl writes the workbook; `finish` fills them in."""

    blocks: dict[str, Block] = field(default_factory=dict)

    def defer(
        self,
        ws: WriteOnlyWorksheet,
        columns: Sequence[np.ndarray | pa.Array],
        styles: Mapping[str, tuple[Font | None, PatternFill | None, bool]],
        coloured: Mapping[int, Mapping[str, str]] | None = None,
    ) -> None:
        """Append a marker row to `ws` standing for `columns`' rows, which must be the last
        rows of the sheet. `styles` names each style the rows use: (font, fill, quote
        prefix)."""
        marker = f"@@rows-{uuid.uuid4().hex}@@"
        cells: list[Any] = [marker]
        for name, (font, fill, quote) in styles.items():
            cell = WriteOnlyCell(ws, f"{marker}{name}")
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if quote:
                cell.data_type = "s"
                cell.quotePrefix = True
            cells.append(cell)
        ws.append(cells)
        self.blocks[marker] = Block(marker, columns, 0, dict(coloured or {}))

    def finish(self, path: Path, compresslevel: int = 1) -> None:
        """Replace every marker row in the saved workbook at `path` with its rows."""
        if not self.blocks:
            return
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".xlsx", delete=False) as tmp:
            out_path = Path(tmp.name)
        try:
            with zipfile.ZipFile(path) as src, zipfile.ZipFile(
                out_path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel
            ) as dst:
                for info in src.infolist():
                    data = src.read(info.filename)
                    block = self._block_in(data) if info.filename.startswith(
                        "xl/worksheets/"
                    ) else None
                    if block is None:
                        dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                        continue
                    with dst.open(info.filename, "w", force_zip64=True) as fh:
                        _splice(fh, data.decode("utf-8"), block)
            shutil.move(out_path, path)
        finally:
            out_path.unlink(missing_ok=True)

    def _block_in(self, data: bytes) -> Block | None:
        for marker, block in self.blocks.items():
            if marker.encode() in data:
                return block
        return None


def _splice(fh: IO[bytes], xml: str, block: Block) -> None:
    """Write `xml` with its marker row replaced by the block's rows."""
    start = xml.index(f"<t>{block.marker}</t>")
    row_start = xml.rindex("<row ", 0, start)
    row_end = xml.index("</row>", start) + len("</row>")
    marker_row = xml[row_start:row_end]
    if "<row " in xml[row_end : xml.index("</sheetData>", row_end)]:
        # their row numbers would collide with the block's
        raise ValueError("deferred rows must be the last rows of their sheet")
    found = re.match(r'<row r="(\d+)"', marker_row)
    block.first_row = int(found.group(1)) if found else 2
    for m in re.finditer(
        r'<c r="[A-Z]+\d+"(?: s="(\d+)")?[^>]*><is><t>'
        + re.escape(block.marker)
        + r"([^<]*)</t></is></c>",
        marker_row,
    ):
        if m.group(2):
            block.style_ids[m.group(2)] = m.group(1) or "0"
    fh.write(xml[:row_start].encode("utf-8"))
    for chunk in row_chunks(block):
        fh.write(chunk)
    fh.write(xml[row_end:].encode("utf-8"))


def _escape(arr: pa.Array) -> pa.Array:
    """XML text: & < > escaped, CR kept as a character reference (as lxml writes it), and
    characters XML 1.0 forbids replaced by U+FFFD (one would make the sheet ill-formed),
    whatever the caller cleaned before."""
    needs = pc.fill_null(pc.match_substring_regex(arr, _NEEDS), False)
    if not pc.any(needs).as_py():
        return arr
    part = pc.replace_substring_regex(arr.filter(needs), XML_ILLEGAL, "\ufffd")
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        part = pc.replace_substring(part, a, b)
    return pc.replace_with_mask(arr, needs, part)


@dataclass
class _Column:
    """One column as cell XML pieces: for text cells the escaped text (null: no cell), for
    numbers their digits, and the style attribute of each cell."""

    letter: str
    text: pa.Array
    number: pa.Array
    style: pa.Array


def _classify(values: np.ndarray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """(text values, number values) of a column (objects, or Arrow text): each null where
    the other (or nothing) is there. Columns of one kind convert in one call."""
    n = len(values)
    arr: pa.Array | None
    if isinstance(values, pa.Array):
        arr = values
    else:
        try:
            arr = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = None
    nulls = pa.nulls(n, pa.string())
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        text = arr.cast(pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), nulls
    if arr is not None and pa.types.is_null(arr.type):
        return nulls, nulls
    if arr is not None and pa.types.is_integer(arr.type):
        return nulls, pc.cast(arr, pa.string())
    texts: list[str | None] = [None] * n
    numbers: list[str | None] = [None] * n
    for i, v in enumerate(values.tolist()):
        if isinstance(v, str):
            texts[i] = v or None
        elif isinstance(v, bool) or v is None:
            texts[i] = None if v is None else ("TRUE" if v else "FALSE")
        elif isinstance(v, (int, np.integer)):
            numbers[i] = str(int(v))
        elif isinstance(v, (float, np.floating)):
            numbers[i] = repr(float(v)) if np.isfinite(v) else None
        else:
            texts[i] = str(v)
    return pa.array(texts, pa.string()), pa.array(numbers, pa.string())


def _columns(block: Block) -> list[_Column]:
    ids = block.style_ids
    quote = f' s="{ids["quote"]}"' if "quote" in ids else ""
    out = []
    for j, values in enumerate(block.columns):
        cells = values if isinstance(values, pa.Array) else np.asarray(values, dtype=object)
        text, number = _classify(cells)
        risky = pc.fill_null(pc.match_substring_regex(text, FORMULA_START), False)
        style = pc.if_else(risky, pa.scalar(quote), pa.scalar(""))
        for value, name in block.coloured.get(j, {}).items():
            if name in ids:
                hit = pc.fill_null(pc.equal(text, value), False)
                style = pc.if_else(hit, pa.scalar(f' s="{ids[name]}"'), style)
        ws = pc.fill_null(pc.match_substring_regex(text, r"^\s|\s$"), False)
        space = pc.if_else(ws, pa.scalar(' xml:space="preserve"'), pa.scalar(""))
        body = pc.binary_join_element_wise(space, ">", _escape(text), "")
        out.append(_Column(get_column_letter(j + 1), body, number, style))
    return out


def row_chunks(block: Block) -> Iterator[bytes]:
    """The block's rows as sheet XML, a chunk of rows at a time."""
    cols = _columns(block)
    n = len(block.columns[0]) if block.columns else 0
    for start in range(0, n, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n)
        rownum = pc.cast(
            pa.array(np.arange(block.first_row + start, block.first_row + stop)), pa.string()
        )
        cells: list[pa.Array] = []
        for c in cols:
            text = c.text.slice(start, stop - start)
            number = c.number.slice(start, stop - start)
            style = c.style.slice(start, stop - start)
            # A kind of cell the chunk does not hold adds "" to every row: not joined.
            texts, numbers = text.null_count < len(text), number.null_count < len(number)
            if not (texts or numbers or cells) and c is cols[-1]:
                texts = True  # no cell in any column: one all-null part keeps the rows
            if not (texts or numbers):
                continue
            ref = f'<c r="{c.letter}'
            if texts:
                cells.append(
                    pc.binary_join_element_wise(
                        ref, rownum, '"', style, ' t="inlineStr"><is><t', text, "</t></is></c>", ""
                    )
                )
            if numbers:
                cells.append(
                    pc.binary_join_element_wise(ref, rownum, '" t="n"><v>', number, "</v></c>", "")
                )
        # "replace", not "skip": pyarrow 26 drops rows whose values are all null under "skip"
        body = pc.binary_join_element_wise(
            *cells, "", null_handling="replace", null_replacement=""
        )
        rows = pc.binary_join_element_wise('<row r="', rownum, '">', body, "</row>", "")
        yield _buffer(rows)


def _buffer(arr: pa.Array) -> bytes:
    """The concatenated UTF-8 of a string array without nulls, straight from its buffers."""
    arr = pa.concat_arrays([arr]) if arr.offset else arr
    ends = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1)
    return bytes(memoryview(arr.buffers()[2])[ends[0] : ends[-1]])
