"""Property-based: exports full of random junk never crash the audit, every input row is
accounted for, and every output file parses again."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.errors import HygieneError
from tests.helpers import check_audit_json

HEADERS = [
    "Email",
    "First Name",
    "Last Name",
    "Phone Number",
    "Country/Region",
    "Company Name",
    "Lifecycle Stage",
    "Notes",
]

#: Cells as exports really go wrong: empty, whitespace, unicode, control characters, quotes,
#: delimiters, formula starts, markup, huge numbers, dates, placeholder words.
junk = st.one_of(
    st.just(""),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(
        [
            "N/A",
            "test",
            "=1+1",
            "+SUM(A1)",
            "-2",
            "@cmd",
            "\t",
            "\r",
            '"',
            "'",
            ";",
            ",",
            "\n",
            "<script>alert(1)</script>",
            "ann@gmial.com",
            "ANN@ACME.COM",
            "+1 (415) 555-2671",
            "0044 20 7946 0958",
            "1e309",
            "00123",
            "2024-02-30",
            "United States",
            "usa",
            "Deutschland",
            "MQL",
            "x@",
            "@x",
            "a@b@c",
            "\x00",
            "\u200b",
            "Zoë",
            "李",
            "🙂",
        ]
    ),
)
rows_st = st.lists(st.lists(junk, min_size=0, max_size=len(HEADERS) + 2), min_size=0, max_size=25)


def write_csv(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> int:
    """Write rows under the headers (ragged as drawn); returns the data rows written."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(HEADERS)
    written = 0
    for r in rows:
        if not any(c.strip() for c in r):
            continue  # a blank line is not a record (README: blank lines are skipped)
        w.writerow(r)
        written += 1
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return written


class _Parser(HTMLParser):
    def error(self, message: str) -> None:  # pragma: no cover - py<3.10 API
        raise AssertionError(message)


def outputs_parse(out: Path) -> None:
    check_audit_json(out / "audit.json")
    json.loads((out / "audit.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(out / "review.xlsx", read_only=True)
    assert {"Summary", "Findings", "Duplicates"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                # never a live formula: text that starts like one is stored as text
                assert cell.data_type != "f", (ws.title, cell.value)
    wb.close()
    html = (out / "report.html").read_text(encoding="utf-8")
    _Parser().feed(html)
    assert "<script>alert(1)</script>" not in html
    (out / "summary.md").read_text(encoding="utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_st,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_random_csv_audits_and_every_row_is_counted(rows, delimiter, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        written = write_csv(path, rows, delimiter, encoding)
        try:
            result = hygiene.audit(f"crm={path}")
        except HygieneError as exc:
            # only a file with nothing readable may be refused, and then in one line
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        assert result.sources[0].rows == written
        rows_seen = result.findings.loc[result.findings["pos"] >= 0, "row"]
        assert rows_seen.between(1, max(written, 1)).all()
        out = Path(tmp) / "out"
        result.save(out, ["html", "json", "xlsx", "md"])
        outputs_parse(out)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_st, sheets=st.integers(min_value=1, max_value=3))
def test_random_xlsx_audits_every_sheet(rows, sheets):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.xlsx"
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        expected = 0
        for i in range(sheets):
            ws = wb.create_sheet(f"Sheet {i + 1}")
            ws.append(HEADERS)
            for r in rows:
                # openpyxl refuses control characters; exports cannot hold them either
                cells = ["".join(ch for ch in c if ch >= " " or ch == "\t") for c in r]
                if not any(c.strip() for c in cells):
                    continue
                ws.append(cells)
                for cell in ws[ws.max_row]:
                    cell.data_type = "s"  # "=1+1" typed as text, as an export would hold it
                expected += 1
        wb.save(path)
        try:
            result = hygiene.audit(f"crm={path}")
        except HygieneError as exc:
            assert "\n" not in str(exc)
            return
        assert result.sources[0].rows == expected
        out = Path(tmp) / "out"
        result.save(out, ["html", "json", "xlsx", "md"])
        outputs_parse(out)
