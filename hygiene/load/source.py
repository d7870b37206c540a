"""Load a `SourceSpec` into a `Source`: read every file, join them, detect, map, report.

Files are only ever opened for reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError
from ..model import FINDING_COLUMNS, Source
from ..normalize.base import TEXT
from ..runtime import parallel_map
from .archive import is_workbook_zip, read_zip, status_from_name
from .csvread import read_csv_bytes
from .excel import PASSWORD_PROTECTED, read_workbook
from .joined import warn_mixed_headers
from .mapping import map_columns
from .presets import GENERIC, detect_platform
from .sniff import EMPTY, sniff_kind
from .spec import SourceSpec
from .table import Table, repeat_text

#: The column added to Mailchimp member files whose name tells the status (see archive.py).
STATUS_COLUMN = "Member Status"
_HEAD = 8192
_PERMISSIONS = "check the file's permissions"


def load_sources(specs: Sequence[SourceSpec], serial: bool = False) -> list[Source]:
    """Load every spec; one thread per source (reading is mostly pyarrow and zlib, which
    release the GIL). The first failing spec, in order, raises."""
    if serial:
        return [load_source(spec) for spec in specs]
    return parallel_map(load_source, specs, len(specs))


def load_source(spec: SourceSpec) -> Source:
    """Read, join, detect the platform of, and map the columns of one source."""
    if not spec.paths:
        raise ConfigError(f"source {spec.name!r} has no files")
    tables: list[Table] = []
    paths: list[Path] = []
    from_zip = False
    file_headers: list[tuple[str, list[str]]] = []
    for raw in spec.paths:
        path, sheet = split_sheet(raw)
        kind, found = read_path(path, sheet)
        tables.extend(found)
        paths.append(path)
        from_zip = from_zip or kind == "zip"
        file_headers.append((path.name, [c for t in found for c in t.data.columns]))
    warn_mixed_headers(spec.name, file_headers)
    added = _add_member_status(tables)
    data, provenance, offsets = _join(tables)
    headers = list(data.columns)

    if spec.platform:
        platform, platform_conf = spec.platform, 1.0
    else:
        platform, platform_conf = detect_platform(headers)
        if from_zip and platform == GENERIC:
            # An audience ZIP is Mailchimp's format even when its merge fields are custom.
            platform, platform_conf = "mailchimp", 0.5
    overrides = dict(spec.columns)
    if added and STATUS_COLUMN not in overrides:
        overrides[STATUS_COLUMN] = "email_status"
    _check_override_columns(spec.name, headers, spec.columns)
    columns, confidence = map_columns(headers, platform, overrides)

    source = Source(
        name=spec.name,
        platform=platform,
        data=data,
        provenance=provenance,
        columns=columns,
        confidence=confidence,
        paths=paths,
        platform_confidence=platform_conf,
    )
    source.load_findings = _ragged_findings(source, tables, offsets)
    return source


def split_sheet(raw: str) -> tuple[Path, str | None]:
    """`book.xlsx#Sheet` -> (book.xlsx, "Sheet"); a path that exists as written keeps its "#"."""
    path = Path(raw).expanduser()
    if "#" in raw and not path.exists():
        base, sheet = raw.rsplit("#", 1)
        return Path(base).expanduser(), sheet
    return path, None


def read_path(path: Path, sheet: str | None = None) -> tuple[str, list[Table]]:
    """The tables of one file and the kind it was read as ("csv", "workbook", "zip")."""
    if not path.exists():
        raise InputError(path, "file not found", "check the path and the file name")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file", "give the export file inside it")
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})", _PERMISSIONS) from exc
    if not head.strip() and path.stat().st_size <= len(head):
        raise InputError(path, *EMPTY)
    kind = sniff_kind(path, head)
    if kind == "encrypted":
        raise InputError(path, *PASSWORD_PROTECTED)
    if kind == "zip" and not is_workbook_zip(path):
        if sheet is not None:
            raise InputError(f"{path}#{sheet}", "a ZIP archive has no sheets", "drop the '#' part")
        return "zip", read_zip(path)
    if kind in ("zip", "workbook"):
        return "workbook", read_workbook(path, sheet, path.name)
    if sheet is not None:
        raise InputError(
            f"{path}#{sheet}", "only a workbook has sheets", "drop the '#' part for a CSV file"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})", _PERMISSIONS) from exc
    return "csv", [read_csv_bytes(data, path.name, path)]


def _add_member_status(tables: list[Table]) -> bool:
    """Add "Member Status" to CSV tables whose file name tells it and that have no status column."""
    added = False
    for table in tables:
        status = status_from_name(table.file) if table.sheet is None else None
        if status is None:
            continue
        mapped, _ = map_columns(list(table.data.columns), "mailchimp")
        if "email_status" in mapped.values():
            continue
        n = len(table.data)
        table.data[STATUS_COLUMN] = repeat_text(status, n)
        added = True
    return added


def _join(tables: Sequence[Table]) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Stack the tables: union of columns in order of first appearance, missing cells NaN."""
    columns: list[str] = list(dict.fromkeys(c for t in tables for c in t.data.columns))
    frames, prov, offsets, offset = [], [], [], 0
    for t in tables:
        n = len(t.data)
        frame = t.data
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            nulls = {c: repeat_text(None, n) for c in missing}
            frame = pd.concat([frame, pd.DataFrame(nulls, index=frame.index)], axis=1)[columns]
        frames.append(frame)
        prov.append(
            pd.DataFrame(
                {
                    "file": repeat_text(t.file, n),
                    "sheet": repeat_text(t.sheet, n),
                    "row": np.arange(1, n + 1, dtype=np.int64),
                }
            )
        )
        offsets.append(offset)
        offset += n
    if len(frames) == 1:
        data, provenance = frames[0], prov[0]
    else:
        data = pd.concat(frames, ignore_index=True)
        provenance = pd.concat(prov, ignore_index=True)
    data = data.astype({c: TEXT for c in data.columns if data[c].dtype != TEXT})
    data.index = pd.RangeIndex(len(data))
    # A file name (and sheet) repeated on every row: one byte a row as a categorical
    # (~70 MB less for 1M + 700k rows).
    provenance = provenance.astype({"file": "category", "sheet": "category"})
    provenance.index = data.index
    return data, provenance, offsets


def _check_override_columns(name: str, headers: Sequence[str], columns: Mapping[str, str]) -> None:
    loose = {h.strip().casefold() for h in headers}
    for column in columns:
        if column not in headers and column.strip().casefold() not in loose:
            shown = ", ".join(repr(h) for h in headers[:12])
            shown += ", ..." if len(headers) > 12 else ""
            raise ConfigError(
                f"--map {name}:{column}: source {name!r} has no column {column!r}; "
                f"its columns are: {shown}"
            )


def _ragged_findings(
    source: Source, tables: Sequence[Table], offsets: Sequence[int]
) -> pd.DataFrame | None:
    """One "file.ragged_row" warning per record whose cell count differs from the header's."""
    records = []
    ids = source.record_ids()
    for table, offset in zip(tables, offsets, strict=True):
        for row, cells in table.ragged:
            rid = ids.iat[offset + row - 1]
            records.append(
                {
                    "code": "file.ragged_row",
                    "severity": "warning",
                    "dimension": "validity",
                    "source": source.name,
                    "file": table.file,
                    "sheet": table.sheet,
                    "row": row,
                    "record_id": None if pd.isna(rid) else str(rid),
                    "field": None,
                    "column": None,
                    "value": None,
                    "suggestion": None,
                    "message": (
                        f"Row has {cells} cell{'' if cells == 1 else 's'}, "
                        f"the header has {table.header_width}"
                    ),
                    "related": None,
                }
            )
    if not records:
        return None
    return pd.DataFrame.from_records(records, columns=list(FINDING_COLUMNS)).astype(object)
