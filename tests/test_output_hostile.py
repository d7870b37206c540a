"""Hostile values and headers reaching the outputs: never a live formula, never an ill-formed
workbook, never a traceback, no input overwritten, no name left under --redact. Every input
is built by the test."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl import Workbook

from hygiene.clean.csvout import escape_header
from hygiene.cli import main
from hygiene.report.html import SHOWN_MAX
from hygiene.report.xlsx_rows import RowWriter

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example","go")', "+1+1", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def starts_formula(value: object) -> bool:
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")


def xlsx_formula_cells(path: Path) -> list[tuple[str, str]]:
    """(sheet, value) of every cell openpyxl reads as a formula or as formula-like text
    without the quote prefix that keeps it text."""
    bad = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    starts_formula(cell.value) and not cell.quotePrefix
                ):
                    bad.append((ws.title, str(cell.value)))
    return bad


def test_formula_headers_stay_text_in_review_xlsx_and_cleaned_csv(tmp_path: Path) -> None:
    header = ["Email", "First Name", *FORMULAS]
    rows = [["ann@corp.io", "Ann", *(["v"] * len(FORMULAS))],
            ["bob@corp.io", "Bob", *(["=1+1"] * len(FORMULAS))]]  # fmt: skip
    src = write_csv(tmp_path / "crm.csv", header, rows)
    code, _, err = run("audit", f"crm={src}", "--out", str(tmp_path / "a"), "--no-history", "-q")
    assert code == 0, err
    assert xlsx_formula_cells(tmp_path / "a" / "review.xlsx") == []
    code, _, err = run("clean", f"crm={src}", "--out", str(tmp_path / "c"), "-q")
    assert code == 0, err
    for out in (tmp_path / "c").glob("*.csv"):
        with open(out, newline="", encoding="utf-8") as fh:
            for record in csv.reader(fh):
                risky = [v for v in record if starts_formula(v) and not _numeric(v)]
                assert risky == [], (out.name, risky)


def _numeric(v: str) -> bool:
    return v[:1] in "+-" and v[1:2].isdigit() and all(c in "0123456789 ().-/" for c in v[1:])


@pytest.mark.parametrize(
    ("name", "expected"),
    [("=cmd", "'=cmd"), ("@x", "'@x"), ("-12", "-12"), ("+1 415", "+1 415"), ("Email", "Email"),
     ("a\x00b", "ab"), ("\x00=x", "'=x")],
)  # fmt: skip
def test_escape_header(name: str, expected: str) -> None:
    assert escape_header(name) == expected


def test_nul_bytes_do_not_reach_the_cleaned_csv(tmp_path: Path) -> None:
    src = tmp_path / "crm.csv"
    src.write_bytes(b"Email,First Name,No\x00tes\nann@corp.io,An\x00n,x\x00y\nbo@corp.io,Bo,z\n")
    code, _, err = run("clean", f"crm={src}", "--out", str(tmp_path / "c"), "-q")
    assert code == 0, err
    for out in (tmp_path / "c").glob("*.csv"):
        assert b"\x00" not in out.read_bytes(), out.name


@pytest.mark.parametrize("bad", ["\x01", "\ufffe", "\uffff", "\x0b", "\x1f"])
def test_xml_forbidden_characters_in_headers_and_cells(tmp_path: Path, bad: str) -> None:
    rows = [["ann@corp.io", f"x{bad}y", f"{bad}"], ["bob@corp.io", "ok", "z"]]
    src = write_csv(tmp_path / "crm.csv", ["Email", f"Na{bad}me", f"{bad}=1+1"], rows)
    code, _, err = run("audit", f"crm={src}", "--out", str(tmp_path / "a"), "--no-history", "-q")
    assert code == 0, err
    assert "Exception ignored" not in err and "Traceback" not in err
    wb = openpyxl.load_workbook(tmp_path / "a" / "review.xlsx")  # well-formed
    texts = [str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r]
    assert any("Na\ufffdme" == t for t in texts)
    assert not any(bad in t for t in texts)


def test_row_fast_path_replaces_forbidden_characters_itself(tmp_path: Path) -> None:
    """xlsx_rows splices sheet XML built by pyarrow: it must not trust its caller to clean."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["h"])
    rows = RowWriter()
    values = np.array(["a\x01b", "c\ufffed", "=1+1", "ok & <fine>", None], dtype=object)
    rows.defer(ws, [values], {"quote": (None, None, True)})
    path = tmp_path / "w.xlsx"
    wb.save(path)
    rows.finish(path)
    got = [r[0] for r in openpyxl.load_workbook(path)["S"].iter_rows(min_row=2, values_only=True)]
    assert got[:4] == ["a\ufffdb", "c\ufffdd", "=1+1", "ok & <fine>"]
    cells = list(openpyxl.load_workbook(path)["S"].iter_rows(min_row=2))
    assert cells[2][0].data_type == "s" and cells[2][0].quotePrefix


def test_unwritable_out_is_one_line(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "crm.csv", ["Email"], [["ann@corp.io"]])
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    for cmd in ("audit", "clean"):
        extra = ["--no-history"] if cmd == "audit" else []
        code, _, err = run(cmd, f"crm={src}", "--out", str(blocked / "out"), *extra)
        assert code == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err and str(blocked) in err


def test_debug_keeps_exit_2_and_shows_the_traceback(tmp_path: Path) -> None:
    code, _, err = run("--debug", "audit", str(tmp_path / "missing.csv"), "--no-history")
    assert code == 2
    assert "Traceback" in err and "file not found" in err


def test_audit_refuses_to_overwrite_an_input_in_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Email", "First Name"])
    sheet.append(["ann@corp.io", "Ann"])
    victim = out / "review.xlsx"
    book.save(victim)
    before = victim.read_bytes()
    code, _, err = run("audit", f"crm={victim}", "--out", str(out), "--no-history", "-q")
    assert code == 2 and "is an input file" in err
    assert victim.read_bytes() == before


def test_a_huge_cell_is_cut_in_the_page_and_whole_in_the_data(tmp_path: Path) -> None:
    huge = "a" * (10 * 1024 * 1024) + "@example.org"
    rows = [[huge, "Ann"], ["bo@x.io", "B"]]
    src = write_csv(tmp_path / "crm.csv", ["Email", "First Name"], rows)
    code, _, err = run("audit", f"crm={src}", "--out", str(tmp_path / "a"), "--no-history", "-q")
    assert code == 0, err
    page = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert len(page) < 1024 * 1024
    assert "a" * SHOWN_MAX in page and "a" * (SHOWN_MAX + 1) not in page
    doc = json.loads((tmp_path / "a" / "audit.json").read_text(encoding="utf-8"))
    assert any(f.get("value") == huge for f in doc["findings"])


def test_redact_masks_names_a_link_message_quotes(tmp_path: Path) -> None:
    crm = write_csv(
        tmp_path / "crm.csv",
        ["Record ID", "Email", "First Name", "Last Name", "Phone Number", "Lifecycle Stage"],
        [["101", "zeb@quixotic.org", "ZEBULON", "QUIXOTIC", "+1 415 555 2671", "lead"],
         ["102", "ann@bakery.com", "Annabel", "Fontaine", "+1 415 555 2672", "customer"]],
    )  # fmt: skip
    esp = write_csv(
        tmp_path / "esp.csv",
        ["Email Address", "First Name", "Last Name", "Member Rating", "OPTIN_TIME"],
        [["zeb@quixotic.org", "M.", "Quixotic", "2", "2024-01-02"],
         ["ann@bakery.com", "Annabel", "Fontaine", "3", "2024-01-02"]],
    )  # fmt: skip
    out = tmp_path / "a"
    code, _, err = run("audit", f"crm={crm}", f"esp={esp}", "--redact", "--out", str(out),
                       "--format", "html,json,xlsx,md", "--no-history", "-q")  # fmt: skip
    assert code == 0, err
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    messages = [f["message"] for f in doc["findings"] if f["code"] == "link.status_mismatch"]
    # audit.json is redacted too: the message quotes each name as its token.
    token = r"\[redacted [0-9a-f]{10}\]"
    assert any(re.search(f"'{token} {token}' in crm", m) for m in messages), messages
    secrets = ["ZEBULON", "QUIXOTIC", "Quixotic", "zeb@quixotic.org", "Annabel", "Fontaine",
               "555 2671", "555 2672"]  # fmt: skip
    raw = (out / "audit.json").read_text(encoding="utf-8")
    assert not [s for s in secrets if s in raw]
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = (out / "summary.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "review.xlsx") as zf:
        book = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
    for secret in secrets:
        for name, text in (("report.html", page), ("review.xlsx", book), ("summary.md", summary)):
            assert secret not in text, (secret, name)
    assert "&#39;M. Q.&#39; here, &#39;Z. Q.&#39; in crm" in page


def test_redact_is_refused_on_spark_rather_than_ignored(tmp_path: Path) -> None:
    """The Spark engine writes audit.json samples without redaction: `--redact` there is one
    line, exit 2, before any output (it used to be dropped silently)."""
    crm = write_csv(tmp_path / "crm.csv", ["Email"], [["zeb@quixotic.org"]])
    out = tmp_path / "o"
    code, _, err = run("audit", "--engine", "spark", "--redact", f"crm={crm}", "--out", str(out))
    assert code == 2 and err.count("\n") == 1 and "--redact" in err
    assert not out.exists() or not any(out.iterdir())
