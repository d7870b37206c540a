"""The reports from the command line: default formats, --redact, a team's own --workflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hygiene.cli import cli
from tests.helpers import check_audit_json

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Country/Region,Lifecycle Stage,"
    "Contact owner,Marketing contact status,Company Name\n"
    "101,Ann,Lee,ann@gmial.com,+1 415 555 2671,United States,Lead,Jo Park,Marketing contact,"
    "Acme\n"
    "102,Bob,Stone,bob@acme.com,(415) 555-0199,USA,Customer,Jo Park,Marketing contact,Acme\n"
    "103,Test,Test,test@test.com,1234567890,United States,Lead,,Non-marketing contact,\n"
    "104,Cy,Ng,cy@acme,,United States,lead,Jo Park,Marketing contact,=1+2\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    p = tmp_path / "hubspot_contacts.csv"
    p.write_text(HUBSPOT, encoding="utf-8")
    return p


def run(*args: str) -> str:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_default_formats_are_html_json_xlsx(tmp_path: Path, export: Path):
    out = tmp_path / "out"
    output = run("audit", f"crm={export}", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["audit.json", "report.html", "review.xlsx"]
    check_audit_json(out / "audit.json")
    assert "report.html" in output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "ann@gmial.com" in page and "Email domain misspelt" in page
    book = load_workbook(out / "review.xlsx")
    assert book.sheetnames == ["Summary", "Findings", "Duplicates", "crm"]


def test_redact_masks_what_people_read_and_tokens_audit_json(tmp_path: Path, export: Path):
    out = tmp_path / "out"
    run("audit", f"crm={export}", "--out", str(out), "--format", "html,json,xlsx,md", "--redact")
    page = (out / "report.html").read_text(encoding="utf-8")
    cells = {c for ws in load_workbook(out / "review.xlsx") for r in ws.values for c in r}
    summary = (out / "summary.md").read_text(encoding="utf-8")
    for raw in ("ann@gmial.com", "+1 415 555 2671", "Jo Park"):
        assert raw not in page and raw not in cells and raw not in summary, raw
    assert "a***@g***.com" in page and "a***@g***.com" in cells
    # audit.json carries a token for each value (README, --redact), and still validates.
    check_audit_json(out / "audit.json")
    raw = (out / "audit.json").read_text(encoding="utf-8")
    doc = json.loads(raw)
    assert doc["redacted"] is True
    assert not [v for v in ("ann@gmial.com", "+1 415 555 2671", "Jo Park") if v in raw]
    typo = [f for f in doc["findings"] if f["code"] == "email.typo_domain"]
    assert typo and typo[0]["value"].startswith("[redacted ")


def test_summary_md_for_a_ticket(tmp_path: Path, export: Path):
    out = tmp_path / "out"
    run("audit", f"crm={export}", "--out", str(out), "--format", "md")
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Contact data audit: 0 of 6 workflows ready; data score ")
    assert "## Fix first" in md and "| Workflow | Score | Line | Ready | Top blocker |" in md
    # Nobody asked for cart recovery: set aside, not the first thing to fix.
    assert "| Abandoned-cart recovery | 0.0 | 90 | needs a store export |  |" in md
    assert "No store export is linked" not in md
    # Two of four contacts have no usable email or phone: the score says so.
    assert "capped: only 2 of 4 records (50.0%) have a usable email or phone" in md


def test_own_workflow_profile_by_file(tmp_path: Path, export: Path):
    profile = tmp_path / "sms.yaml"
    profile.write_text(
        "name: sms_promo\ntitle: SMS promotion\napplies_to: [crm]\nrequires: [phone]\n"
        "blocking: [phone.invalid, value.placeholder]\nready_at: 80\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run("audit", f"crm={export}", "--out", str(out), "--format", "json",
        "--workflow", f"newsletter,{profile}")  # fmt: skip
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    sms = doc["score"]["workflows"]["sms_promo"]
    assert list(doc["score"]["workflows"]) == ["newsletter", "sms_promo"]
    # Row 3's phone is a placeholder, row 4 has none: 2 of 4 records can be texted.
    assert (sms["title"], sms["score"], sms["ready"]) == ("SMS promotion", 50.0, False)


def test_missing_profile_file_is_a_one_line_error(tmp_path: Path, export: Path):
    from hygiene.cli import main

    code = main(["audit", f"crm={export}", "--out", str(tmp_path), "--workflow", "nope.yaml"])
    assert code == 2


def test_terminal_summary_shows_the_trend_and_the_files(tmp_path: Path):
    from rich.console import Console

    from hygiene.report.terminal import print_summary
    from tests.report_samples import sample_audit

    console = Console(record=True, width=100)
    long_path = tmp_path / ("deep" * 30) / "report.html"
    print_summary(sample_audit(), {"html": long_path}, console)
    text = console.export_text()
    assert (
        "Since the previous audit of these sources and workflows (10 Nov 2026, 09:00 UTC, "
        "61.2): +4.3 points, 3 new findings, 9 fixed." in text
    )
    assert str(long_path) in text  # one line, not wrapped
