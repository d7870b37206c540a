"""The fast row writer must produce cells openpyxl (and so Excel) reads back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from hygiene.report.xlsx_rows import CHUNK_ROWS, RowWriter

RED = PatternFill("solid", fgColor="FFFFC7CE")


def _write(tmp_path: Path, columns: list[np.ndarray], after: bool = False) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["text", "number", "severity"])
    rows = RowWriter()
    styles = {"quote": (None, None, True), "error": (Font(bold=True), RED, False)}
    rows.defer(ws, columns, styles, {2: {"error": "error"}})
    if after:
        ws.append(["after"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    rows.finish(path)
    return path


def test_values_styles_and_escapes_round_trip(tmp_path: Path):
    text = np.array(
        ["plain", "=SUM(A1)", " padded ", "a & b <c>", None, "-5", "line\r\nbreak", "é ü 中"],
        dtype=object,
    )
    number = np.array([1, 2.5, None, float("nan"), float("inf"), 7, True, 0], dtype=object)
    severity = np.array(["error", "info", None, "error", "", "x", "error", "warning"], dtype=object)
    ws = load_workbook(_write(tmp_path, [text, number, severity]))["Data"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=9)]
    assert [r[0] for r in got] == [
        "plain", "=SUM(A1)", " padded ", "a & b <c>", None, "-5", "line\r\nbreak", "é ü 中"
    ]
    assert [r[1] for r in got] == [1, 2.5, None, None, None, 7, "TRUE", 0]
    # formula-like text stays text, with Excel's quote prefix so an edit keeps it text
    assert ws["A3"].data_type == "s" and ws["A3"].quotePrefix
    assert ws["A7"].quotePrefix and not ws["A2"].quotePrefix
    assert ws["C2"].fill.fgColor.rgb == "FFFFC7CE" and ws["C2"].font.b
    assert ws["C3"].fill.fgColor.rgb != "FFFFC7CE"
    assert ws.max_row == 9


def test_rows_after_a_block_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="last rows"):
        _write(tmp_path, [np.array(["a"], dtype=object)] * 3, after=True)


def test_many_rows_span_chunks(tmp_path: Path):
    n = CHUNK_ROWS * 2 + 17
    ids = np.array([f"id-{i}" for i in range(n)], dtype=object)
    nums = np.arange(n).astype(object)
    sev = np.full(n, "error", dtype=object)
    ws = load_workbook(_write(tmp_path, [ids, nums, sev]), read_only=True)["Data"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == n
    assert rows[0] == ("id-0", 0, "error") and rows[-1] == (f"id-{n - 1}", n - 1, "error")


@pytest.mark.parametrize(
    "value,expected",
    [("=1+1", True), ("+44 20", True), ("-x", True), ("@SUM(A1)", True), ("\tx", True),
     ("\rx", True), ("a=b", False), ("", False), (None, False), (5, False)],
)  # fmt: skip
def test_formula_like_text_is_quoted(tmp_path: Path, value, expected):
    column = np.array([value], dtype=object)
    ws = load_workbook(_write(tmp_path, [column, column, column]))["Data"]
    assert bool(ws["A2"].quotePrefix) is expected
    if expected:
        assert ws["A2"].data_type == "s" and ws["A2"].value == value
