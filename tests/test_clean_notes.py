"""Where a cleaned file's opt-outs are when its target keeps them out of the file (HubSpot's
opt-out properties are read-only): `hygiene clean` says so, and so does an audit of the
cleaned files, naming the suppression file to import."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from click.testing import CliRunner

from hygiene.clean.notes import cleaned_file_notes, opt_out_notes
from hygiene.cli import cli
from tests.test_clean_roundtrip import HUBSPOT, _csv

SUMMARY = {
    "schema": "hygiene.clean/1",
    "targets": {"crm": "hubspot", "esp": "mailchimp"},
    "left_out_columns": {"crm": ["Unsubscribed from all email"]},
    "suppression_files": {
        "hubspot": {"file": "suppression_hubspot.csv", "rows": 1,
                    "how": "Contacts > Import > Import an opt-out list; map the Email column."},
        "mailchimp": {"file": "suppression_mailchimp.csv", "rows": 3, "how": "x"},
    },
}


def test_a_note_per_source_whose_opt_outs_left_the_file():
    (line,) = opt_out_notes(SUMMARY)
    assert line.startswith("crm: opt-outs for HubSpot are on suppression_hubspot.csv (1 address)")
    assert "not in cleaned_crm.csv" in line and "Unsubscribed from all email left out" in line
    assert "Import an opt-out list" in line
    assert opt_out_notes(SUMMARY, ["esp"]) == []
    # A Mailchimp audience cleaned for HubSpot: its opt-outs travel on the same list.
    both = {**SUMMARY, "targets": {"crm": "hubspot", "esp": "hubspot"}}
    (line,) = opt_out_notes(both)
    assert line.startswith("crm, esp: opt-outs for HubSpot")
    assert "not in cleaned_crm.csv, cleaned_esp.csv" in line


def test_notes_only_for_files_clean_wrote():
    # A summary of the keys the notes read only: kept out of tmp_path, whose
    # clean_summary.json files conftest holds to the whole schema.
    with tempfile.TemporaryDirectory() as folder:
        _notes_only_for_files_clean_wrote(Path(folder))


def _notes_only_for_files_clean_wrote(tmp_path: Path) -> None:
    (tmp_path / "clean_summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    assert cleaned_file_notes([tmp_path / "cleaned_esp.csv"]) == []
    assert cleaned_file_notes([tmp_path / "hubspot_contacts.csv"]) == []
    assert len(cleaned_file_notes([tmp_path / "cleaned_crm.csv"])) == 1
    # A summary that is not clean's (or not JSON) says nothing.
    (tmp_path / "clean_summary.json").write_text("{", encoding="utf-8")
    assert cleaned_file_notes([tmp_path / "cleaned_crm.csv"]) == []


def test_clean_and_the_re_audit_point_to_the_opt_out_list(tmp_path: Path):
    crm = tmp_path / "hubspot_contacts.csv"
    crm.write_text(_csv(HUBSPOT), encoding="utf-8")
    out = tmp_path / "cleaned"
    res = CliRunner().invoke(cli, ["clean", f"crm={crm}", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "crm: opt-outs for HubSpot are on suppression_hubspot.csv" in res.output
    assert "on suppression_hubspot.csv" in res.output
    again = CliRunner().invoke(
        cli, ["audit", f"crm={out / 'cleaned_crm.csv'}", "--out", str(tmp_path / "re"),
              "--format", "json", "--no-history"],
    )
    assert again.exit_code == 0, again.output
    assert "not in cleaned_crm.csv" in again.output
    assert "suppression_hubspot.csv" in again.output
