"""`hygiene init`: a starter hygiene.toml from what the exports hold, ready to edit."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import hygiene
from hygiene.cli import cli, main
from hygiene.config import load_config, toml_key, toml_str
from tests.test_config import exports  # noqa: F401  (the fixture)


def init(folder: Path, *args: str) -> int:
    return main(["init", "-q", *args])


def test_init_writes_a_starter_that_audits_like_the_command_line(exports: Path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(exports)
    crm, esp = "crm=exports/hubspot_contacts.csv", "esp=exports/members_export_1a2b3c.zip"
    res = CliRunner().invoke(cli, ["init", crm, esp])
    assert res.exit_code == 0, res.output
    assert "crm: hubspot (crm, confidence" in res.output
    assert "esp: mailchimp (esp" in res.output
    doc = tomllib.loads((exports / "hygiene.toml").read_text(encoding="utf-8"))
    assert doc["sources"]["crm"] == {
        "path": "exports/hubspot_contacts.csv", "platform": "hubspot", "kind": "crm",
        "columns": {"Record ID": "record_id", "First Name": "first_name",
                    "Last Name": "last_name", "Email": "email", "Contact owner": "owner",
                    "Marketing contact status": "marketable",
                    "Unsubscribed from all email": "unsubscribed"},
    }
    assert doc["sources"]["esp"]["platform"] == "mailchimp"
    assert doc["sources"]["esp"]["columns"]["Member Status"] == "email_status"
    assert doc["links"] == [{"name": "esp-crm", "from": "esp", "to": "crm", "on": ["email"],
                             "require": {"esp": "all", "crm": "marketable"}}]
    assert doc["workflows"]["use"] == [] and doc["audit"]["out"] == "hygiene-report"
    text = (exports / "hygiene.toml").read_text(encoding="utf-8")
    assert '"Record ID" = "record_id"                   # 1.00' in text
    assert '# OPTIN_IP = ""' in text and "# fail_under = 80" in text
    assert '#   "newsletter",' not in text and '# "newsletter",' in text

    from_file = hygiene.audit(config="hygiene.toml")
    from_args = hygiene.audit(crm, esp)
    cols = ["code", "source", "row", "field", "message"]
    pd.testing.assert_frame_equal(
        from_file.findings[cols].reset_index(drop=True),
        from_args.findings[cols].reset_index(drop=True),
    )
    assert from_file.score.overall == from_args.score.overall


def test_init_refuses_to_overwrite_without_force(exports: Path, monkeypatch, capsys):  # noqa: F811
    monkeypatch.chdir(exports)
    (exports / "hygiene.toml").write_text("# mine\n", encoding="utf-8")
    assert init(exports, "crm=exports/hubspot_contacts.csv") == 2
    err = capsys.readouterr().err
    assert err.strip() == ("hygiene: error: hygiene.toml: already exists; pass --force to "
                           "overwrite it")
    assert (exports / "hygiene.toml").read_text(encoding="utf-8") == "# mine\n"
    assert init(exports, "crm=exports/hubspot_contacts.csv", "--force") == 0
    assert load_config(exports / "hygiene.toml").sources[0].platform == "hubspot"


def test_init_paths_are_relative_to_the_file(exports: Path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(exports)
    (exports / "conf").mkdir()
    assert init(exports, "crm=exports/hubspot_contacts.csv", "-o", "conf/hygiene.toml") == 0
    cfg = load_config(exports / "conf" / "hygiene.toml")
    doc = tomllib.loads((exports / "conf" / "hygiene.toml").read_text(encoding="utf-8"))
    assert doc["sources"]["crm"]["path"] == "../exports/hubspot_contacts.csv"
    assert Path(cfg.sources[0].paths[0]).resolve() == (
        exports / "exports" / "hubspot_contacts.csv").resolve()
    assert "links" not in doc  # one CRM and no ESP: no default link to write


def test_init_writes_odd_headers_as_valid_toml(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "odd.csv").write_text(
        'E-Mail-Adresse,"Name ""Nick""",Notes\\Path,Ünïcödé\nann@acme.com,x,y,z\n',
        encoding="utf-8")
    assert init(tmp_path, "odd.csv") == 0
    doc = tomllib.loads((tmp_path / "hygiene.toml").read_text(encoding="utf-8"))
    assert doc["sources"]["odd"]["columns"]["E-Mail-Adresse"] == "email"
    assert load_config(tmp_path / "hygiene.toml").sources[0].name == "odd"


def test_a_missing_file_is_an_input_error(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert init(tmp_path, "crm=nope.csv") == 2
    assert "nope.csv: file not found" in capsys.readouterr().err
    assert not (tmp_path / "hygiene.toml").exists()


def test_audit_and_clean_run_from_the_starter_as_written(exports: Path, monkeypatch):  # noqa: F811
    """The file `init` writes is enough for both commands: no --out, no sources."""
    monkeypatch.chdir(exports)
    (exports / "conf").mkdir()
    monkeypatch.delenv("HYGIENE_HISTORY")  # the default place, beside the file
    assert init(exports, "crm=exports/hubspot_contacts.csv",
                "esp=exports/members_export_1a2b3c.zip", "-o", "conf/hygiene.toml") == 0
    elsewhere = exports / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the file's paths hold from any working directory
    config = str(exports / "conf" / "hygiene.toml")
    assert main(["audit", "--config", config, "-q"]) == 0
    assert (exports / "conf" / "hygiene-report" / "report.html").exists()
    assert (exports / "conf" / ".hygiene" / "history.db").exists()
    assert main(["clean", "--config", config, "-q"]) == 0
    cleaned = exports / "conf" / "cleaned"
    assert (cleaned / "cleaned_crm.csv").exists() and (cleaned / "merge_plan.csv").exists()
    assert list(elsewhere.iterdir()) == []


def test_the_starter_names_the_defaults_the_code_uses(exports: Path, monkeypatch):  # noqa: F811
    """Uncommenting a default changes nothing: the history stays the one already kept."""
    from hygiene.history import default_history_path

    monkeypatch.chdir(exports)
    assert init(exports, "crm=exports/hubspot_contacts.csv") == 0
    path = exports / "hygiene.toml"
    text = path.read_text(encoding="utf-8")
    assert "history.sqlite" not in text
    written = load_config(path)
    path.write_text(text.replace("# history = ", "history = "), encoding="utf-8")
    uncommented = load_config(path)
    assert uncommented.history == default_history_path(path)
    assert written.history is None
    assert (written.check_mx, written.redact, written.default_links) == (False, False, True)
    assert written.clean["suppress_roles"] is False and "target" not in written.clean


@given(st.text())
def test_toml_strings_round_trip(value: str):
    assert tomllib.loads(f"k = {toml_str(value)}")["k"] == value
    if value:
        assert tomllib.loads(f"{toml_key(value)} = 1") == {value: 1}
