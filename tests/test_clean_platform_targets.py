"""Targets for every platform's import: Salesforce Leads vs Contacts, checkbox fields that
take only true/false, and the ActiveCampaign, Pipedrive and Zoho imports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hygiene
from hygiene.clean import load_target
from tests.platform_exports import EXPORTS, write_export


def cleaned(tmp_path: Path, export: str, rows: list[dict[str, str]], **kw) -> pd.DataFrame:
    src = write_export(tmp_path / f"{export}.csv", EXPORTS[export].headers, rows)
    out = tmp_path / "out"
    hygiene.clean(f"crm={src}", out=out, decisions=tmp_path / "d.json", **kw)
    return pd.read_csv(out / "cleaned_crm.csv", dtype=str, keep_default_na=False)


ADDRESS = {"Email": "ann@acme-corp.com", "FirstName": "Ann", "LastName": "Lee",
           "First Name": "Ann", "Last Name": "Lee"}


@pytest.mark.parametrize("target", [None, "salesforce"])
def test_a_lead_export_is_written_with_lead_fields(tmp_path: Path, target):
    rows = [{**ADDRESS, "Lead ID": "00Q5e000001AbCdEAK", "Company / Account": "Acme Corp",
             "Street": "1 Main St", "City": "Austin", "State/Province": "Texas",
             "Zip/Postal Code": "73301", "Country": "United States"}]
    out = cleaned(tmp_path, "salesforce-leads-report", rows,
                  **({"target": target} if target else {}))
    for header in ("Street", "City", "State", "PostalCode", "Country", "Company"):
        assert header in out.columns, header
    assert not {"MailingStreet", "MailingCity", "MailingCountry"} & set(out.columns)
    assert out["Company"].tolist() == ["Acme Corp"]


def test_a_contact_export_has_mailing_fields_and_no_company(tmp_path: Path):
    rows = [{**ADDRESS, "Contact ID": "0035e000001AbCdEAK", "Account Name": "Acme Corp",
             "Mailing Street": "1 Main St", "Mailing City": "Austin",
             "Mailing Country": "United States", "Email Bounced Reason": "",
             "Email Opt Out": "0"}]
    out = cleaned(tmp_path, "salesforce-contacts-report", rows)
    assert {"MailingStreet", "MailingCity", "MailingCountry"} <= set(out.columns)
    assert "Company" not in out.columns and "Street" not in out.columns
    assert out["Account Name"].tolist() == ["Acme Corp"]  # a name, not an AccountId


def test_bounce_reason_text_never_lands_in_the_checkbox(tmp_path: Path):
    rows = [{**ADDRESS, "Contact ID": "0035e000001AbCdEAK",
             "Email Bounced Reason": "550 5.1.1 user unknown"},
            {**ADDRESS, "Email": "bo@acme-corp.com", "Contact ID": "0035e000001AbCdEAL"}]
    out = cleaned(tmp_path, "salesforce-contacts-report", rows)
    assert "IsEmailBounced" not in out.columns
    assert "550 5.1.1 user unknown" in out["Email Bounced Reason"].tolist()


def test_a_true_false_bounce_column_is_the_checkbox(tmp_path: Path):
    rows = [{**ADDRESS, "Id": "0035e000001AbCdEAK", "IsEmailBounced": "true",
             "EmailBouncedReason": "550 5.1.1 user unknown"},
            {**ADDRESS, "Email": "bo@acme-corp.com", "Id": "0035e000001AbCdEAL",
             "IsEmailBounced": "false"}]
    out = cleaned(tmp_path, "salesforce-contacts-dataloader", rows)
    assert "IsEmailBounced" in out.columns
    assert set(out["IsEmailBounced"]) <= {"true", "false", "True", "False", "1", "0"}


@pytest.mark.parametrize(
    ("written", "meant"),
    [("WAHR", "true"), ("FALSCH", "false"), ("VRAI", "true"), ("FAUX", "false"),
     ("ja", "true"), ("nein", "false"), ("Yes", "true"), ("N", "false"),
     ("1", "1"), ("0", "0"), ("true", "true"), ("FALSE", "FALSE")],
)
def test_a_checkbox_takes_true_or_false_whatever_language_it_was_saved_in(
    tmp_path: Path, written, meant
):
    """A Salesforce report re-saved by a German or French Excel says WAHR / FAUX in its Email
    Opt Out column; Data Loader's HasOptedOutOfEmail takes true/false (or 1/0), so the
    cleaned file says what the cell meant in words the import reads. Values an import
    already reads (1/0, true/false) are left as they are."""
    rows = [{**ADDRESS, "Email": "ann@acme-corp.com", "Contact ID": "0035e000001AbCdEAK",
             "Email Opt Out": written},
            {"Email": "bo@acme-corp.com", "First Name": "Bo", "Last Name": "Chan",
             "Contact ID": "0035e000001AbCdEAL", "Email Opt Out": "0"}]
    out = cleaned(tmp_path, "salesforce-contacts-report", rows)
    assert "HasOptedOutOfEmail" in out.columns
    assert out["HasOptedOutOfEmail"].tolist() == [meant, "0"]


@pytest.mark.parametrize(
    ("name", "kind", "key", "email", "optout"),
    [
        ("activecampaign", "esp", "email", "Email", {"Email": "email", "Status": "=Unsubscribed"}),
        ("pipedrive", "crm", "record_id", "Email",
         {"ID": "record_id", "Email": "email", "Marketing status": "=Unsubscribed"}),
        ("zoho", "crm", "record_id", "Email",
         {"Record Id": "record_id", "Email": "email", "Email Opt Out": "=true"}),
        ("salesforce_lead", "crm", "record_id", "Email",
         {"Id": "record_id", "Email": "email", "HasOptedOutOfEmail": "=true"}),
    ],
)  # fmt: skip
def test_new_targets_load(name, kind, key, email, optout):
    t = load_target(name)
    assert (t.kind, t.key, t.headers["email"]) == (kind, key, email)
    assert dict(t.suppression.columns) == optout


def test_pipedrive_export_cleaned_for_pipedrive_keeps_its_own_headers(tmp_path: Path):
    rows = [{"ID": "7", "Name": "Ann Lee", "Email - Work": "Ann@Acme-Corp.com",
             "Marketing status": "Subscribed", "Country of Postal address": "Germany"}]
    out = cleaned(tmp_path, "pipedrive-people", rows)
    assert out["ID"].tolist() == ["7"] and out["Email"].tolist() == ["ann@acme-corp.com"]
    assert out["Country of Postal address"].tolist() == ["Germany"]


@pytest.mark.parametrize(
    ("state", "country", "want_state", "want_country"),
    [
        ("Bavaria", "Germany", "Bavaria", "Germany"),  # a valid name is not rewritten
        ("Bayern", "Deutschland", "Bayern", "Germany"),  # a native country alias takes the name
        ("Ile-de-France", "France", "Ile-de-France", "France"),  # no accent added
        ("BY", "DE", "Bayern", "Germany"),  # codes take the target's form (names)
        ("california", "USA", "california", "United States"),
    ],
)
def test_valid_names_are_not_rewritten_into_another_valid_form(
    tmp_path: Path, state, country, want_state, want_country
):
    rows = [{"Record ID": "1", "Email": "ann@acme-corp.com", "State/Region": state,
             "Country/Region": country}]
    headers = (*EXPORTS["hubspot-default-view"].headers, "State/Region", "Country/Region")
    src = write_export(tmp_path / "hubspot.csv", headers, rows)
    out_dir = tmp_path / "out"
    hygiene.clean(f"crm={src}", out=out_dir, decisions=tmp_path / "d.json")
    out = pd.read_csv(out_dir / "cleaned_crm.csv", dtype=str, keep_default_na=False)
    assert (out["State/Region"].iloc[0], out["Country/Region"].iloc[0]) == (
        want_state, want_country)


def test_a_suppression_the_row_already_carries_is_kept_not_relabelled(tmp_path: Path):
    """Klaviyo's "Email Suppressions" of a bounced profile says HARD_BOUNCE: the cleaned file
    keeps it rather than write USER_SUPPRESSED, which would turn the address's bounce into the
    person's opt-out (found on a hand-made Klaviyo export). A profile suppressed for a reason
    of this clean's own (its address is disposable) gets the target's marker."""
    headers = (*EXPORTS["klaviyo-list"].headers, "Email Suppressions")
    bounce = "[{'reason': 'HARD_BOUNCE', 'timestamp': '2024-03-01T10:00:00+00:00'}]"
    rows = [
        {"Email": "tobias@web.de", "First Name": "Tobias", "Klaviyo ID": "01HA",
         "Email Marketing Consent": "SUBSCRIBED", "Email Suppressions": bounce},
        {"Email": "ann@acme-corp.com", "First Name": "Ann", "Klaviyo ID": "01HB",
         "Email Marketing Consent": "SUBSCRIBED", "Email Suppressions": "[]"},
        {"Email": "zed@mailinator.com", "First Name": "Zed", "Klaviyo ID": "01HC",
         "Email Marketing Consent": "SUBSCRIBED", "Email Suppressions": "[]"},
    ]
    src = write_export(tmp_path / "klaviyo.csv", headers, rows)
    out = tmp_path / "out"
    hygiene.clean(f"esp={src}", out=out, decisions=tmp_path / "d.json")
    got = pd.read_csv(out / "cleaned_esp.csv", dtype=str, keep_default_na=False)
    marks = dict(zip(got["Email"], got["Email Suppressions"], strict=True))
    assert marks == {"tobias@web.de": bounce, "ann@acme-corp.com": "[]",
                     "zed@mailinator.com": "USER_SUPPRESSED"}
