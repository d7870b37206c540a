"""An export cleaned for another platform's import: the source's own status words and extra
member ids are left out (clean_summary.json `left_out_columns`), its member id is kept under
"Original Record ID", and no row's status contradicts the target's opt-out marking.

Found by a new-user trial: a Mailchimp audience cleaned with `--target hubspot` kept "Member
Status: subscribed" beside "Non-marketing contact", and Mailchimp's LEID/EUID as they were."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import hygiene
from tests.test_clean_roundtrip import (
    CLEAN,
    CLEANED,
    HUBSPOT,
    MC_HEADER,
    SUBSCRIBED,
    UNSUB,
    UNSUBSCRIBED,
    _csv,
)


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("foreign")
    crm = folder / "hubspot_contacts.csv"
    crm.write_text(_csv(HUBSPOT), encoding="utf-8")
    esp = folder / "members_export_0123456789.zip"
    with zipfile.ZipFile(esp, "w") as zf:
        zf.writestr("subscribed_members_export_0123456789.csv", _csv([MC_HEADER, *SUBSCRIBED]))
        zf.writestr("unsubscribed_members_export_0123456789.csv",
                    _csv([MC_HEADER + UNSUB, *UNSUBSCRIBED]))
        zf.writestr("cleaned_members_export_0123456789.csv", _csv([MC_HEADER + CLEAN, *CLEANED]))
    return hygiene.audit(f"crm={crm}", f"esp={esp}", decisions=False)


def _clean(audited, out: Path, target: str):
    result = hygiene.clean(out=out, audited=audited, target=target,
                           decisions=out.parent / f"{out.name}.json")
    data = pd.read_csv(out / "cleaned_esp.csv", dtype=str, keep_default_na=False)
    return result, data


@pytest.mark.parametrize(
    "target,marking,marked",
    [
        ("hubspot", "Marketing contact status", "Non-marketing contact"),
        ("salesforce", "HasOptedOutOfEmail", "true"),
        ("zoho", "Email Opt Out", "true"),
    ],
)
def test_another_platforms_status_and_ids_are_left_out(audited, tmp_path, target, marking,
                                                       marked):
    result, data = _clean(audited, tmp_path / target, target)
    assert "Member Status" not in data.columns
    assert "LEID" not in data.columns and "EUID" not in data.columns
    assert set(result.summary["left_out_columns"]["esp"]) == {"LEID", "Member Status"}
    # The member id maps each created record back to its Mailchimp member.
    euids = {row[20] for row in [*SUBSCRIBED, *UNSUBSCRIBED, *CLEANED]}
    assert set(data["Original Record ID"]) <= euids and len(data["Original Record ID"]) > 0
    # Cy unsubscribed in Mailchimp: marked the target's way, and nothing says "subscribed".
    cy = data[data.iloc[:, 0] == "cy.ortiz@globex.com"]
    assert list(cy[marking]) == [marked]
    assert not data.isin(["subscribed"]).any().any()


def test_the_same_platform_and_generic_keep_every_column(audited, tmp_path):
    for target in ("mailchimp", "generic"):
        result, data = _clean(audited, tmp_path / target, target)
        assert {"Member Status", "LEID", "EUID"} <= set(data.columns), target
        assert "esp" not in result.summary["left_out_columns"], target


def test_salesforce_ids_in_a_lookup_keep_their_header_for_hubspot(tmp_path):
    """A Data Loader export (tests/platform_exports.py) cleaned for HubSpot: OwnerId holds
    Salesforce user ids, which HubSpot's "Contact owner" (an owner's name or email) would
    misread; the bounce flag is Salesforce's own state; the opt-out flag is read-only there."""
    from tests.platform_exports import EXPORTS

    headers = list(EXPORTS["salesforce-contacts-dataloader"].headers)
    row = {h: "" for h in headers}
    row.update({"Id": "0035g00000XyZ01AAA", "LastName": "Walsh", "FirstName": "Jennifer",
                "Email": "jennifer.walsh@northwind.com", "OwnerId": "0055g00000Own01AAA",
                "AccountId": "0015g00000Acc01AAA", "HasOptedOutOfEmail": "false",
                "IsEmailBounced": "false", "IsDeleted": "false"})
    other = {**row, "Id": "0035g00000XyZ02AAA", "Email": "robert.chen@contoso.com",
             "FirstName": "Robert", "LastName": "Chen", "HasOptedOutOfEmail": "true"}
    path = tmp_path / "contacts.csv"
    path.write_text(_csv([headers, [row[h] for h in headers], [other[h] for h in headers]]),
                    encoding="utf-8")
    out = tmp_path / "hub"
    result = hygiene.clean(f"sf={path}", out=out, target="hubspot",
                           decisions=tmp_path / "d.json")
    data = pd.read_csv(out / "cleaned_sf.csv", dtype=str, keep_default_na=False)
    assert "Contact owner" not in data.columns and "OwnerId" in data.columns
    assert list(data["Original Record ID"]) == ["0035g00000XyZ01AAA", "0035g00000XyZ02AAA"]
    assert set(result.summary["left_out_columns"]["sf"]) == {
        "Unsubscribed from all email", "IsEmailBounced"}
    assert list(data["Marketing contact status"]) == ["", "Non-marketing contact"]
