"""hygiene.toml: reading, validation messages that name the file and key, and
`hygiene audit --config` with command-line values winning over the file's."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import hygiene
from hygiene.cli import cli, main
from hygiene.config import load_config
from hygiene.errors import ConfigError
from tests.helpers import check_audit_json

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Contact owner,Marketing contact status,"
    "Unsubscribed from all email\n"
    "101,Ann,Lee,ann@acme.com,Jo Park,Marketing contact,false\n"
    "102,Bob,Stone,bob@acme.com,Max Ray,Marketing contact,false\n"
    "103,Dee,Fox,dee@acme.com,Jo Park,Non-marketing contact,true\n"
    "104,Eve,Moss,eve@acme.com,,Marketing contact,false\n"
)
MC_HEAD = ("Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,"
           "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,"
           "EUID,NOTES,TAGS")
SUBSCRIBED = (MC_HEAD + "\n"
              "ann@acme.com,Ann,Lee,2,2021-03-04 10:11:12,,2021-03-04 10:12:01,,,,,,,US,,"
              "2024-01-02 08:00:00,1001,a1b2c3d4e5,,\n"
              "dee@acme.com,Dee,Fox,2,2021-03-04 10:11:12,,2021-03-04 10:12:01,,,,,,,US,,"
              "2024-01-02 08:00:00,1002,b1b2c3d4e5,,\n")
UNSUBSCRIBED = (MC_HEAD + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,"
                "UNSUB_REASON_OTHER\n"
                "bob@acme.com,Bob,Stone,1,2020-01-05 09:00:00,,2020-01-05 09:01:00,,,,,,,US,,"
                "2024-02-02 08:00:00,1003,c1b2c3d4e5,,,2024-02-02 08:00:00,Spring sale,"
                "aa11bb22cc,NORMAL,\n")
USERS = "First Name,Last Name,Email,Active\nJo,Park,jo@acme.com,true\nMax,Ray,max@acme.com,false\n"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "hubspot_contacts.csv").write_text(HUBSPOT, encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "exports" / "members_export_1a2b3c.zip", "w") as zf:
        zf.writestr("subscribed_members_export_1a2b3c.csv", SUBSCRIBED)
        zf.writestr("unsubscribed_members_export_1a2b3c.csv", UNSUBSCRIBED)
        zf.writestr("cleaned_members_export_1a2b3c.csv", MC_HEAD + "\n")
    (tmp_path / "exports" / "users.csv").write_text(USERS, encoding="utf-8")
    return tmp_path


CONFIG = """
[audit]
out = "report"
formats = ["json", "md"]

[thresholds]
fail_under = 50

[workflows]
use = ["newsletter"]

[sources.crm]
path = "exports/hubspot_contacts.csv"
platform = "hubspot"

[sources.esp]
path = "exports/members_export_1a2b3c.zip"

[sources.users]
path = "exports/users.csv"
kind = "reference"

[sources.users.columns]
Active = ""

[[links]]
from = "crm.owner"
to = ["users.email", "users.full_name"]
active = "users.Active"
"""


def write(folder: Path, text: str = CONFIG) -> Path:
    p = folder / "hygiene.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_config_reads_every_table(exports: Path):
    cfg = load_config(write(exports))
    assert [s.name for s in cfg.sources] == ["crm", "esp", "users"]
    assert cfg.sources[0].paths == (str(exports / "exports" / "hubspot_contacts.csv"),)
    assert cfg.kinds == {"users": "reference"}
    assert cfg.out == exports / "report" and cfg.formats == ("json", "md")
    assert cfg.fail_under == 50.0 and cfg.workflows == ("newsletter",)
    assert cfg.links[0].to == ("users.email", "users.full_name")
    assert cfg.default_links is True


def test_audit_from_config_links_references_and_defaults(exports: Path):
    result = hygiene.audit(config=write(exports))
    assert [s.name for s in result.sources] == ["crm", "esp", "users"]
    assert result.kinds == {"crm": "crm", "esp": "esp", "users": "reference"}
    codes = result.findings.groupby(["code", "source"]).size().to_dict()
    # Bob unsubscribed in Mailchimp, marketable in HubSpot; Dee the other way round; Eve is a
    # marketing contact missing from Mailchimp; Max Ray left the company.
    assert codes[("link.consent_conflict", "crm")] == 1
    assert codes[("link.consent_conflict", "esp")] == 1
    assert codes[("link.orphan", "crm")] == 1
    assert codes[("link.missing_reference", "crm")] == 1
    # The users export is a lookup table: no contact checks ran on it.
    assert not (result.findings["source"] == "users").any()
    assert list(result.score.workflows) == ["newsletter"]


def test_cli_audit_with_config_writes_where_the_file_says(exports: Path, monkeypatch):
    write(exports)
    monkeypatch.chdir(exports)
    res = CliRunner().invoke(cli, ["audit", "--config", "hygiene.toml", "-q"])
    # The file's gate (newsletter at 50) fails: Bob opted out in Mailchimp and is still
    # marketable in HubSpot, which no newsletter tolerates. The reports are written all the same.
    assert res.exit_code == 1, res.output
    assert "gate failed: newsletter" in res.output and "(zero tolerance)" in res.output
    assert sorted(p.name for p in (exports / "report").iterdir()) == ["audit.json", "summary.md"]
    check_audit_json(exports / "report" / "audit.json")
    doc = json.loads((exports / "report" / "audit.json").read_text(encoding="utf-8"))
    conflict = next(f for f in doc["findings"] if f["code"] == "link.consent_conflict"
                    and f["source"] == "crm")
    assert conflict["related"] == [{
        "source": "esp",
        "file": "members_export_1a2b3c.zip/unsubscribed_members_export_1a2b3c.csv",
        "row": 1, "record_id": "c1b2c3d4e5"}]
    assert doc["links"]["pairs"] == 3


def test_cli_finds_hygiene_toml_in_the_working_directory(exports: Path, monkeypatch):
    write(exports)
    monkeypatch.chdir(exports)
    assert main(["audit", "-q"]) == 1  # the file's gate, failed by a consent conflict
    assert (exports / "report" / "audit.json").is_file()
    doc = json.loads((exports / "report" / "audit.json").read_text(encoding="utf-8"))
    assert doc["score"]["gate"]["gated"] == ["newsletter"]
    assert doc["score"]["workflows"]["newsletter"]["ready_at"] == 50.0
    assert doc["score"]["workflows"]["newsletter"]["ready"] is False


def test_command_line_values_win(exports: Path, monkeypatch):
    write(exports)
    monkeypatch.chdir(exports)
    # --fail-under over the file's 50, --out and --format over [audit].
    code = main(["audit", "--fail-under", "99.9", "--out", "elsewhere", "--format", "json",
                 "-q"])
    assert code == 1
    assert sorted(p.name for p in (exports / "elsewhere").iterdir()) == ["audit.json"]
    assert not (exports / "report").exists()


def test_a_command_line_source_replaces_the_file_source_of_its_name(exports: Path):
    other = exports / "exports" / "crm_v2.csv"
    other.write_text(HUBSPOT.replace("eve@acme.com", "eve@acme.org"), encoding="utf-8")
    result = hygiene.audit(f"crm={other}", config=write(exports))
    crm = result.source("crm")
    assert crm.paths == [other] and crm.platform == "hubspot"
    assert [s.name for s in result.sources] == ["crm", "esp", "users"]


def test_default_links_can_be_switched_off(exports: Path):
    text = CONFIG.replace('formats = ["json", "md"]', 'formats = ["json"]\ndefault_links = false')
    result = hygiene.audit(config=write(exports, text))
    assert not result.findings["code"].isin(["link.orphan", "link.consent_conflict"]).any()


def test_no_sources_and_no_config_is_a_one_line_error(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["audit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hygiene: error: no sources given") and "hygiene init" in err


@pytest.mark.parametrize(
    "edit,problem",
    [
        (('path = "exports/hubspot_contacts.csv"', 'path = "exports/nope.csv"'),
         "hygiene.toml: [sources.crm] path: file not found: exports/nope.csv"),
        (('platform = "hubspot"', 'platform = "hubspott"'),
         "hygiene.toml: [sources.crm] platform: unknown platform 'hubspott'"),
        (('kind = "reference"', 'kind = "lookup"'),
         "hygiene.toml: [sources.users] kind: 'lookup' is not one of crm, esp, reference"),
        (('Active = ""', 'Active = "shoe_size"'),
         "hygiene.toml: [sources.users.columns] Active: unknown field 'shoe_size'"),
        (("fail_under = 50", "fail_under = 150"),
         "hygiene.toml: [thresholds] fail_under: must be from 0 to 100, not 150"),
        (("fail_under = 50", 'fail_under = "high"'),
         "hygiene.toml: [thresholds] fail_under: must be a number from 0 to 100"),
        (('use = ["newsletter"]', 'use = ["newsleter"]'),
         "hygiene.toml: [workflows] use: unknown workflow 'newsleter'"),
        (('formats = ["json", "md"]', 'formats = ["pdf"]'),
         "hygiene.toml: [audit] formats: unknown format 'pdf'"),
        (('out = "report"', 'out = "report"\ncolour = "red"'),
         "hygiene.toml: [audit] colour: unknown key; allowed: out, formats"),
        (("[thresholds]", "[threshold]"),
         "hygiene.toml: threshold: unknown table; allowed: audit, thresholds"),
        (('path = "exports/users.csv"', 'path = "exports/users.csv"\nsheet = "x"'),
         "hygiene.toml: [sources.users] sheet: unknown key; allowed: path, paths"),
        (('active = "users.Active"', 'active = "users.Active"\nrequired = "all"'),
         "hygiene.toml: [[links]] #1 required: unknown key"),
        (('to = ["users.email", "users.full_name"]', "to = 5"),
         "hygiene.toml: [[links]] #1 to: give a source"),
        (('from = "crm.owner"', 'from = "crm.owner"\nrequire = { crm = "sometimes" }'),
         "hygiene.toml: [[links]] #1 require.crm: 'sometimes' is not one of all, marketable"),
        (("[audit]", "[audit\n"), "hygiene.toml: not valid TOML"),
    ],
)
def test_validation_names_file_table_and_key(exports: Path, monkeypatch, edit, problem):
    monkeypatch.chdir(exports)
    old, new = edit
    assert old in CONFIG
    path = write(exports, CONFIG.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(problem), str(info.value)
    assert "\n" not in str(info.value)


def test_link_to_an_unknown_source_fails_at_audit_naming_the_link(exports: Path, monkeypatch):
    monkeypatch.chdir(exports)
    path = write(exports, CONFIG.replace('from = "crm.owner"', 'from = "shop.owner"'))
    message = r"hygiene.toml: \[\[links\]\] #1: 'shop.owner' names no source \(the from side"
    with pytest.raises(ConfigError, match=message):
        hygiene.audit(config=path)


def test_missing_config_file(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--config", "nope.toml"]) == 2
    assert "nope.toml: file not found; write one with `hygiene init" in capsys.readouterr().err


def test_the_readme_example_is_a_valid_config(tmp_path: Path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## hygiene.toml", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "exports").mkdir()
    (tmp_path / "workflows").mkdir()
    for name in ("hubspot_contacts.csv", "members_export_1a2b3c.zip", "users.csv"):
        (tmp_path / "exports" / name).write_text("Email\n", encoding="utf-8")
    (tmp_path / "team-rules.yaml").write_text("rules: []\n", encoding="utf-8")
    cfg = load_config(write(tmp_path, example))
    assert [s.name for s in cfg.sources] == ["crm", "esp", "users"]
    assert [(link.from_, link.to) for link in cfg.links] == [
        ("esp", ("crm",)), ("crm.owner", ("users.email", "users.full_name"))]
    assert cfg.fail_under == 80 and cfg.workflows == ("welcome_email", "newsletter")


def test_the_audit_keeps_the_config_it_read(exports: Path):
    result = hygiene.audit(config=write(exports))
    assert result.config is not None and result.config.folder == exports
    assert hygiene.audit(f"crm={exports / 'exports' / 'hubspot_contacts.csv'}").config is None
