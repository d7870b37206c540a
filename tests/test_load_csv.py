"""Reading delimited text: encodings, delimiters, quoting, ragged rows, headers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hygiene.load import SourceSpec, load_source
from hygiene.model import FINDING_COLUMNS, Source
from hygiene.normalize.base import TEXT

HEADER = ["Email", "First Name", "Last Name", "Postal Code", "Phone", "Company"]
ROWS = [
    ["zoe@example.com", "Zoë", "Müller", "02134", "007", "Acme, Inc."],
    ["jose@example.es", "José", "Peña", "", "+34 600 000 001", "Peña; Hijos"],
    ["ann@example.com", "Ann", "O'Brien", "94105", "", "Globex | EU"],
]


def write_delimited(path: Path, rows: list[list[str]], delim: str, encoding: str) -> Path:
    """A file as an export tool writes it: cells holding the delimiter or quotes are quoted."""

    def cell(v: str) -> str:
        if any(ch in v for ch in (delim, '"', "\n", ",", ";", "|", "\t")):
            return '"' + v.replace('"', '""') + '"'
        return v

    text = "\r\n".join(delim.join(cell(v) for v in r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def load(path: Path | str, name: str = "src") -> Source:
    return load_source(SourceSpec(name=name, paths=(str(path),)))


def cells(df: pd.DataFrame) -> list[list[str | None]]:
    return [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]


def expected_cells(rows: list[list[str]]) -> list[list[str | None]]:
    return [[v if v != "" else None for v in r] for r in rows]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
)
@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_every_encoding_and_delimiter_reads_the_same_cells(
    tmp_path: Path, encoding: Any, delim: Any
) -> None:
    # "utf-16-le"/"-be" write no BOM; "utf-16" writes one.
    path = write_delimited(tmp_path / "contacts.csv", [HEADER, *ROWS], delim, encoding)
    src = load(path)
    assert list(src.data.columns) == HEADER
    assert cells(src.data) == expected_cells(ROWS)
    assert all(src.data[c].dtype == TEXT for c in src.data.columns)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_ascii_only_utf16_without_a_bom(tmp_path: Path, encoding: str) -> None:
    """UTF-16 text of ASCII letters only is ASCII bytes with a NUL between each (so it passed
    the UTF-8 fast path and read as "E\\x00m\\x00a..."): found on a hand-made export."""
    rows = [["Email", "First Name"], ["ann@example.com", "Ann"], ["bo@example.com", "Bo"]]
    path = write_delimited(tmp_path / "contacts.csv", rows, ",", encoding)
    src = load(path)
    assert list(src.data.columns) == ["Email", "First Name"]
    assert cells(src.data) == [["ann@example.com", "Ann"], ["bo@example.com", "Bo"]]


def test_cp1252_only_characters_decode(tmp_path: Path) -> None:
    rows = [["Email", "Note"], ["rene@example.fr", "“Smart” quotes – €5 … Œuvre"]]
    src = load(write_delimited(tmp_path / "legacy.csv", rows, ",", "cp1252"))
    assert src.data.loc[0, "Note"] == "“Smart” quotes – €5 … Œuvre"


def test_bom_and_whitespace_are_trimmed_from_headers(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff Email ,\tFirst Name\nann@x.com,Ann\n".encode())
    assert list(load(path).data.columns) == ["Email", "First Name"]


def test_quoted_multiline_cells_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        'Email,Street,City\n\nann@x.com,"12 Main St\nApt 4",Boston\n\n\n'
        'bo@x.com,"1 ""Quoted"" Rd",Leeds\n',
        encoding="utf-8",
    )
    src = load(path)
    assert cells(src.data) == [
        ["ann@x.com", "12 Main St\nApt 4", "Boston"],
        ["bo@x.com", '1 "Quoted" Rd', "Leeds"],
    ]
    assert src.provenance["row"].tolist() == [1, 2]
    assert src.load_findings is None


@pytest.mark.parametrize(
    "text",
    [
        # Excel saves a formatted but empty row as a line of delimiters
        "Email,First Name,City\nann@x.com,Ann,Boston\n,,\nbo@x.com,Bo,Leeds\n,,\n",
        "Email;First Name;City\r\nann@x.com;Ann;Boston\r\n;;\r\n\r\nbo@x.com;Bo;Leeds\r\n",
        # in the ragged path too (a later row has an extra cell)
        "Email,First Name,City\nann@x.com,Ann,Boston\n,,\nbo@x.com,Bo,Leeds,extra\n",
    ],
)
def test_a_line_of_empty_cells_is_no_record(tmp_path: Path, text: str) -> None:
    """A line of delimiters only is a blank line: no record, as an empty row of a workbook
    is none (the same sheet as XLSX and as CSV gives the same records and row numbers).
    It was a record: email.missing and contact.unreachable on nobody, and an empty row in
    the file `hygiene clean` writes for import (found on a hand-made HubSpot export)."""
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    src = load(path)
    assert [r[0] for r in cells(src.data)] == ["ann@x.com", "bo@x.com"]
    assert src.provenance["row"].tolist() == [1, 2]
    ragged = src.load_findings
    if ragged is not None:
        assert ragged["row"].tolist() == [2]


def test_leading_zeros_and_null_like_text_survive(tmp_path: Path) -> None:
    path = tmp_path / "zeros.csv"
    path.write_text("Zip,Phone,Country,Note\n02134,007,NA,NULL\n00501,0044 20 7946 0958,N/A,\n")
    src = load(path)
    assert cells(src.data) == [
        ["02134", "007", "NA", "NULL"],
        ["00501", "0044 20 7946 0958", "N/A", None],
    ]


def test_ragged_rows_are_kept_padded_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "Email,First Name,Last Name\n"
        "ann@x.com,Ann,Lee\n"
        "bo@x.com,Bo\n"  # short
        "\n"  # blank: not a record, not counted
        "cy@x.com,Cy,Ng,extra one,extra two\n"  # long
        "di@x.com,Di,Po,\n"  # trailing empty cell: nothing lost, not ragged
    )
    src = load(path, name="crm")
    assert list(src.data.columns) == ["Email", "First Name", "Last Name", "_extra_1", "_extra_2"]
    assert cells(src.data) == [
        ["ann@x.com", "Ann", "Lee", None, None],
        ["bo@x.com", "Bo", None, None, None],
        ["cy@x.com", "Cy", "Ng", "extra one", "extra two"],
        ["di@x.com", "Di", "Po", None, None],
    ]
    f = src.load_findings
    assert f is not None and list(f.columns) == list(FINDING_COLUMNS)
    assert f[["code", "severity", "dimension", "source", "file", "row"]].values.tolist() == [
        ["file.ragged_row", "warning", "validity", "crm", "ragged.csv", 2],
        ["file.ragged_row", "warning", "validity", "crm", "ragged.csv", 3],
    ]
    assert f["message"].tolist() == [
        "Row has 2 cells, the header has 3",
        "Row has 5 cells, the header has 3",
    ]
    # The finding's row is the provenance row of the same record.
    assert src.provenance["row"].tolist() == [1, 2, 3, 4]


def test_ragged_finding_carries_the_record_id(tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text("Record ID,Email,Lifecycle Stage\n501,a@x.com,lead\n502,b@x.com\n")
    f = load(path).load_findings
    assert f is not None and f["record_id"].tolist() == ["502"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Email,Email,Name", ["Email", "Email (2)", "Name"]),
        ("Email,,Name,", ["Email", "Column 2", "Name", "Column 4"]),
        ("Email,email,EMAIL", ["Email", "email (2)", "EMAIL (3)"]),
        ("Email (2),Email,Email", ["Email (2)", "Email", "Email (3)"]),
    ],
)
def test_headers_are_made_unique(tmp_path: Path, header: Any, expected: Any) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text(header + "\n" + ",".join(["x"] * len(expected)) + "\n")
    assert list(load(path).data.columns) == expected


def test_header_only_file_has_columns_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty_export.csv"
    path.write_text("Email,First Name\n")
    src = load(path)
    assert list(src.data.columns) == ["Email", "First Name"] and src.rows == 0
    assert src.columns == {"Email": "email", "First Name": "first_name"}


@pytest.mark.parametrize("name", ["list.tsv", "list.txt", "list.TAB", "noext"])
def test_other_text_extensions(tmp_path: Path, name: Any) -> None:
    path = tmp_path / name
    path.write_text("Email\tZip\nann@x.com\t02134\n")
    assert cells(load(path).data) == [["ann@x.com", "02134"]]


def test_input_file_is_never_written(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "c.csv", [HEADER, *ROWS, ["x@y.z", "A", "B"]], ",", "cp1252")
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    load(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


def test_data_and_provenance_are_aligned_with_a_range_index(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "c.csv", [HEADER, *ROWS], ",", "utf-8")
    src = load(path)
    assert isinstance(src.data.index, pd.RangeIndex)
    assert src.provenance.index.equals(src.data.index)
    assert src.provenance["file"].tolist() == ["c.csv"] * 3
    assert src.provenance["sheet"].isna().all()
    assert src.provenance["row"].tolist() == [1, 2, 3]


TRICKY = [
    # multi-line ragged record, whitespace-only line, trailing empty extras, quoted extras
    'Email,Name,City\na@x.com,Ann,Oslo\n"b@x.com","Bo\nBo",Rome,"x, y"\n   \nc@x.com,Cy\n'
    "d@x.com,Di,Lima,,\ne@x.com,Ed,Kiev\n",
    # the first and last records ragged, a blank line between
    "Email,Name\na@x.com\nb@x.com,Bo\n\nc@x.com,Cy,extra\n",
    # every record ragged
    "Email;Name;City\na@x.com;Ann\nb@x.com;Bo\n",
    # semicolons with a quoted delimiter inside an extra cell
    'Email;Name\na@x.com;Ann;"1;2";3\nb@x.com;Bo\n',
]


@pytest.mark.parametrize(
    ("data", "columns", "rows"),
    [
        # a quoted line break in the header: the data starts after the whole record
        (b'"Email","\rundefined"\n"p0@d0.io","x"\n', ["Email", "undefined"], [["p0@d0.io", "x"]]),
        (b'"E\nmail",Name\r\na@b.io,Ann\r\n', ["E\nmail", "Name"], [["a@b.io", "Ann"]]),
        # a line of empty cells before the header is not the header, nor a record
        (b",,\nEmail,Name\na@b.io,Ann\n", ["Email", "Name"], [["a@b.io", "Ann"]]),
        (b"Email,Name", ["Email", "Name"], []),
    ],
)
def test_header_spanning_lines_or_after_empty_cells(
    data: bytes, columns: list[str], rows: list[list[str]]
) -> None:
    from hygiene.load.csvread import read_csv_bytes

    table = read_csv_bytes(data, "f.csv", "f.csv")
    assert list(table.data.columns) == columns
    assert table.data.astype(object).values.tolist() == rows


@pytest.mark.parametrize("text", TRICKY)
def test_ragged_splice_matches_the_plain_csv_module(text: str) -> None:
    from hygiene.load.csvread import _header, _read_python, read_csv_bytes
    from hygiene.load.sniff import detect_delimiter
    from hygiene.load.table import clean_headers

    fast = read_csv_bytes(text.encode(), "f.csv", "f.csv")
    delim = detect_delimiter(text)
    header, end = _header(text.encode(), 0, delim)
    names = clean_headers(header)
    slow = _read_python(text.encode()[end:].decode(), names, delim, "f.csv", "f.csv")
    pd.testing.assert_frame_equal(fast.data, slow.data)
    assert fast.ragged == slow.ragged and fast.ragged


def test_unterminated_quote_is_read_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "broken_quote.csv"
    path.write_text('Email,Note\na@x.com,"never closed\nb@x.com,fine\n')
    src = load(path)
    # Python's csv module, the last resort, reads the rest of the file into the open cell.
    assert cells(src.data) == [["a@x.com", "never closed\nb@x.com,fine\n"]]


@pytest.mark.parametrize(
    "text,row,line",
    [
        # A company name typed with one quote ("ACME 5 Screens) in an export that quotes
        # only where needed (a European Excel's save): the six contacts after it vanish into
        # that one cell. Found on a hand-made export; both parsers read it the same way.
        ("Email,First Name,Company\nu1@acme.com,Ann,Acme\nu2@acme.com,Bo,\"ACME 5 Screens\n"
         "u3@acme.com,Cy,Acme\nu4@acme.com,Di,Acme\n", 2, 3),
        # the same in the ragged path (the open cell is not the last column)
        ("Email;Company;City\r\nu1@acme.com;\"Acme;Paris\r\nu2@acme.com;Acme;Lyon\r\n", 1, 2),
        ('Email,Note\na@x.com,"never closed\nb@x.com,fine\n', 1, 2),
    ],
)
def test_a_quote_that_never_closes_is_a_finding(tmp_path: Path, text: str, row: int,
                                                line: int) -> None:
    """The rows after an unclosed quote are read into its cell (as every CSV parser does),
    never silently: the record gets file.unclosed_quote naming the line it opens on."""
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    src = load(path)
    found = src.load_findings
    assert found is not None
    got = found[found["code"] == "file.unclosed_quote"]
    assert got["row"].tolist() == [row]
    assert got["severity"].tolist() == ["error"]
    assert f"line {line}" in got["message"].iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        'Email,Note\na@x.com,"two\nlines"\nb@x.com,fine\n',
        'Email,Note\na@x.com,"ends on, a quoted\nline"\n',
        'Email,Note\na@x.com,5" screen\nb@x.com,"x"\n',
        'Email,Note\na@x.com,"open on the last line\n',
    ],
)
def test_closed_quotes_and_a_last_line_quote_are_no_finding(tmp_path: Path, text: str) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    found = load(path).load_findings
    assert found is None or "file.unclosed_quote" not in set(found["code"])


@pytest.mark.parametrize(
    "text,delim",
    [
        # found by tests/test_property.py: junk rows of one cell outnumber the real ones,
        # and a quoted cell holds a CR; the header still says ";"
        ('Email;First Name;Last Name\r\n\x85\x04\r\n;;"a\rb";;\r\nxyz\r\n', ";"),
        ("Email|Name\r\nonly-one\r\nalso-one\r\nann@x.com|Ann\r\n", "|"),
        # a one-column list with a stray semicolon in one row stays one column
        ("Email\r\nann@x.com\r\nbo@x.com\r\nodd;value\r\n", ","),
    ],
)
def test_delimiter_of_a_short_ragged_sample(text: str, delim: str) -> None:
    from hygiene.load.sniff import detect_delimiter

    assert detect_delimiter(text) == delim


def test_a_header_split_by_commas_beats_semicolons_in_junk_cells(tmp_path: Path) -> None:
    """Found by the property suite: ";" splits every data row the same way (and a quoted
    cell with a line break, read as unquoted, into two), but leaves the header whole."""
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        b"Email,First Name,Last Name,Phone Number\r\n"
        b',;QR,"x\ry",,\x7fY;z\r\n'
        b",;QR\r\n"
    )
    src = load_source(SourceSpec(name="crm", paths=(str(path),)))
    assert src.rows == 2
    assert list(src.data.columns[:4]) == ["Email", "First Name", "Last Name", "Phone Number"]
    assert src.data.iloc[0, 2] == "x\ry"
