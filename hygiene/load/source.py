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
from ..normalize.dates import date_order
from ..runtime import parallel_map
from ..words import counted
from .archive import is_workbook_zip, read_zip, status_from_content, status_from_name
from .codes import loader_record
from .csvread import read_csv_bytes
from .excel import PASSWORD_PROTECTED, read_workbook
from .inputs import HEAD, Input, open_input, shown_name
from .joined import warn_mixed_headers
from .limits import Read, check_memory
from .mapping import map_columns
from .presets import GENERIC, detect_platform
from .prose import prose_header
from .sniff import EMPTY, sniff_kind
from .spec import SourceSpec
from .table import Table, repeat_text

#: The column added to Mailchimp member files whose name tells the status (see archive.py).
STATUS_COLUMN = "Member Status"
#: A detected platform at or above this confidence is taken as told (an export lacking its
#: email column is then the user's choice); below it, a missing email column is reported.
SURE_PLATFORM = 0.8


def load_sources(specs: Sequence[SourceSpec], serial: bool = False) -> list[Source]:
    """Load every spec; one thread per source (reading is mostly pyarrow and zlib, which
    release the GIL). The first failing spec, in order, raises; so does an estimated memory
    past what the bytes read allow (`hygiene.load.limits`), before any step that grows with
    records."""
    if serial:
        sources = [load_source(spec) for spec in specs]
    else:
        sources = parallel_map(load_source, specs, len(specs))
    check_memory([Read(s.rows, s.bytes_read, s.paths, len(s.data.columns)) for s in sources])
    return sources


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
        if not spec.columns and not spec.platform:
            _refuse_prose(path, found)
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
    check_override_columns(spec.name, headers, spec.columns)
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
        bytes_read=sum(t.bytes_read for t in tables),
    )
    source.date_orders, undecided = _date_orders(source, spec.date_order)
    notes = [f for f in (_ragged_findings(source, tables, offsets),
                         _unclosed_quote_findings(source, tables, offsets),
                         unrecognised_finding(source),
                         undecided_dates(source, undecided)) if f is not None]
    source.load_findings = pd.concat(notes, ignore_index=True) if notes else None
    return source


#: Canonical fields holding dates (read by hygiene.normalize.parse_dates).
DATE_FIELDS = ("birth_date", "consent_date", "double_opt_in_date", "unsubscribed_at",
               "created_at", "updated_at", "last_activity_at", "last_order_at")


def _date_orders(source: Source, given: str | None) -> tuple[dict[str, str], list[str]]:
    """Column -> "dmy" / "mdy" for the mapped date columns, and the columns whose numeric
    dates could be either (no day above 12 on either side) with no order given: these are
    read month first, and said so."""
    found = {column: date_order(source.data[column])
             for column, fld in source.columns.items() if fld in DATE_FIELDS}
    return settle_date_orders(found, given)


def settle_date_orders(
    found: Mapping[str, str | None], given: str | None
) -> tuple[dict[str, str], list[str]]:
    """Each date column's order from what its values showed (`date_order`: "dmy", "mdy",
    "ambiguous", or None for no numeric dates) and the order given (`--date-order`): the
    given one wins on every column with numeric dates; without it, an ambiguous column is
    undecided (read month first, and said so)."""
    orders: dict[str, str] = {}
    undecided: list[str] = []
    for column, order in found.items():
        if order is None:
            continue
        if given is not None:
            orders[column] = given
        elif order == "ambiguous":
            undecided.append(column)
        else:
            orders[column] = order
    return orders, undecided


def undecided_dates(source: Source, columns: Sequence[str]) -> pd.DataFrame | None:
    """One `date.ambiguous_order` warning per date column that could be day first or month
    first (`settle_date_orders`'s undecided columns); None when there is none. Both engines
    report it so."""
    if not columns:
        return None
    files = source.files
    records = [
        loader_record(
            "date.ambiguous_order", source=source.name,
            file=files[0] if len(files) == 1 else None,
            field=source.columns[column], column=column,
        )
        for column in columns
    ]
    return pd.DataFrame.from_records(records, columns=list(FINDING_COLUMNS)).astype(object)


def unrecognised_finding(source: Source) -> pd.DataFrame | None:
    """The `file.unrecognised` warning (both engines) when the platform cannot be told
    (generic, or only a weak guess) and no column holds the email address: the audit would
    otherwise run without any email check and say nothing."""
    guessed = source.platform != GENERIC and source.platform_confidence < SURE_PLATFORM
    if source.platform != GENERIC and not guessed:
        return None
    if "email" in source.columns.values() or not source.rows:
        return None
    headers = [str(c) for c in source.data.columns]
    shown = ", ".join(repr(h) for h in headers[:15]) + (", ..." if len(headers) > 15 else "")
    example = headers[0] if headers else "COLUMN"
    which = (
        f"which platform exported {source.name} (it looks most like {source.platform}, "
        f"{source.platform_confidence:.0%})" if guessed
        else f"which platform exported {source.name}"
    )
    files = source.files
    record = loader_record(
        "file.unrecognised", which=which, shown=shown, example=example, source=source.name,
        file=files[0] if len(files) == 1 else None, field="email",
    )
    return pd.DataFrame.from_records([record], columns=list(FINDING_COLUMNS)).astype(object)


def _refuse_prose(path: Path, tables: Sequence[Table]) -> None:
    """A file whose header row is sentences (a notes file) is no export: one line, exit 2,
    rather than an audit of "columns" named after sentences."""
    for table in tables:
        headers = [str(c) for c in table.data.columns]
        if prose_header(headers):
            first = headers[0].strip()
            shown = first if len(first) <= 50 else first[:50].rstrip() + "..."
            where = f"{path}#{table.sheet}" if table.sheet else path
            raise InputError(
                where,
                f"reads as text, not a table of contacts: its first line is a sentence "
                f"({shown!r}), not column names",
                "export the contacts as CSV or XLSX with a header row (Email, First Name, "
                "...), or name a column with --map NAME:COLUMN=FIELD to audit it anyway",
            )


def split_sheet(raw: str) -> tuple[Path, str | None]:
    """`book.xlsx#Sheet` -> (book.xlsx, "Sheet"); a path that exists as written keeps its "#"."""
    path = Path(raw).expanduser()
    if "#" in raw and not path.exists():
        base, sheet = raw.rsplit("#", 1)
        return Path(base).expanduser(), sheet
    return path, None


def read_path(path: Path, sheet: str | None = None) -> tuple[str, list[Table]]:
    """The tables of one file and the kind it was read as ("csv", "workbook", "zip").

    The path is opened once (`open_input`): a pipe or standard input is read whole.
    """
    opened = open_input(path)
    try:
        kind, tables = _read_opened(opened, sheet)
    finally:
        opened.close()
    # Each file alone first, before joining and mapping grow with its records.
    check_memory([Read(sum(len(t.data) for t in tables), sum(t.bytes_read for t in tables),
                       [path], max((len(t.data.columns) for t in tables), default=1))])  # fmt: skip
    return kind, tables


def _read_opened(opened: Input, sheet: str | None) -> tuple[str, list[Table]]:
    path, head = opened.path, opened.head
    if not head.strip() and len(head) < HEAD:
        raise InputError(path, *EMPTY)
    kind = sniff_kind(path, head)
    if kind == "encrypted":
        raise InputError(path, *PASSWORD_PROTECTED)
    if kind == "zip" and not is_workbook_zip(opened.file()):
        if sheet is not None:
            raise InputError(f"{path}#{sheet}", "a ZIP archive has no sheets", "drop the '#' part")
        return "zip", read_zip(path, source=opened.file())
    if kind in ("zip", "workbook"):
        fh = opened.file()
        sheets = read_workbook(path, sheet, shown_name(path), source=fh)
        if sheets:
            sheets[0].bytes_read = fh.seek(0, 2)
        return "workbook", sheets
    if sheet is not None:
        raise InputError(
            f"{path}#{sheet}", "only a workbook has sheets", "drop the '#' part for a CSV file"
        )
    data = opened.read_all()
    table = read_csv_bytes(data, shown_name(path), path)
    table.bytes_read = len(data)
    return "csv", [table]


#: Fields that already say whether a row may be mailed: a file mapping one keeps its own word.
_STATE_FIELDS = frozenset({"email_status", "unsubscribed", "consent", "marketable"})


def _add_member_status(tables: list[Table]) -> bool:
    """Add "Member Status" to member files whose content or name tells it and that have no
    status column of their own: UNSUB_TIME / CLEAN_TIME set on a row say unsubscribed / cleaned
    whatever the file is called; otherwise a status word in the file name counts."""
    added = False
    for table in tables:
        headers = list(table.data.columns)
        if STATUS_COLUMN in headers:
            continue
        mapped, _ = map_columns(headers, "mailchimp")
        if "email_status" in mapped.values():
            continue
        named = status_from_name(table.file) if table.sheet is None else None
        if named is not None:
            own, _ = map_columns(headers, detect_platform(headers)[0])
            if _STATE_FIELDS & set(own.values()):
                named = None  # e.g. a HubSpot file called "unsubscribed.csv" says it per row
        content = status_from_content(table.data)
        if content is not None and not content.notna().any():
            content = None
        if content is None and named is None:
            continue
        n = len(table.data)
        if content is None:
            table.data[STATUS_COLUMN] = repeat_text(named, n)
        else:
            if named is not None:
                content = content.fillna(named)
            table.data[STATUS_COLUMN] = content.astype(TEXT)
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
    # A file name (and sheet) repeated on every row: one byte a row as a categorical.
    provenance = provenance.astype({"file": "category", "sheet": "category"})
    provenance.index = data.index
    return data, provenance, offsets


def check_override_columns(name: str, headers: Sequence[str], columns: Mapping[str, str]) -> None:
    """Refuse a `--map` naming a column the source does not have (headers compared loosely:
    case and surrounding white space), with one line listing its columns; both engines call
    it before mapping."""
    loose = {h.strip().casefold() for h in headers}
    for column in columns:
        if column not in headers and column.strip().casefold() not in loose:
            shown = ", ".join(repr(h) for h in headers[:12])
            shown += ", ..." if len(headers) > 12 else ""
            raise ConfigError(
                f"--map {name}:{column}: source {name!r} has no column {column!r}; "
                f"its columns are: {shown}"
            )


def _unclosed_quote_findings(
    source: Source, tables: Sequence[Table], offsets: Sequence[int]
) -> pd.DataFrame | None:
    """One "file.unclosed_quote" error on the record whose quoted value never closes."""
    records = []
    ids = source.record_ids()
    for table, offset in zip(tables, offsets, strict=True):
        if table.unclosed_quote is None:
            continue
        row, line = table.unclosed_quote
        rid = ids.iat[offset + row - 1]
        records.append(loader_record(
            "file.unclosed_quote", source=source.name, file=table.file, sheet=table.sheet,
            row=row, record_id=None if pd.isna(rid) else str(rid),  # type: ignore[arg-type]
            line=line,
        ))
    if not records:
        return None
    return pd.DataFrame.from_records(records, columns=list(FINDING_COLUMNS)).astype(object)


def _ragged_findings(
    source: Source, tables: Sequence[Table], offsets: Sequence[int]
) -> pd.DataFrame | None:
    """One "file.ragged_row" warning per record whose cell count differs from the header's."""
    records = []
    ids = source.record_ids()
    for table, offset in zip(tables, offsets, strict=True):
        for row, cells in table.ragged:
            rid = ids.iat[offset + row - 1]
            records.append(loader_record(
                "file.ragged_row", source=source.name, file=table.file, sheet=table.sheet,
                # pd.isna takes any scalar; pandas-stubs 3.1 leaves Period/Interval out of
                # the scalar overload though `.iat` can return them
                row=row, record_id=None if pd.isna(rid) else str(rid),  # type: ignore[arg-type]
                cells=counted(cells, "cell"), header_width=table.header_width,
            ))
    if not records:
        return None
    return pd.DataFrame.from_records(records, columns=list(FINDING_COLUMNS)).astype(object)
