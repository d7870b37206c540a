"""Platform presets, detection from real export headers, and column mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hygiene.errors import ConfigError
from hygiene.load import SourceSpec, detect_platform, load_source, map_columns, platform_presets
from hygiene.load.presets import header_key
from hygiene.model import FIELDS
from hygiene.resources import rules_dir

REAL_HEADERS = {
    "hubspot": "Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,Contact owner,"
    "Create Date,Last Activity Date,Lead Status,Marketing contact status,Company Name,"
    "Associated Company ID,Unsubscribed from all email,Country/Region,State/Region,Postal Code,"
    "Original Source",
    "salesforce-contacts-report": "Contact ID,Salutation,First Name,Last Name,Title,Account Name,"
    "Mailing Street,Mailing City,Mailing State/Province,Mailing Zip/Postal Code,Mailing Country,"
    "Phone,Mobile,Email,Email Opt Out,Lead Source,Contact Owner,Created Date,Last Modified Date",
    "salesforce-leads-report": "Lead ID,First Name,Last Name,Title,Company / Account,Street,City,"
    "State/Province,Zip/Postal Code,Country,Phone,Mobile,Email,Email Opt Out,Lead Source,"
    "Lead Status,Lead Owner,Rating,Created Date",
    "salesforce-contacts-api": "Id,AccountId,FirstName,LastName,Email,Phone,MobilePhone,"
    "MailingStreet,MailingCity,MailingState,MailingPostalCode,MailingCountry,HasOptedOutOfEmail,"
    "OwnerId,LeadSource,CreatedDate,LastModifiedDate",
    "salesforce-leads-api": "Id,FirstName,LastName,Company,Email,Phone,Street,City,State,"
    "PostalCode,Country,Status,LeadSource,OwnerId,HasOptedOutOfEmail,IsConverted,CreatedDate",
    "mailchimp": "Email Address,First Name,Last Name,Address,Phone Number,Birthday,MEMBER_RATING,"
    "OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,"
    "REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS",
    "klaviyo": "Email,Klaviyo ID,First Name,Last Name,Organization,Title,Phone Number,Address,"
    "Address 2,City,State / Region,Country,Zip Code,Latitude,Longitude,Source,IP Address,"
    "Email Marketing Consent,Email Marketing Consent Timestamp,First Active,Last Active,"
    "Profile Created On,Date Added",
    "activecampaign": "Email,First Name,Last Name,Phone,Organization,Tags,Date Created,"
    "Date Updated,IP",
    "pipedrive": "Person - ID,Person - Name,Person - First name,Person - Last name,"
    "Person - Email - Work,Person - Email - Home,Person - Phone - Work,Person - Phone - Mobile,"
    "Person - Organization,Person - Owner,Person - Label,Person - Person created,"
    "Person - Update time,Person - Marketing status",
    "zoho-contacts": "Record Id,Contact Owner.id,Contact Owner,Lead Source,First Name,Last Name,"
    "Account Name.id,Account Name,Email,Title,Phone,Mobile,Date of Birth,Email Opt Out,"
    "Created Time,Modified Time,Mailing Street,Mailing City,Mailing State,Mailing Zip,"
    "Mailing Country,Tag,Unsubscribed Mode,Unsubscribed Time,Last Activity Time",
    "zoho-leads": "Record Id,Lead Owner.id,Lead Owner,Company,First Name,Last Name,Designation,"
    "Email,Phone,Mobile,Lead Source,Lead Status,Street,City,State,Zip Code,Country,Email Opt Out,"
    "Created Time,Modified Time,Unsubscribed Mode,Lead Conversion Time",
}


@pytest.mark.parametrize("export", sorted(REAL_HEADERS))
def test_each_platform_is_detected_from_its_real_headers(export: Any) -> None:
    platform, confidence = detect_platform(REAL_HEADERS[export].split(","))
    assert platform == export.split("-")[0]
    assert confidence >= 0.8


@pytest.mark.parametrize(
    "headers",
    [
        "Name,E-mail,Tel,Firma,Notes",
        "Email,First Name,Last Name",  # every platform has these: no evidence of any
        "email,phone,favourite colour",
        "",
    ],
)
def test_unknown_headers_are_generic(headers: Any) -> None:
    platform, confidence = detect_platform(headers.split(",") if headers else [])
    assert platform == "generic" and 0.0 <= confidence <= 1.0


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        ("hubspot", {"Record ID": "record_id", "Contact owner": "owner",
                     "Marketing contact status": "marketable",
                     "Unsubscribed from all email": "unsubscribed", "Create Date": "created_at",
                     "Original Source": "lead_source", "Associated Company ID": "company_id",
                     "Country/Region": "country", "State/Region": "state"}),
        ("mailchimp", {"Email Address": "email", "MEMBER_RATING": "rating",
                       "OPTIN_TIME": "consent_date", "CONFIRM_TIME": "double_opt_in_date",
                       "CC": "country", "REGION": "state", "LAST_CHANGED": "updated_at",
                       "EUID": "source_id", "TAGS": "tags"}),
        ("salesforce-contacts-api", {"Id": "record_id", "HasOptedOutOfEmail": "unsubscribed",
                                     "OwnerId": "owner", "AccountId": "company_id",
                                     "MailingStreet": "street",
                                     "MailingPostalCode": "postal_code"}),
        ("salesforce-leads-report", {"Lead ID": "record_id", "Lead Status": "lead_status",
                                     "Email Opt Out": "unsubscribed", "Lead Owner": "owner",
                                     "Zip/Postal Code": "postal_code"}),
        ("pipedrive", {"Person - Email - Work": "email", "Person - Phone - Mobile": "mobile_phone",
                       "Person - Name": "full_name", "Person - Marketing status": "email_status"}),
        ("zoho-contacts", {"Record Id": "record_id", "Mailing Zip": "postal_code",
                           "Email Opt Out": "unsubscribed", "Modified Time": "updated_at"}),
        ("klaviyo", {"Klaviyo ID": "record_id", "Email Marketing Consent": "consent",
                     "Email Marketing Consent Timestamp": "consent_date",
                     "Zip Code": "postal_code"}),
    ],
)  # fmt: skip
def test_preset_maps_real_headers_with_full_confidence(export: Any, expected: Any) -> None:
    headers = REAL_HEADERS[export].split(",")
    mapping, confidence = map_columns(headers, export.split("-")[0])
    assert {c: mapping.get(c) for c in expected} == expected
    assert all(confidence[c] == 1.0 for c in expected)
    assert len(set(mapping.values())) == len(mapping)  # at most one column per field


def test_mailchimp_record_id_is_none_and_leid_stays_unmapped() -> None:
    mapping, _ = map_columns(REAL_HEADERS["mailchimp"].split(","), "mailchimp")
    assert "record_id" not in mapping.values()
    assert "LEID" not in mapping and "NOTES" not in mapping and "OPTIN_IP" not in mapping


@pytest.mark.parametrize(
    ("header", "field", "low", "high"),
    [
        ("E-mail Address", "email", 0.95, 0.95),
        ("Mail", "email", 0.95, 0.95),
        ("Zip", "postal_code", 0.95, 0.95),
        ("Postcode", "postal_code", 0.95, 0.95),
        ("Firma", "company", 0.95, 0.95),
        ("Surname", "last_name", 0.95, 0.95),
        ("Given name", "first_name", 0.95, 0.95),
        ("Mobile", "mobile_phone", 0.95, 0.95),
        ("Cell", "mobile_phone", 0.95, 0.95),
        ("Organisation", "company", 0.95, 0.95),
        ("first_name", "first_name", 0.95, 0.95),
        ("E-mail Adress", "email", 0.8, 0.9),  # misspelt: similarity
        ("Telephone Nr", "phone", 0.75, 0.9),
        ("Organizaton", "company", 0.75, 0.9),
        ("Person - Email - Work", "email", 0.9, 0.9),  # another preset's header
        ("Mailing Zip/Postal Code", "postal_code", 0.9, 0.9),
    ],
)
def test_similarity_mapping_of_unknown_headers(
    header: Any, field: Any, low: Any, high: Any
) -> None:
    mapping, confidence = map_columns([header], "generic")
    assert mapping == {header: field}
    assert low <= confidence[header] <= high


@pytest.mark.parametrize("header", ["Notes", "Favourite colour", "Phone no", "Shoe size", "ID2X"])
def test_unrelated_headers_stay_unmapped(header: Any) -> None:
    assert map_columns([header], "generic") == ({}, {})


def test_one_column_per_field_best_confidence_wins() -> None:
    headers = ["Associated Company", "Company Name", "Mail", "Email", "Email 2"]
    mapping, confidence = map_columns(headers, "hubspot")
    assert mapping == {"Company Name": "company", "Email": "email"}
    assert confidence == {"Company Name": 1.0, "Email": 1.0}


def test_overrides_win_and_can_unmap() -> None:
    mapping, confidence = map_columns(
        ["Email", "Work Email", "Zip"], "generic", {"work email": "email", "Zip": ""}
    )
    assert mapping == {"Work Email": "email"} and confidence == {"Work Email": 1.0}


def test_unknown_platform_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown platform 'marketo'"):
        map_columns(["Email"], "marketo")


def test_unmapped_columns_stay_in_the_data(tmp_path: Path) -> None:
    path = tmp_path / "hubspot.csv"
    path.write_text(REAL_HEADERS["hubspot"] + ",Favourite colour\n" + "x," * 18 + "teal\n")
    src = load_source(SourceSpec("crm", (str(path),)))
    assert src.platform == "hubspot"
    assert "Favourite colour" in src.data.columns and "Favourite colour" not in src.columns
    assert src.data["Favourite colour"].tolist() == ["teal"]


# --- the preset files themselves -----------------------------------------------------------


def test_presets_cover_every_platform_of_the_contract() -> None:
    assert set(platform_presets()) == {
        "hubspot", "salesforce", "mailchimp", "klaviyo", "activecampaign", "pipedrive", "zoho",
        "generic",
    }  # fmt: skip


PRESET_FILES = sorted(p.stem for p in (rules_dir() / "platforms").glob("*.yaml"))


@pytest.mark.parametrize("name", PRESET_FILES)
def test_preset_file_is_well_formed(name: Any) -> None:
    preset = platform_presets()[name]
    assert preset.platform == Path(name).stem and preset.title
    assert preset.kind in (("generic",) if name == "generic" else ("crm", "esp"))
    assert {f for f in preset.columns.values() if f} <= set(FIELDS)
    assert set(preset.synonyms) <= set(FIELDS)
    keys = {header_key(h) for h in preset.columns}
    assert {header_key(s) for s in preset.signatures} <= keys, "a signature must be a column"
    seen: dict[str, str | None] = {}
    for header, fld in preset.columns.items():
        k = header_key(header)
        assert seen.setdefault(k, fld) == fld, f"{header!r} listed twice with different fields"
