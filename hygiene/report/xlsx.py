"""review.xlsx: the workbook a person reviews and decides in (openpyxl, write-only mode).

Sheets: Summary, Findings (a Decision drop-down per finding), Duplicates (one row per
cluster member, a Decision drop-down), and one sheet per source. Headers are frozen and
filtered, severities coloured. Text that begins with = + - @ tab or CR is stored as text
(never a formula), and characters XML cannot hold are replaced, so no cell of an export can
break or attack the workbook. `hygiene clean --review` reads the decisions back.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..arrays import distinct, objects
from ..fileio import XML_ILLEGAL, atomic_path, is_formula_like, xml_safe
from ..load.table import MAX_COLUMNS
from ..model import SEVERITIES
from ..normalize.base import arrow
from ..version import __version__
from .build import fix_first, headline, workflow_cards
from .dupes import SHEET_FIELDS, ClusterRef, cluster_refs, member_values
from .options import ReportOptions, source_sheet_rows
from .redact import mask_series, redact_findings
from .xlsx_rows import RowWriter

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from ..results import Audit

FINDING_HEADERS = (
    "Finding ID", "Code", "Severity", "Source", "File", "Sheet", "Row", "Record ID", "Field",
    "Column", "Value", "Suggestion", "Message", "Decision",
)  # fmt: skip
DUPLICATE_HEADERS = (
    "Cluster", "Confidence", "Source", "File", "Row", "Record ID", "Survivor",
    *SHEET_FIELDS, "Evidence", "Decision",
)  # fmt: skip
FINDING_DECISIONS = ("accept fix", "reject fix")
DUPLICATE_DECISIONS = ("merge", "keep separate")
#: Sheet names the workbook itself uses; a source of that name gets a suffix.
RESERVED = ("Summary", "Findings", "Duplicates")

#: Excel's limit on characters in one cell.
_CELL_MAX = 32_767

_SEV_FILL = {
    "error": PatternFill("solid", fgColor="FDE2E1"),
    "warning": PatternFill("solid", fgColor="FEF3C7"),
    "info": PatternFill("solid", fgColor="E8EBF0"),
}
_SEV_FONT = {
    "error": Font(color="B42318", bold=True),
    "warning": Font(color="93370D", bold=True),
    "info": Font(color="475467"),
}
_HEAD_FILL = PatternFill("solid", fgColor="1F2A44")
_HEAD_FONT = Font(color="FFFFFF", bold=True)
_TITLE_FONT = Font(size=16, bold=True)
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def text_column(values: pd.Series | np.ndarray | Sequence[Any]) -> np.ndarray:
    """Cells as Python objects: text cleaned of XML-illegal characters and cut to Excel's
    limit, numbers kept, every kind of missing None."""
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    s = s.reset_index(drop=True)
    out = s.astype(object).where(s.notna(), None).to_numpy(dtype=object, copy=True)
    is_text = np.fromiter((isinstance(v, str) for v in out), dtype=bool, count=len(out))
    if is_text.any():
        try:
            texts = pd.Series(out[is_text], dtype="str")
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, so not Arrow text
            texts = pd.Series([xml_safe(v) for v in out[is_text]], dtype="str")
        texts = texts.str.replace(XML_ILLEGAL, "\ufffd", regex=True).str.slice(0, _CELL_MAX)
        out[is_text] = texts.to_numpy(dtype=object)
    return out


def text_cells(values: pd.Series) -> pa.Array | np.ndarray:
    """`text_column` for a column of text (Arrow text, or categories that are all text),
    kept as Arrow text: the rows writer reads it without a Python object per cell. Other
    columns go through `text_column`."""
    arr = _arrow_text(values)
    return text_column(values) if arr is None else _clean_text(arr)


def _arrow_text(values: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array, or None when its values are not all text."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories.tolist()
        if not all(isinstance(c, str) for c in categories):
            return None
        codes = values.cat.codes.to_numpy()
        return pa.array(categories, pa.string()).take(pa.array(codes, mask=codes < 0))
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        try:
            return arrow(values).combine_chunks().cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowCapacityError):  # over 2 GB of text
            return None
    return None


def _clean_text(arr: pa.Array) -> pa.Array:
    """What `text_column` does to text, on the rows that need it: characters XML cannot
    hold replaced, values cut to Excel's limit."""
    bad = pc.fill_null(pc.match_substring_regex(arr, XML_ILLEGAL), False)
    if pc.any(bad).as_py():
        fixed = pc.replace_substring_regex(arr.filter(bad), XML_ILLEGAL, "\ufffd")
        arr = pc.replace_with_mask(arr, bad, fixed)
    # a value of at most _CELL_MAX bytes has at most _CELL_MAX characters
    long = pc.fill_null(pc.greater(pc.binary_length(arr), _CELL_MAX), False)
    if pc.any(long).as_py():
        cut = pc.utf8_slice_codeunits(arr.filter(long), 0, _CELL_MAX)
        arr = pc.replace_with_mask(arr, long, cut)
    return arr


def safe_cell(ws: WriteOnlyWorksheet, value: object) -> object:
    """One cell of text from names or data the user chose: legal XML, cut to Excel's limit,
    never a formula (a quote-prefixed text cell instead)."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)[:_CELL_MAX]
    return _as_text_cell(ws, value) if is_formula_like(value) else value


def _styled_cell(ws: WriteOnlyWorksheet, value: object) -> Cell:
    """`safe_cell` as a cell object, to be styled."""
    cell = safe_cell(ws, value)
    return cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)


def _as_text_cell(ws: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    # openpyxl reads "=..." as a formula; a string cell with a quote prefix stays text, in
    # this file and when someone edits it in Excel.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _sheet(
    wb: Workbook, title: str, headers: Sequence[str], widths: Sequence[float], rows: int
) -> WriteOnlyWorksheet:
    """A sheet with a frozen, filtered, styled header row (widths must precede the rows)."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{rows + 1}"
    ws.append(_header_cells(ws, headers))
    return ws


def _header_cells(ws: WriteOnlyWorksheet, labels: Sequence[str]) -> list[WriteOnlyCell]:
    """A header row's cells: bold on the header fill. Labels may be a source's own headers,
    so they are made legal XML and never a formula, as data cells are."""
    cells = []
    for label in labels:
        cell = _styled_cell(ws, label)
        cell.font = _HEAD_FONT
        cell.fill = _HEAD_FILL
        cells.append(cell)
    return cells


def _write_rows(
    ws: WriteOnlyWorksheet,
    columns: Sequence[np.ndarray | pa.Array],
    rows: RowWriter,
    severity: int | None = None,
) -> None:
    """Rows column-wise: risky text becomes text cells (quote prefix), the severity column
    is coloured. Written by `rows` after the workbook is saved (see xlsx_rows)."""
    if not columns or not len(columns[0]):
        return
    styles: dict[str, tuple[Font | None, PatternFill | None, bool]] = {
        "quote": (None, None, True)
    }
    coloured = {}
    if severity is not None:
        styles.update({sev: (_SEV_FONT[sev], _SEV_FILL[sev], False) for sev in _SEV_FILL})
        coloured[severity] = {sev: sev for sev in _SEV_FILL}
    rows.defer(ws, columns, styles, coloured)


def _decision(ws: WriteOnlyWorksheet, column: int, rows: int, choices: Sequence[str]) -> None:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Decision",
        error="Choose " + " or ".join(choices) + " (or leave it empty).",
    )
    letter = get_column_letter(column)
    dv.add(f"{letter}2:{letter}{max(rows, 1) + 1}")
    ws.data_validations.append(dv)


def finding_ids(findings: pd.DataFrame) -> pd.Series:
    """f"{code}|{source}|{pos}|{field}": stable within one audit (review.xlsx contract)."""
    parts = [
        findings["code"].astype("str"),
        findings["source"].astype("str"),
        findings["pos"].astype("int64").astype("str"),
        findings["field"].astype("str").fillna(""),
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out


def ordered_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then by code, source and row."""
    sev = findings["severity"].map({s: i for i, s in enumerate(SEVERITIES)}).fillna(9)
    order = np.lexsort(
        (
            findings["pos"].to_numpy(),
            _sort_key(findings["source"]),
            _sort_key(findings["code"]),
            sev.to_numpy(),
        )
    )
    return findings.iloc[order]


def _sort_key(values: pd.Series) -> np.ndarray:
    """What sorts like the values as text: a categorical's codes when its categories are
    sorted and no value is missing (no million Python strings compared), else the text."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if values.cat.categories.is_monotonic_increasing:
            codes = values.cat.codes.to_numpy()
            if len(codes) and codes.min() >= 0:
                return codes
    return values.astype(str).to_numpy()


def _findings_sheet(wb: Workbook, audit: Audit, options: ReportOptions, rows: RowWriter) -> int:
    frame = ordered_findings(audit.findings).head(options.xlsx_max_findings)
    if options.redact:
        frame = redact_findings(frame, audit.sources)
    n = len(frame)
    ws = _sheet(
        wb, "Findings", FINDING_HEADERS, (30, 22, 10, 10, 26, 10, 8, 14, 14, 18, 32, 32, 60, 13), n
    )
    row = frame["row"].astype("Int64")
    columns = [
        text_cells(finding_ids(frame)),
        *(text_cells(frame[c]) for c in ("code", "severity", "source", "file", "sheet")),
        objects(row),
        *(
            text_cells(frame[c])
            for c in ("record_id", "field", "column", "value", "suggestion", "message")
        ),
        np.full(n, None, dtype=object),
    ]
    _write_rows(ws, columns, rows, severity=2)
    _decision(ws, len(FINDING_HEADERS), n, FINDING_DECISIONS)
    return n


def _duplicates_sheet(
    wb: Workbook, audit: Audit, refs: Sequence[ClusterRef], redact: bool, rows: RowWriter
) -> int:
    frame = member_values(refs, audit.sources, SHEET_FIELDS.values(), redact)
    n = len(frame)
    widths = (9, 11, 10, 26, 8, 14, 9, 14, 16, 30, 18, 24, 44, 15)
    ws = _sheet(wb, "Duplicates", DUPLICATE_HEADERS, widths, n)
    columns = [
        frame["cluster"].to_numpy(dtype=object),
        np.round(frame["confidence"].to_numpy(dtype=float), 3).astype(object),
        text_column(frame["source"]),
        text_column(frame["file"]),
        np.array([int(r) if r else None for r in frame["row"].tolist()], dtype=object),
        text_column(frame["record_id"].replace("", None)),
        np.where(frame["survivor"].to_numpy(dtype=bool), "yes", "").astype(object),
        *(text_column(frame[f].replace("", None)) for f in SHEET_FIELDS.values()),
        text_column(frame["evidence"]),
        np.full(n, None, dtype=object),
    ]
    _write_rows(ws, columns, rows)
    _decision(ws, len(DUPLICATE_HEADERS), n, DUPLICATE_DECISIONS)
    return n


def sheet_name(name: str, taken: set[str]) -> str:
    """A legal, unique sheet name: no []:*?/\\ , at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "_", xml_safe(name)).strip("'") or "source"
    base = base[:31]
    candidate, i = base, 2
    while candidate.casefold() in taken:
        suffix = f" ({i})"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(candidate.casefold())
    return candidate


def _source_rows(
    audit: Audit, name: str, rows: int, refs: Sequence[ClusterRef], cap: int
) -> np.ndarray:
    """Positions the source's sheet lists: all rows, or for a big source the flagged ones."""
    if rows <= cap:
        return np.arange(rows, dtype=np.int64)
    f = audit.findings
    pos = f.loc[(f["source"] == name) & (f["pos"] >= 0), "pos"].to_numpy(dtype=np.int64)
    dup = np.array([p for r in refs for s, p in r.members if s == name], dtype=np.int64)
    return distinct(np.concatenate([pos, dup]))[:cap]


def codes_per_row(findings: pd.DataFrame, source: str, positions: np.ndarray) -> np.ndarray:
    """For each position, the codes of its findings ("email.missing, phone.invalid"), or None.

    One vectorised pass per code (a handful), not a Python join per row.
    """
    mine = findings[(findings["source"] == source) & (findings["pos"] >= 0)]
    labels = np.full(len(positions), "", dtype=object)
    for code in sorted(mine["code"].astype(str).unique()):
        hit = np.isin(positions, mine.loc[mine["code"] == code, "pos"].to_numpy(dtype=np.int64))
        labels[hit] = np.where(labels[hit] == "", code, labels[hit] + ", " + code)
    labels[labels == ""] = None
    return labels


def _source_sheet(
    wb: Workbook,
    audit: Audit,
    index: int,
    title: str,
    refs: Sequence[ClusterRef],
    options: ReportOptions,
    rows: RowWriter,
) -> None:
    src = audit.sources[index]
    cap = source_sheet_rows(options, src.rows, len(src.data.columns))
    positions = _source_rows(audit, src.name, src.rows, refs, cap)
    labels = codes_per_row(audit.findings, src.name, positions)
    multi_file = len(src.files) > 1
    own = ["Row", *(["File"] if multi_file else []), "Findings"]
    # The loader refuses more columns than a sheet holds; the sheet's own few come first.
    shown = list(src.data.columns)[: MAX_COLUMNS - len(own)]
    headers = [*own, *map(str, shown)]
    widths = [8, *([30] if multi_file else []), 28, *([16] * len(shown))]
    ws = _sheet(wb, title, headers, widths, len(positions))
    fields = {c: f for c, f in src.columns.items()}
    row_numbers = src.provenance["row"].to_numpy(dtype=np.int64)[positions]
    columns: list[np.ndarray | pa.Array] = [row_numbers.astype(object)]
    if multi_file:
        columns.append(text_cells(src.provenance["file"].iloc[positions]))
    columns.append(labels)
    for col in shown:
        values = src.data[col].iloc[positions].reset_index(drop=True)
        if options.redact:
            values = mask_series(values, fields.get(col))
        columns.append(text_cells(values))
    _write_rows(ws, columns, rows)


def _summary_sheet(wb: Workbook, audit: Audit, options: ReportOptions, notes: list[str]) -> None:
    ws = wb.create_sheet("Summary")
    for letter, width in zip("ABCDEF", (34, 14, 12, 12, 12, 70), strict=True):
        ws.column_dimensions[letter].width = width
    s = audit.score

    def t(value: str) -> object:
        """Summary text from names the user chose: legal XML, never a formula."""
        return safe_cell(ws, value)

    def head(*labels: str) -> None:
        ws.append(_header_cells(ws, labels))

    # Readiness first, as every output opens: the score alone read as "ready" to people.
    title = WriteOnlyCell(ws, xml_safe(f"Contact data audit: {headline(audit)}"))
    title.font = _TITLE_FONT
    ws.append([title])
    ws.append([f"{audit.generated_at:%Y-%m-%d %H:%M} UTC, crm-hygiene {__version__}"])
    ws.append([])
    first = fix_first(audit)
    if first:
        head("Fix first", "Records", "", "", "", "How")
        for item in first:
            ws.append([t(item.title), item.records, None, None, None, t(item.fix)])
        ws.append([])
    head("Dimension", "Score", "Note")
    for d, v in s.dimensions.items():
        why = s.unmeasured.get(d)
        ws.append([d, v, f"not measured: {why}" if why else None])
    ws.append([])
    head("Workflow", "Score", "Ready", "Records", "Blocked", "Blockers")
    for c in workflow_cards(audit):
        blockers = "; ".join(f"{b.records:,}: {b.text}" for b in c.blockers[:5])
        ws.append(
            [t(c.title), c.score, "yes" if c.ready else "no", c.records, c.blocked, t(blockers)]
        )
    ws.append([])
    head("Finding", "Code", "Severity", "Count")
    titles = {r.code: r for r in audit.rules}
    counts = audit.findings.groupby(["code", "severity"]).size().sort_values(ascending=False)
    # grouped by two keys: each label is a (code, severity) pair
    pairs = cast("Iterable[tuple[tuple[object, object], int]]", counts.items())
    for (code, sev), n in pairs:
        rule = titles.get(str(code))
        ws.append([t(rule.title if rule else str(code)), t(str(code)), str(sev), int(n)])
    ws.append([])
    head("Source", "Platform", "Kind", "Rows", "Files")
    for src in audit.sources:
        ws.append(
            [t(src.name), src.platform, audit.kinds[src.name], src.rows, t(", ".join(src.files))]
        )
    ws.append([])
    head("Notes")
    for note in notes:
        cell = _styled_cell(ws, note)
        cell.alignment = _WRAP
        ws.append([cell])


def write_xlsx(audit: Audit, path: Path, options: ReportOptions | None = None) -> Path:
    """Write review.xlsx (atomically, readable by its owner only)."""
    options = options or ReportOptions()
    refs = cluster_refs(audit)
    wb = Workbook(write_only=True)
    notes = [
        "Findings: empty leaves it to hygiene clean, which applies only the fixes its rules "
        "are sure of; 'accept fix' also applies a suggestion it was not sure of; 'reject fix' "
        "keeps the value as it is. Duplicates: set Decision to 'keep separate' for members "
        "that are different people (empty means merge). Then run hygiene clean --review "
        "review.xlsx.",
    ]
    # The summary comes first in the workbook but its notes depend on the other sheets;
    # write-only sheets cannot be revisited, so the notes are worked out before writing.
    total = len(audit.findings)
    if total > options.xlsx_max_findings:
        notes.append(
            f"Findings lists the first {options.xlsx_max_findings:,} of {total:,} findings "
            "(errors first); audit.json holds them all."
        )
    taken = {r.casefold() for r in RESERVED}
    titles = [sheet_name(s.name, taken) for s in audit.sources]
    for s in audit.sources:
        cap = source_sheet_rows(options, s.rows, len(s.data.columns))
        if s.rows > cap:
            notes.append(
                f"Sheet of {s.name}: {s.rows:,} rows of {len(s.data.columns):,} columns is "
                f"more than the {cap:,} rows (at most {options.xlsx_source_cells:,} cells) a "
                "sheet lists, so it lists only the rows with findings or duplicates."
            )
    if options.redact:
        notes.append("Emails, phone numbers and names are masked (--redact).")
    rows = RowWriter()
    _summary_sheet(wb, audit, options, notes)
    _findings_sheet(wb, audit, options, rows)
    _duplicates_sheet(wb, audit, refs, options.redact, rows)
    for i, title in enumerate(titles):
        _source_sheet(wb, audit, i, title, refs, options, rows)
    try:
        with atomic_path(path) as tmp:
            wb.save(tmp)
            rows.finish(Path(tmp))
    except BaseException:
        _discard(wb)
        raise
    return path


def _discard(wb: Workbook) -> None:
    """Close the sheets of a workbook that was not saved: their row writers are open
    generators, and left to the garbage collector each prints an "Exception ignored"
    traceback on stderr."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()
