"""Import targets, value forms, escaping, atomic writes and the `hygiene clean` command."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.clean import load_target, target_names
from hygiene.clean.csvout import escape
from hygiene.clean.merge import merge_calls
from hygiene.cli import main
from hygiene.errors import ConfigError
from hygiene.load import SourceSpec, load_source

HUBSPOT = [
    ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
     "City", "State/Region", "Country/Region", "Marketing contact status",
     "Unsubscribed from all email", "Notes"],
    ["101", "ANN", "lee", "Ann.Lee@Gmial.com ", "(415) 555-2671", "=HYPERLINK(\"http://x\")",
     "San Francisco", "CA", "USA", "Marketing contact", "false", "-2+3"],
    ["102", "Bo", "Ng", "bo@acme.com", "+44 20 7946 0958", "@SUM(A1)", "London", "",
     "UK", "Marketing contact", "true", "+cmd|' /C calc'!A0"],
    ["103", "Cy", "Ortiz", "info@acme.com", "020 7946 0000", "Acme", "Leeds", "",
     "United Kingdom", "Marketing contact", "false", ""],
    ["104", "Di", "Park", "test@test.com", "1234567890", "Acme", "Austin", "Texas",
     "United States", "Marketing contact", "false", "call me"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "hubspot_contacts.csv", HUBSPOT)


def run(export: Path, out: Path, **kw) -> hygiene.CleanResult:
    return hygiene.clean(f"crm={export}", out=out, decisions=out.parent / "d.json", **kw)


def test_every_shipped_target_loads():
    assert target_names() == ["activecampaign", "generic", "hubspot", "klaviyo", "mailchimp",
                              "pipedrive", "salesforce", "salesforce_lead", "zoho"]
    for name in target_names():
        t = load_target(name)
        assert t.kind in ("crm", "esp") and t.suppression


@pytest.mark.parametrize(
    ("target", "email", "country", "us", "state", "ca", "phone"),
    [
        ("hubspot", "Email", "Country/Region", "United States", "State/Region", "California",
         "Phone Number"),
        ("salesforce", "Email", "MailingCountry", "United States", "MailingState", "California",
         "Phone"),
        ("mailchimp", "Email Address", "Country/Region", "US", "State/Region", "CA",
         "Phone Number"),
        ("klaviyo", "Email", "Country", "United States", "State / Region", "California",
         "Phone Number"),
        ("generic", "Email", "Country/Region", "United States", "State/Region", "CA",
         "Phone Number"),
    ],
)  # fmt: skip
def test_headers_and_value_forms_per_target(
    export, tmp_path, target, email, country, us, state, ca, phone
):
    result = run(export, tmp_path / "out", target=target)
    data = read(result.out_dir / "cleaned_crm.csv")
    assert {email, country, state, phone} <= set(data.columns)
    first = data[data[email] == "ann.lee@gmail.com"].iloc[0]
    assert first[country] == us
    assert first[state] == ca
    assert first[phone] == "+14155552671"


@pytest.mark.parametrize(
    ("target", "rows"),
    [
        # HubSpot "Import an opt-out list": an Email column; only opt-outs go on it (104's
        # placeholder address is no opt-out: that contact is made non-marketing instead).
        ("hubspot", [["Email"], ["bo@acme.com"]]),
        # A HubSpot export's ids are no Salesforce Ids: those records are creates in the
        # cleaned file, marked there, and not listed again.
        ("salesforce", [["Id", "Email", "HasOptedOutOfEmail"]]),
        # Mailchimp: each address once with one action; the misspelt old address archived.
        ("mailchimp", [["Email Address", "Action"], ["bo@acme.com", "unsubscribe"],
                       ["test@test.com", "archive"], ["ann.lee@gmial.com", "archive"]]),
        # Klaviyo "Upload suppressed profiles": a CSV whose only column is Email.
        ("klaviyo", [["Email"], ["bo@acme.com"], ["test@test.com"], ["ann.lee@gmial.com"]]),
        # generic updates by record id: the fixed address is an update, nothing to archive.
        ("generic", [["Email", "Action"], ["bo@acme.com", "unsubscribe"],
                     ["test@test.com", "archive"]]),
    ],
)  # fmt: skip
def test_suppression_file_in_the_target_format(export, tmp_path, target, rows):
    result = run(export, tmp_path / "out", target=target)
    with (result.out_dir / f"suppression_{target}.csv").open(newline="") as fh:
        assert list(csv.reader(fh)) == rows
    ledger = read(result.out_dir / "suppression.csv")
    assert list(ledger.columns) == [
        "Email", "Action", "Reason", "Reasons", "Detail", "Source", "Target", "File", "Row",
        "Record ID",
    ]  # fmt: skip
    assert ledger.loc[ledger["Reason"] == "unsubscribed", "Record ID"].tolist() == ["102"]
    assert ledger.loc[ledger["Reason"] == "placeholder", "Record ID"].tolist() == ["104"]
    assert set(ledger["Target"]) == {target}
    assert [p.name for p in result.out_dir.glob("suppression_*.csv")] == [
        f"suppression_{target}.csv"
    ]


@pytest.mark.parametrize(
    ("target", "header", "value"),
    [
        ("hubspot", "Marketing contact status", "Non-marketing contact"),
        ("salesforce", "HasOptedOutOfEmail", "true"),
        ("generic", "Unsubscribed from all email", "true"),
    ],
)
def test_opt_outs_are_marked_in_the_targets_own_fields(export, tmp_path, target, header, value):
    result = run(export, tmp_path / "out", target=target)
    data = read(result.out_dir / "cleaned_crm.csv").set_index(
        "Original Record ID" if target == "salesforce" else "Record ID"
    )
    assert data.loc["102", header] == value  # 102 opted out
    assert data.loc["101", header] != value  # 101 did not
    # Every cell the marking changed is in changes.csv, labelled by why the row was
    # suppressed: 102 unsubscribed, 104's placeholder address is no opt-out.
    changes = read(result.out_dir / "changes.csv")
    marked = changes[changes["rule"].str.contains("suppress.")]
    assert not changes["rule"].str.contains("suppress.opt_out").any()
    why = dict(zip(marked["record_id"], marked["rule"], strict=True))
    assert set(why) <= {"102", "104"}
    assert {why.get("102", "suppress.unsubscribed"), why.get("104", "suppress.placeholder")} == {
        "suppress.unsubscribed", "suppress.placeholder"}
    if header in HUBSPOT[0] and HUBSPOT[2][HUBSPOT[0].index(header)] != value:
        assert "102" in set(marked["record_id"])


def test_hubspot_read_only_properties_are_left_out(export, tmp_path):
    """HubSpot keeps "Unsubscribed from all email" and "Opted out of email: <type>" read-only
    (hs_email_optout, hs_email_optout_<id>): the cleaned contacts file carries no value into
    them; the opt-out travels through the opt-out list import (suppression_hubspot.csv)."""
    rows = [[*r, t] for r, t in zip(HUBSPOT, ["Opted out of email: Marketing Information",
                                             "false", "true", "", ""], strict=True)]
    path = write_csv(tmp_path / "hubspot_contacts.csv", rows)
    result = run(path, tmp_path / "out", target="hubspot")
    data = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")
    assert "Unsubscribed from all email" not in data.columns
    assert not [c for c in data.columns if c.startswith("Opted out of email")]
    assert data.loc["102", "Marketing contact status"] == "Non-marketing contact"
    assert read(result.out_dir / "suppression_hubspot.csv")["Email"].tolist() == ["bo@acme.com"]
    summary = json.loads((result.out_dir / "clean_summary.json").read_text())
    assert summary["left_out_columns"] == {
        "crm": ["Unsubscribed from all email", "Opted out of email: Marketing Information"]}
    changes = read(result.out_dir / "changes.csv")
    assert not changes["column"].isin(summary["left_out_columns"]["crm"]).any()
    # Cleaned for Salesforce, the same column is HasOptedOutOfEmail, which Data Loader sets.
    sf = run(path, tmp_path / "sf", target="salesforce")
    assert "HasOptedOutOfEmail" in read(sf.out_dir / "cleaned_crm.csv").columns


def test_a_target_may_not_mark_opt_outs_in_a_read_only_property(tmp_path, monkeypatch):
    import hygiene.clean.targets as targets

    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "mine.yaml").write_text(
        "kind: crm\nheaders: {unsubscribed: Unsubscribed}\n"
        "opt_out: {unsubscribed: {value: 'true'}}\nread_only: [Unsub*]\n", encoding="utf-8")
    monkeypatch.setattr(targets, "rules_dir", lambda: tmp_path)
    targets.load_target.cache_clear()
    try:
        with pytest.raises(ConfigError, match="read_only"):
            targets.load_target("mine")
    finally:
        targets.load_target.cache_clear()


def test_ids_of_another_platform_never_land_in_the_id_column(export, tmp_path):
    """A HubSpot Record ID under Salesforce's Id would update whichever Salesforce record
    has that id; it is kept as "Original Record ID" and the row creates a contact."""
    result = run(export, tmp_path / "out", target="salesforce")
    data = read(result.out_dir / "cleaned_crm.csv")
    assert "Id" not in data.columns
    assert data["Original Record ID"].tolist() == ["101", "102", "103", "104"]
    assert read(result.out_dir / "merge_plan.csv").empty


def test_esp_target_leaves_another_systems_suppressed_rows_out(export, tmp_path):
    """A CRM export cleaned for Mailchimp: importing a suppressed contact would create that
    address in the audience, so it is left out and listed in suppression_mailchimp.csv (the
    ESP's own members stay, marked: tests/test_clean_roundtrip.py)."""
    crm = run(export, tmp_path / "crm", target="hubspot")
    esp = run(export, tmp_path / "esp", target="mailchimp")
    assert len(read(crm.out_dir / "cleaned_crm.csv")) == 4
    data = read(esp.out_dir / "cleaned_crm.csv")
    assert data["Record ID"].tolist() == ["101", "103"]  # 102 unsubscribed, 104 placeholder


def test_role_accounts_only_when_asked(export, tmp_path):
    plain = run(export, tmp_path / "a")
    roles = run(export, tmp_path / "b", suppress_roles=True)
    assert "role" not in set(read(plain.out_dir / "suppression.csv")["Reason"])
    supp = read(roles.out_dir / "suppression.csv")
    assert supp.loc[supp["Reason"] == "role", "Email"].tolist() == ["info@acme.com"]
    assert read(roles.out_dir / "suppression_hubspot.csv")["Email"].tolist() == [
        "bo@acme.com", "info@acme.com"
    ]  # fmt: skip


def test_formula_like_values_are_escaped_numbers_are_not(export, tmp_path):
    result = run(export, tmp_path / "out")
    data = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")
    assert data.loc["101", "Company Name"] == '\'=HYPERLINK("http://x")'
    assert data.loc["102", "Company Name"] == "'@SUM(A1)"
    assert data.loc["102", "Notes"] == "'+cmd|' /C calc'!A0"
    assert data.loc["101", "Notes"] == "'-2+3"  # arithmetic is a formula; a number is not
    assert data.loc["102", "Phone Number"] == "+442079460958"
    changes = read(result.out_dir / "changes.csv")
    assert not changes["old"].str.match(r"^[=@]").any()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+14155552671", "+14155552671"),
        ("+1 (415) 555-2671", "+1 (415) 555-2671"),
        ("-12.50", "-12.50"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+cmd|x", "'+cmd|x"),
        ("Ann", "Ann"),
    ],
)
def test_escape(value, written):
    import pyarrow as pa

    assert escape(pa.array([value])).to_pylist() == [written]


def test_cleaning_fixes_cells_and_says_why(export, tmp_path):
    result = run(export, tmp_path / "out")
    changes = read(result.out_dir / "changes.csv")
    by = {(r.record_id, r.column): (r.old, r.new, r.rule) for r in changes.itertuples()}
    assert by[("101", "Email")] == (
        "Ann.Lee@Gmial.com ",
        "ann.lee@gmail.com",
        "trim+email.lowercase+email.typo_domain",
    )
    assert by[("101", "First Name")] == ("ANN", "Ann", "name.case")
    assert by[("101", "Country/Region")][1:] == ("United States", "field.inconsistent")
    assert by[("104", "Phone Number")] == ("1234567890", "", "value.placeholder")
    assert ("103", "Email") not in by


def test_merge_calls_per_target():
    hub, sf, mc = load_target("hubspot"), load_target("salesforce"), load_target("mailchimp")
    assert merge_calls(hub, "1", ["2", "3"]) == [
        {"primaryObjectId": "1", "objectIdToMerge": "2"},
        {"primaryObjectId": "1", "objectIdToMerge": "3"},
    ]
    assert merge_calls(sf, "M", ["a", "b", "c"]) == [
        {"masterRecord": "M", "recordToMergeIds": ["a", "b"]},
        {"masterRecord": "M", "recordToMergeIds": ["c"]},
    ]
    assert merge_calls(mc, "1", ["2"]) == []
    assert merge_calls(hub, None, ["2"]) == []


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_inputs_never_touched_and_never_overwritten(tmp_path):
    export = write_csv(tmp_path / "cleaned_crm.csv", HUBSPOT)
    before = _digest(tmp_path)
    with pytest.raises(ConfigError, match="is an input file"):
        hygiene.clean(f"crm={export}", out=tmp_path, decisions=tmp_path / "d.json")
    assert _digest(tmp_path) == before
    hygiene.clean(f"crm={export}", out=tmp_path / "out", decisions=tmp_path / "d.json")
    assert hashlib.sha256(export.read_bytes()).hexdigest() == before["cleaned_crm.csv"]


def test_an_interrupted_run_leaves_the_previous_files(export, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(export, out)
    before = _digest(out)
    from hygiene.clean import writers

    def boom(*a, **k):
        raise KeyboardInterrupt

    original = writers.writers

    def broken():
        found = original()
        found["changes"] = boom
        return found

    monkeypatch.setattr(writers, "writers", broken)
    monkeypatch.setattr("hygiene.clean.api.writers", broken)
    with pytest.raises(KeyboardInterrupt):
        run(export, out, target="salesforce")
    assert _digest(out) == before  # no half-written file, no mix of two runs, no temp file


def test_cli_clean(export, tmp_path, capsys):
    code = main(
        [
            "clean",
            f"crm={export}",
            "--out",
            str(tmp_path / "out"),
            "--target",
            "crm=salesforce",
            "--decisions",
            str(tmp_path / "d.json"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "crm -> salesforce: 4 rows in = 2 kept + 0 merged + 2 suppressed" in printed
    assert "every input row accounted for" in printed
    assert "Original Record ID" in read(tmp_path / "out" / "cleaned_crm.csv").columns


def test_cli_clean_needs_an_out_folder(export, capsys):
    assert main(["clean", f"crm={export}"]) == 2
    assert "--out DIR" in capsys.readouterr().err


def test_cli_clean_unknown_target(export, tmp_path, capsys):
    assert main(["clean", f"crm={export}", "--out", str(tmp_path), "--target", "marketo"]) == 2
    assert "unknown target 'marketo'" in capsys.readouterr().err


def test_config_clean_table(export, tmp_path):
    cfg = tmp_path / "hygiene.toml"
    cfg.write_text(
        f'[sources.crm]\npath = "{export.name}"\n\n'
        '[clean]\ntarget = "klaviyo"\nout = "cleaned"\nsuppress_roles = true\n'
    )
    result = hygiene.clean(config=cfg)
    assert result.out_dir == tmp_path / "cleaned"
    assert "Email" in read(result.out_dir / "cleaned_crm.csv").columns
    assert "role" in set(read(result.out_dir / "suppression.csv")["Reason"])
    summary = json.loads((result.out_dir / "clean_summary.json").read_text())
    assert summary["targets"] == {"crm": "klaviyo"}


def test_config_clean_table_unknown_key(export, tmp_path):
    cfg = tmp_path / "hygiene.toml"
    cfg.write_text(f'[sources.crm]\npath = "{export.name}"\n\n[clean]\nformat = "x"\n')
    with pytest.raises(ConfigError, match=r"\[clean\] format: unknown key"):
        hygiene.clean(config=cfg, out=tmp_path / "o")


TEXT = st.text(alphabet=st.sampled_from(list("ab xyZ,\"'=+-@.\n\tÄé€1")), min_size=0, max_size=12)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8))
def test_property_cleaned_files_load_again_and_every_row_is_accounted(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("prop")
    data = [["Email", "Full Name", "Notes"]]
    data += [[f"p{i}@brightwave.io", name, note] for i, (name, note) in enumerate(rows)]
    export = write_csv(folder / "people.csv", data)
    result = hygiene.clean(
        f"people={export}", out=folder / "out", target="generic", decisions=folder / "d.json"
    )
    acc = result.accounting["sources"][0]
    assert acc["kept"] + acc["merged"] + acc["suppressed"] == len(rows)
    again = load_source(SourceSpec("people", (str(folder / "out" / "cleaned_people.csv"),)))
    assert again.rows == acc["cleaned_rows"]
    merged = read(folder / "out" / "merge_plan.csv")
    assert len({e for ids in merged["merged_ids"] for e in ids.split("; ")}) == acc["merged"]


GOLDEN = Path(__file__).parent / "golden" / "clean_hubspot"


@pytest.mark.parametrize(
    "name",
    [
        "cleaned_crm.csv",
        "suppression.csv",
        "suppression_hubspot.csv",
        "changes.csv",
        "merge_plan.csv",
    ],
)
def test_golden_files(export, tmp_path, name):
    """Byte for byte what HubSpot gets for the small export above (review a diff by eye
    before copying a new output over the golden file)."""
    result = run(export, tmp_path / "out", target="hubspot")
    assert (result.out_dir / name).read_bytes() == (GOLDEN / name).read_bytes()


def test_a_rejected_finding_gives_no_suppression_reason(export, tmp_path):
    decisions = tmp_path / "hygiene-decisions.json"
    decisions.write_text(json.dumps({
        "schema": "hygiene.decisions/1",
        "keep_separate": [],
        "rejected_fixes": [{"record": {"source": "crm", "record_id": "104"},
                            "code": "value.placeholder", "field": "email",
                            "value": "test@test.com"}],
    }))  # fmt: skip
    result = hygiene.clean(f"crm={export}", out=tmp_path / "out", decisions=decisions)
    data = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")
    assert data.loc["104", "Email"] == "test@test.com"
    assert data.loc["104", "Phone Number"] == ""  # the phone placeholder was not rejected
    assert "placeholder" not in set(read(result.out_dir / "suppression.csv")["Reason"])
    assert result.summary["decisions"]["rejected_fixes"] == 1


def test_a_stale_decision_no_longer_applies(export, tmp_path):
    decisions = tmp_path / "hygiene-decisions.json"
    decisions.write_text(json.dumps({
        "schema": "hygiene.decisions/1",
        "rejected_fixes": [{"record": {"source": "crm", "record_id": "104"},
                            "code": "value.placeholder", "field": "email",
                            "value": "old@test.com"}],
    }))  # fmt: skip
    result = hygiene.clean(f"crm={export}", out=tmp_path / "out", decisions=decisions)
    assert result.summary["decisions"]["rejected_fixes"] == 0


def test_esp_target_suppresses_rows_without_an_address(tmp_path):
    export = write_csv(tmp_path / "contacts.csv", [
        ["Record ID", "First Name", "Email", "Phone Number"],
        ["1", "Ann", "ann@brightwave.io", ""],
        ["2", "Bo", "", "+14155552671"],
    ])  # fmt: skip
    result = hygiene.clean(
        f"crm={export}", out=tmp_path / "out", target="klaviyo", decisions=tmp_path / "d.json"
    )
    supp = read(result.out_dir / "suppression.csv")
    assert supp[["Reason", "Record ID", "Email"]].values.tolist() == [["missing", "2", ""]]
    assert read(result.out_dir / "cleaned_crm.csv")["Email"].tolist() == ["ann@brightwave.io"]


@pytest.mark.parametrize(
    ("email", "unsubscribed", "rule"),
    [
        ("gus@@ip.com", "false", "suppress.invalid"),  # the new-user trial's case
        ("ann lee@acme-corp.com", "false", "suppress.invalid"),  # a space in the local part
        ("test@test.com", "false", "suppress.placeholder"),
        ("ann@mailinator.com", "false", "suppress.disposable"),
        ("bo@acme.com", "true", "suppress.unsubscribed"),
    ],
)
def test_a_marked_row_says_why_it_was_suppressed(tmp_path, email, unsubscribed, rule):
    """changes.csv names the suppression reason of a row made non-marketing; an invalid
    address is no opt-out of the person."""
    rows = [HUBSPOT[0], ["301", "Gus", "Ip", email, "", "", "", "", "", "Marketing contact",
                         unsubscribed, ""]]
    result = run(write_csv(tmp_path / "hubspot_contacts.csv", rows), tmp_path / "out",
                 target="hubspot")
    changes = read(result.out_dir / "changes.csv")
    marked = changes[changes["column"] == "Marketing contact status"]
    assert marked["rule"].tolist() == [rule]
    assert marked["new"].tolist() == ["Non-marketing contact"]
