"""Counts in sentences agree with their noun: "1 record", never "1 records", in the CLI,
summary.md, report.html and review.xlsx (found by a new-user trial: "1 new findings",
"1 records; blocks ...")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hygiene.readiness import Blocker
from hygiene.report.markdown import trend_sentence
from hygiene.trend import Trend

ROOT = Path(__file__).resolve().parents[1]
#: A count written straight before a plural noun in an f-string or template.
BARE = re.compile(r"\{[^{}]*\}\}?\s+(rows|records|findings|clusters|cells|addresses|decisions|"
                  r"columns|members|values)\b")
#: Where the count cannot be 1: caps and limits (the total is over a cap of thousands), a
#: typo target seen on 2 rows at least, internal errors that name a bug.
ALWAYS_MANY = (
    "records in {_size(bytes_read)}", "{limit.floor:,} records", "{width:,} columns",
    "which {seen[cand]} rows", "of {table.total:,} findings", "of {total:,} findings",
    "{s.rows:,} rows of", "the {cap:,} rows", "{options.xlsx_source_cells:,} cells",
    "{len(out)} values for", "{len(out)} rows for",
)


def test_no_bare_count_before_a_plural_noun():
    found = []
    paths = [*(ROOT / "hygiene").rglob("*.py"), *(ROOT / "reports").glob("*.j2")]
    for path in paths:
        if {"spark", "match"} & set(path.relative_to(ROOT).parts):
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BARE.search(line) and not any(ok in line for ok in ALWAYS_MANY):
                found.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert found == [], "use hygiene.words.counted (or plural in a template):\n" + "\n".join(found)


def _trend(new: int, fixed: int) -> Trend:
    return Trend(previous_at="2026-12-06T10:00:00Z", previous_overall=90.0, overall_delta=1.0,
                 new_findings=new, fixed_findings=fixed)


@pytest.mark.parametrize("new,text", [(1, "1 new finding,"), (2, "2 new findings,"),
                                      (0, "0 new findings,")])
def test_trend_sentence(new: int, text: str):
    assert text in trend_sentence(_trend(new, 3))


@pytest.mark.parametrize("records,text", [(1, "its 1 record cannot"), (5, "its 5 records cannot")])
def test_a_missing_column_blocker(records: int, text: str):
    b = Blocker("column", "no column for owner in crm", records, field="owner", source="crm")
    assert text in b.sentence()


def test_a_one_record_audit_says_one_record(tmp_path: Path):
    from click.testing import CliRunner

    from hygiene.cli import cli

    path = tmp_path / "hubspot_contacts.csv"
    path.write_text("Record ID,First Name,Last Name,Email,Marketing contact status\n"
                    "101,Ann,Lee,ann@gmial.com,Marketing contact\n", encoding="utf-8")
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["audit", f"crm={path}", "--out", str(out), "--format",
                                   "md,html", "--no-history"])
    assert res.exit_code == 0, res.output
    one = re.compile(r"(?<![\d,.])1 (records|rows|findings|clusters|columns)\b")
    for text in (res.output, (out / "summary.md").read_text(encoding="utf-8"),
                 re.sub(r"<[^>]+>", " ", (out / "report.html").read_text(encoding="utf-8"))):
        assert not one.search(text), one.search(text).group(0)
