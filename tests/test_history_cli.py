"""The history on the command line: `hygiene audit` records each run (`--history`,
`--no-history`), `hygiene history` lists them (table, JSON, `--limit`, `--source`), and a
locked or missing database is one line, exit 2."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from hygiene.cli import cli, main
from hygiene.history import connect

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Country/Region\n"
    "101,Ann,Lee,ann@gmial.com,United States\n"
    "102,Bob,Stone,bob@acme.com,USA\n"
    "103,Test,Test,test@test.com,United States\n"
)
FIXED = HUBSPOT.replace("ann@gmial.com", "ann@gmail.com")


def audit_cli(export: Path, out: Path, *extra: str) -> str:
    res = CliRunner().invoke(
        cli, ["audit", f"crm={export}", "--out", str(out), "--format", "json,md", *extra]
    )
    assert res.exit_code == 0, res.output
    return res.output


def test_audit_records_and_reports_the_change(tmp_path: Path):
    db = tmp_path / "h.db"
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    first = audit_cli(export, tmp_path / "o1", "--history", str(db))
    assert "Since the previous audit" not in first
    assert "Since the previous audit" not in (tmp_path / "o1" / "summary.md").read_text()
    export.write_text(FIXED, encoding="utf-8")
    second = audit_cli(export, tmp_path / "o2", "--history", str(db))
    assert "Since the previous audit of these sources" in second
    summary = (tmp_path / "o2" / "summary.md").read_text(encoding="utf-8")
    [line] = [x for x in summary.splitlines() if x.startswith("Since the previous audit")]
    # Ann's typo fixed. A typo with its fix was never also "unreachable" (the typo's
    # suggestion is how to reach her), so that one finding is all that changed.
    assert "0 new findings, 1 fixed." in line
    assert "| `email.typo_domain` | 0 | 1 |" in summary
    assert "`contact.unreachable`" not in summary.split("## Fix first")[0]
    doc = json.loads((tmp_path / "o2" / "audit.json").read_text(encoding="utf-8"))
    prev = json.loads((tmp_path / "o1" / "audit.json").read_text(encoding="utf-8"))
    delta = round(doc["score"]["overall"] - prev["score"]["overall"], 1)
    assert f", {prev['score']['overall']:.1f}): {delta:+.1f} points" in line


def export_in_working_directory(tmp_path: Path, monkeypatch) -> Path:
    """An export in `tmp_path`, made the working directory, with the history left at its
    default place (the tests' own is set by conftest.py)."""
    monkeypatch.delenv("HYGIENE_HISTORY")
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    return export


def test_default_history_is_in_the_working_directory(tmp_path: Path, monkeypatch):
    export = export_in_working_directory(tmp_path, monkeypatch)
    audit_cli(export, tmp_path / "o", "-q")
    assert (tmp_path / ".hygiene" / "history.db").is_file()
    assert stat.S_IMODE((tmp_path / ".hygiene").stat().st_mode) == 0o700
    res = CliRunner().invoke(cli, ["history", "--json"])
    assert res.exit_code == 0 and len(json.loads(res.output)["runs"]) == 1


def test_no_history_writes_nothing(tmp_path: Path, monkeypatch):
    export = export_in_working_directory(tmp_path, monkeypatch)
    audit_cli(export, tmp_path / "o", "--no-history")
    assert not (tmp_path / ".hygiene").exists()


def test_history_and_no_history_together_is_a_usage_error(tmp_path: Path, capsys):
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    code = main(["audit", str(export), "--history", str(tmp_path / "h.db"), "--no-history",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert "--no-history" in capsys.readouterr().err


@pytest.fixture
def three_runs(tmp_path: Path) -> Path:
    """A history with crm twice (typo fixed in between) and an esp audit."""
    db = tmp_path / "h.db"
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    audit_cli(export, tmp_path / "o", "--history", str(db), "-q")
    (tmp_path / "mailchimp.csv").write_text(
        "Email Address,First Name\ndee@mailinator.com,Dee\n", encoding="utf-8"
    )
    CliRunner().invoke(cli, ["audit", f"esp={tmp_path / 'mailchimp.csv'}", "--history", str(db),
                             "--out", str(tmp_path / "o"), "-q"])  # fmt: skip
    export.write_text(FIXED, encoding="utf-8")
    audit_cli(export, tmp_path / "o", "--history", str(db), "-q")
    return db


def test_history_json(three_runs: Path):
    res = CliRunner().invoke(cli, ["history", "--db", str(three_runs), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["schema"] == "hygiene.history/1"
    runs = doc["runs"]
    assert [r["run"] for r in runs] == [1, 2, 3]
    assert [[s["name"] for s in r["sources"]] for r in runs] == [["crm"], ["esp"], ["crm"]]
    assert runs[0]["previous_run"] is None and runs[2]["previous_run"] == 1
    # The typo fixed (a typo with its fix is not also "unreachable": one finding).
    assert runs[2]["change"]["fixed_findings"] == 1 and runs[2]["change"]["new_findings"] == 0
    assert runs[2]["change"]["overall"] == round(
        runs[2]["score"]["overall"] - runs[0]["score"]["overall"], 1
    )
    assert {c["code"] for c in runs[0]["counts"]} >= {"email.typo_domain", "value.placeholder"}
    assert len(runs[0]["inputs"][0]["sha256"]) == 64


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--limit", "1"], [3]),
        (["--limit", "2"], [2, 3]),
        (["--source", "crm"], [1, 3]),
        (["--source", "esp"], [2]),
        (["--source", "nope"], []),
    ],
)
def test_history_limit_and_source(three_runs: Path, args, expected):
    res = CliRunner().invoke(cli, ["history", "--db", str(three_runs), "--json", *args])
    assert res.exit_code == 0, res.output
    assert [r["run"] for r in json.loads(res.output)["runs"]] == expected


def test_history_table(three_runs: Path):
    res = CliRunner().invoke(cli, ["history", "--db", str(three_runs)], terminal_width=100)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert any("Audit history" in x for x in lines)
    [last] = [x for x in lines if x.strip().startswith("3 ")]
    assert "crm" in last
    runs = json.loads(
        CliRunner().invoke(cli, ["history", "--db", str(three_runs), "--json"]).output
    )["runs"]
    assert f"{runs[2]['change']['overall']:+.1f}" in last
    assert f"{runs[2]['score']['overall']:.1f} {runs[2]['score']['grade']}" in last
    # Which workflows each run scored (every one here), with how many were ready.
    shown = res.output[res.output.index("Workflows scored:") :]
    ready = sum(w["ready"] for w in runs[2]["score"]["workflows"].values())
    assert f"runs 1-3: {', '.join(sorted(runs[2]['workflows']))}" in " ".join(shown.split())
    assert f"({ready} of {len(runs[2]['workflows'])} ready in run 3)" in shown


def test_a_history_locked_too_long_is_one_line_exit_2(tmp_path: Path, capsys, monkeypatch):
    from hygiene.history import store

    db = tmp_path / "h.db"
    connect(db).close()
    export = tmp_path / "hubspot_contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
        code = main(["audit", str(export), "--history", str(db), "--out", str(tmp_path / "o")])
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert code == 2
    assert f"{db}: history not updated (database is locked)" in err
    assert len(err.strip().splitlines()) == 1


def test_history_of_a_missing_database_is_one_line_exit_2(tmp_path: Path, capsys):
    assert main(["history", "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert "none.db" in err and "no history" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()
