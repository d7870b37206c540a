"""audit.json: every finding reads back exactly as it was, whatever its text holds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hygiene
from hygiene.model import FINDING_COLUMNS
from hygiene.report.jsonout import CHUNK_ROWS, finding_records, object_lines
from tests.helpers import check_audit_json, make_source

ODD_VALUES = [
    'say "hi"',
    "C:\\Users\\ann",
    "line one\nline two",
    "tab\there\rcr",
    "bell\x07 and nul\x00",
    "Zoë Ørsted – 東京 🙂",
    "\u2028separator",
    "",
    "null",
]


@pytest.fixture(scope="module")
def audit() -> hygiene.Audit:
    src = make_source(
        "crm",
        {"Email": ["ann@example.com", "bob@gmial.com"], "First Name": ["Ann", "Bob"]},
        {"Email": "email", "First Name": "first_name"},
    )
    return hygiene.audit(src, match=False)


def _findings(values: list[object], related: list[object]) -> pd.DataFrame:
    n = len(values)
    frame = pd.DataFrame(
        {
            "code": "value.placeholder",
            "severity": "warning",
            "dimension": "validity",
            "source": "crm",
            "file": "contacts.csv",
            "sheet": None,
            "row": pd.array(list(range(1, n + 1)), dtype="Int64"),
            "record_id": [None if i % 2 else str(i) for i in range(n)],
            "field": "first_name",
            "column": "First Name",
            "value": pd.Series(values, dtype=object),
            "suggestion": None,
            "message": [f"message {v!s}" if v is not None else "plain" for v in values],
            "related": pd.Series(related, dtype=object),
            "pos": np.arange(n, dtype=np.int64),
        }
    )
    frame.loc[n - 1, "row"] = pd.NA
    return frame


def _expected(frame: pd.DataFrame) -> list[dict[str, object]]:
    """What a person reading audit.json expects: the values as they were, keys without a
    value left out."""
    out = []
    for rec in frame.to_dict("records"):
        item: dict[str, object] = {}
        for k in FINDING_COLUMNS:
            v = rec[k]
            if k == "related":
                if v:
                    item[k] = [{a: b for a, b in r.items() if b is not None} for r in v]
                continue
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            item[k] = int(v) if isinstance(v, np.integer) else v
        out.append(item)
    return out


@pytest.mark.parametrize(
    "values",
    [
        ODD_VALUES,
        [*ODD_VALUES, 12, None],  # a number among strings stays a number
        [None, None, None],
    ],
)
def test_findings_read_back_exactly(audit: hygiene.Audit, tmp_path: Path, values) -> None:
    related = [None] * len(values)
    related[0] = [{"source": "crm", "file": "contacts.csv", "row": np.int64(7), "record_id": None}]
    related[1] = []
    frame = _findings(values, related)
    audit.findings = frame
    path = audit.save(tmp_path, ["json"])["json"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["findings"] == _expected(frame)
    assert list(finding_records(frame)) == _expected(frame)
    check_audit_json(path)


def test_many_findings_cross_chunk_boundaries(audit: hygiene.Audit, tmp_path: Path) -> None:
    n = CHUNK_ROWS + 3
    values = [f'v{i} "q"' if i % 997 == 0 else f"v{i}" for i in range(n)]
    frame = _findings(values, [None] * n)
    audit.findings = frame
    doc = json.loads(audit.save(tmp_path, ["json"])["json"].read_text(encoding="utf-8"))
    assert len(doc["findings"]) == n
    assert doc["findings"][CHUNK_ROWS]["value"] == f"v{CHUNK_ROWS}"
    assert doc["findings"][0]["value"] == 'v0 "q"'
    assert doc["findings"][-1]["value"] == f"v{n - 1}"
    assert "row" not in doc["findings"][-1]


def test_no_findings_is_an_empty_list(audit: hygiene.Audit, tmp_path: Path) -> None:
    audit.findings = _findings([], []).iloc[:0]
    doc = json.loads(audit.save(tmp_path, ["json"])["json"].read_text(encoding="utf-8"))
    assert doc["findings"] == []
    assert doc["duplicates"] == []


def test_rows_without_any_value_stay_in_place():
    # pyarrow's join with null_handling="skip" drops all-null rows; the objects after one
    # must not shift onto the wrong rows.
    frame = pd.DataFrame(
        {"a": [None, "x", None, "q", None], "b": [None, "y", "z", None, None]}, dtype=object
    )
    assert object_lines(frame, ["a", "b"]).to_pylist() == [
        "{}", '{"a":"x","b":"y"}', '{"b":"z"}', '{"a":"q"}', "{}",
    ]
