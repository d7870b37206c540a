"""link.missing_reference: declared references (deals -> contacts, owner -> users,
company id -> companies) that point at nothing, or at a user who left."""

from __future__ import annotations

import pandas as pd
import pytest

from hygiene.checks.rules import load_rules
from hygiene.errors import ConfigError
from hygiene.links import LinkSpec, check_links
from hygiene.prepared import Prepared
from tests.helpers import make_source

RULES = load_rules()


def crm():
    return make_source(
        "crm",
        {
            "Record ID": ["51001", "51002", "51003", "51004"],
            "Email": ["ann@acme.com", "bob@acme.com", "cy@acme.com", "dee@acme.com"],
            "Contact owner": ["Jo Park", "max.ray@acme.com", "Zed Old", None],
            "Associated Company ID": ["9001", "9002.0", "9999", ""],
        },
        {"Record ID": "record_id", "Email": "email", "Contact owner": "owner",
         "Associated Company ID": "company_id"},
        platform="hubspot", file="hubspot_contacts.csv",
    )


def users():
    return make_source(
        "users",
        {"First Name": ["Jo", "Max", "Ida"], "Last Name": ["Park", "Ray", "Moss"],
         "Email": ["jo.park@acme.com", "max.ray@acme.com", "ida@acme.com"],
         "Active": ["true", "false", "Deactivated"]},
        {"First Name": "first_name", "Last Name": "last_name", "Email": "email"},
        file="users.csv",
    )


def companies():
    return make_source("companies", {"Record ID": ["9001", "9002"],
                                     "Company name": ["Acme", "Globex"]},
                       {"Record ID": "record_id", "Company name": "company"},
                       platform="hubspot", file="hubspot_companies.csv")


def deals():
    return make_source("deals", {"Deal ID": ["D1", "D2", "D3"],
                                 "Contact ID": ["51001", "51077", " 51003 "],
                                 "Amount": ["100", "250", "75"]},
                       {"Deal ID": "record_id"}, file="deals.csv")


KINDS = {"users": "reference", "companies": "reference", "deals": "reference"}


def run(links, *sources) -> pd.DataFrame:
    preps = [Prepared(s) for s in (crm(), *sources)]
    out = check_links(preps, RULES, links=links, kinds=KINDS).findings
    return out[out["code"] == "link.missing_reference"]


def test_deal_pointing_at_a_deleted_contact():
    found = run([LinkSpec("deals.contact_id", ("crm.record_id",))], deals())
    assert list(zip(found["source"], found["row"], found["column"], found["value"],
                    strict=True)) == [("deals", 2, "Contact ID", "51077")]
    row = found.iloc[0]
    assert row["record_id"] == "D2" and pd.isna(row["field"])
    assert row["message"] == "Contact ID '51077' points at nothing in crm Record ID"
    assert row["dimension"] == "integrity"


def test_owner_against_a_users_export_by_name_or_email():
    link = LinkSpec("crm.owner", ("users",))
    found = run([link], users())
    # "Jo Park" is a user by name, "max.ray@acme.com" by email; "Zed Old" is nobody.
    assert list(found["row"]) == [3]
    assert found.iloc[0]["field"] == "owner" and found.iloc[0]["column"] == "Contact owner"


def test_owner_who_left_the_company():
    link = LinkSpec("crm.owner", ("users.email", "users.full_name"), active="users.Active")
    found = run([link], users()).sort_values("row")
    assert list(found["row"]) == [2, 3]
    left = found.iloc[0]
    assert left["message"] == (
        "Contact owner 'max.ray@acme.com' points at users row 2, which is inactive "
        "(Active = false)"
    )
    assert left["related"] == [{"source": "users", "file": "users.csv", "row": 2}]
    # Ida (deactivated) is no longer a valid target either, but nobody points at her.
    assert found.iloc[1]["message"] == (
        "Contact owner 'Zed Old' points at nothing in users Email, users First Name + Last Name"
    )


def test_company_id_against_a_companies_export():
    found = run([LinkSpec("crm.company_id", ("companies.record_id",))], companies())
    # "9002.0" is Excel's 9002; the empty cell is no reference at all.
    assert list(zip(found["row"], found["value"], strict=True)) == [(3, "9999")]


def test_salesforce_15_and_18_character_ids_agree():
    contacts = make_source("sfdc", {"Id": ["0035g00000AbCdE", "0035g00000ZzZzZ"],
                                    "AccountId": ["0015g00000XyZaBAAR", "0015g00000QqQqQAAA"]},
                           {"Id": "record_id", "AccountId": "company_id"},
                           platform="salesforce")
    accounts = make_source("accounts", {"Id": ["0015g00000XyZaB"], "Name": ["Acme"]},
                           {"Id": "record_id", "Name": "company"}, platform="salesforce")
    out = check_links([Prepared(contacts), Prepared(accounts)], RULES,
                      links=["sfdc.company_id=accounts.record_id"],
                      kinds={"accounts": "reference"}).findings
    assert list(out["row"]) == [2]


def test_reference_sources_get_no_contact_checks_or_link_defaults():
    out = check_links([Prepared(crm()), Prepared(users())], RULES, kinds=KINDS).findings
    assert out.empty


@pytest.mark.parametrize(
    "link,problem",
    [
        (LinkSpec("deals.nope", ("crm.record_id",), where="hygiene.toml: [[links]] #1"),
         "hygiene.toml: [[links]] #1 from: source 'deals' has no field or column 'nope'"),
        (LinkSpec("deals", ("crm.record_id",), where="--link x"),
         "--link x from: a reference needs SOURCE.FIELD"),
        (LinkSpec("deals.contact_id", ("crm.record_id",), active="users", where="--link y"),
         "--link y active: give SOURCE.COLUMN"),
    ],
)
def test_bad_references_name_the_link_and_key(link, problem):
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        run([link], deals(), users())
