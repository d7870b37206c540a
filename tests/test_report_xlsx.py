"""review.xlsx: the sheets, headers and drop-downs the review contract names; no formulas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from hygiene.report.options import ReportOptions
from hygiene.report.xlsx import (
    DUPLICATE_HEADERS,
    FINDING_HEADERS,
    finding_ids,
    ordered_findings,
    sheet_name,
    text_cells,
    text_column,
    write_xlsx,
)
from hygiene.report.xlsx_rows import _classify
from tests.report_samples import FORMULA_COMPANY, SCRIPT_NAME, sample_audit


@pytest.fixture(scope="module")
def audit():
    return sample_audit()


@pytest.fixture(scope="module")
def book(audit, tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "review.xlsx"
    write_xlsx(audit, path)
    return load_workbook(path)


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_in_order(book):
    assert book.sheetnames == ["Summary", "Findings", "Duplicates", "crm", "esp"]


def test_findings_sheet_follows_the_contract(book, audit):
    ws = book["Findings"]
    table = rows(ws)
    assert tuple(table[0]) == FINDING_HEADERS
    assert len(table) - 1 == len(audit.findings)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:N{len(table)}"
    by_id = {r[0]: dict(zip(FINDING_HEADERS, r, strict=True)) for r in table[1:]}
    typo = by_id["email.typo_domain|crm|0|email"]
    assert (typo["Severity"], typo["Row"], typo["Record ID"], typo["Column"]) == (
        "error", 1, "101", "Email",
    )  # fmt: skip
    assert (typo["Value"], typo["Suggestion"], typo["Decision"]) == (
        "ann@gmial.com", "ann@gmail.com", None,
    )  # fmt: skip
    # Errors first.
    severities = [r[2] for r in table[1:]]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"accept fix,reject fix"' and str(dv.sqref) == f"N2:N{len(table)}"


def test_severity_cells_are_coloured(book):
    ws = book["Findings"]
    colours = {ws.cell(r, 3).value: ws.cell(r, 3).fill.fgColor.rgb for r in range(2, ws.max_row)}
    assert colours["error"].endswith("FDE2E1") and colours["warning"].endswith("FEF3C7")


def test_duplicates_sheet_one_row_per_member(book):
    ws = book["Duplicates"]
    table = rows(ws)
    assert tuple(table[0]) == DUPLICATE_HEADERS
    members = [dict(zip(DUPLICATE_HEADERS, r, strict=True)) for r in table[1:]]
    assert [(m["Cluster"], m["Row"], m["Survivor"]) for m in members] == [
        (1, 4, "yes"), (1, 1, None), (2, 8, "yes"), (2, 3, None),
    ]  # fmt: skip
    assert members[1]["Email"] == "ann@gmial.com" and members[1]["Record ID"] == "101"
    assert members[3]["First Name"] == SCRIPT_NAME
    assert members[0]["Evidence"] == "name 0.97; phone equal"
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"merge,keep separate"' and str(dv.sqref) == "N2:N5"


def test_formula_text_is_stored_as_text(book):
    ws = book["Duplicates"]
    company = next(c for row in ws.iter_rows() for c in row if c.value == FORMULA_COMPANY)
    assert company.data_type == "s" and company.quotePrefix
    crm = book["crm"]
    cells = {c.value: c for row in crm.iter_rows(min_row=2) for c in row}
    for text in (FORMULA_COMPANY, "-Wu Design", "@Fay Co", "+1 415 555 2671"):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text
    assert not cells["Acme"].quotePrefix


def test_source_sheet_has_every_row_with_its_findings(book, audit):
    table = rows(book["crm"])
    assert table[0][:3] == ["Row", "Findings", "Record ID"]
    assert len(table) - 1 == audit.source("crm").rows
    third = dict(zip(table[0], table[3], strict=True))
    assert third["Row"] == 3
    assert "email.invalid_syntax" in third["Findings"] and "value.placeholder" in third["Findings"]
    assert third["First Name"] == SCRIPT_NAME


def test_summary_sheet(book, audit):
    values = [v for row in rows(book["Summary"]) for v in row if v is not None]
    from hygiene.report.build import headline

    # Readiness first, as summary.md and report.html open; the score follows in the headline.
    assert values[0] == f"Contact data audit: {headline(audit)}"
    assert f"{audit.score.overall:.1f}" in values[0]
    assert "Fix first" in values and "Newsletter" in values and "email.typo_domain" in values
    assert any(str(v).startswith("Findings: empty leaves it to hygiene clean") for v in values)


def test_redacted_workbook(audit, tmp_path: Path):
    path = write_xlsx(audit, tmp_path / "review.xlsx", ReportOptions(redact=True))
    values = {v for ws in load_workbook(path) for row in rows(ws) for v in row}
    for raw in ("ann@gmial.com", "+1 415 555 2671", "Jo Park", "O'Neil", "Ann"):
        assert raw not in values, raw
    assert {"a***@g***.com", "+* *** *** **71", "J. P.", "O."} <= values
    # The Finding ID names no person, so decisions survive redaction.
    assert "email.typo_domain|crm|0|email" in values


def test_big_source_lists_only_flagged_rows(audit, tmp_path: Path):
    path = write_xlsx(audit, tmp_path / "review.xlsx", ReportOptions(xlsx_source_rows=3))
    book = load_workbook(path)
    listed = [r[0] for r in rows(book["crm"])[1:]]
    flagged = sorted(audit.findings.query("source == 'crm' and pos >= 0")["pos"].unique() + 1)
    assert listed == [int(p) for p in flagged][:3]
    notes = [v for row in rows(book["Summary"]) for v in row if isinstance(v, str)]
    assert any("lists only the rows with findings" in n for n in notes)


def test_text_column_cleans_what_xml_cannot_hold():
    out = text_column(["ok", "bell\x07", None, float("nan"), "x" * 40_000, 3])
    assert out.tolist()[:4] == ["ok", "bell\ufffd", None, None]
    assert len(out[4]) == 32_767 and out[5] == 3


#: Text with what the cells must not hold as it is: XML-illegal characters, Excel's limit.
_TEXTS = st.lists(
    st.one_of(
        st.none(),
        st.text(st.sampled_from(["a", "é", " ", "\x07", "\x00", "\ufffe", "<", "&", "=", "\r"])),
        st.sampled_from(["x" * 40_000, "é" * 20_000, "ok\x0b" * 9_000]),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(_TEXTS)
def test_text_cells_as_text_column(values):
    """Arrow text and categories of text give the cells `text_column` gives the objects."""
    for series in (pd.Series(values, dtype="str"), pd.Series(values, dtype="category")):
        want = _classify(text_column(series.astype(object)))
        got = _classify(text_cells(series))
        assert got[0].equals(want[0]) and got[1].equals(want[1])


def test_text_cells_keeps_other_columns_as_objects():
    out = text_cells(pd.Series([1, "a\x07", None], dtype=object))
    assert isinstance(out, np.ndarray) and out.tolist() == [1, "a\ufffd", None]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b.x", "a.y", "é.z", "A.w"]),
                          st.sampled_from(["crm", "esp", "Éz"]),
                          st.sampled_from(["error", "warning", "info"]),
                          st.integers(-1, 5)), max_size=40))
def test_ordered_findings_same_with_categoricals(rows):
    """The order on category codes is the order on the values as text."""
    frame = pd.DataFrame(rows, columns=["code", "source", "severity", "pos"])
    plain = ordered_findings(frame.astype({"code": object, "source": object}))
    compact = ordered_findings(
        frame.astype({"code": "category", "source": "category", "severity": "category"})
    )
    assert plain.index.tolist() == compact.index.tolist()


@pytest.mark.parametrize(
    "name,taken,expected",
    [("crm", set(), "crm"), ("a/b:c", set(), "a_b_c"), ("Findings", {"findings"}, "Findings (2)"),
     ("x" * 40, set(), "x" * 31), ("", set(), "source")],
)  # fmt: skip
def test_sheet_name(name, taken, expected):
    assert sheet_name(name, set(taken)) == expected


def test_finding_ids_are_stable_and_unique(audit):
    ids = finding_ids(audit.findings)
    assert ids.is_unique
    assert ids.tolist() == finding_ids(audit.findings.copy()).tolist()
    assert "field.missing_column|esp|-1|last_activity_at" in set(ids)
