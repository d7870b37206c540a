"""Audit, clean, audit the cleaned files again: the score rises, no finding is new, no
opt-out is lost, every input row is accounted for. On the demo exports and on a small
HubSpot + Mailchimp pair written by hand with the headers the two systems export.

Identity of a finding: (source, record id, field). A cleaned placeholder that is now empty
("email.missing" where "value.placeholder" was) is the same defect on the same cell, not a
new one. The one kind of finding the re-audit may show anew is `link.orphan`: on a record whose
counterpart's address a merge moved into merge_plan.csv (HubSpot keeps it as an additional
address of the merged contact; the cleaned file has one address per contact), or on one
whose address no other source held before either (only the matcher's guess by name linked
it, and that guess is re-estimated on the cleaned data).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hygiene
from hygiene.demo import generate
from hygiene.links.state import consent_state
from hygiene.load import SourceSpec

HUBSPOT = [
    ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
     "Job Title", "City", "Marketing contact status", "Unsubscribed from all email",
     "Create Date", "Last Activity Date"],
    # Ann Lee twice: the complete record (the survivor) holds a placeholder address.
    ["201", "Ann", "Lee", "test@test.com", "+1 415 555 0101", "Acme Corp", "CFO",
     "San Francisco", "Marketing contact", "false", "2021-03-01 10:00", "2024-05-01 09:00"],
    ["202", "Ann", "Lee", "ann.lee@acme-corp.com", "+1 415 555 0101", "", "", "",
     "Marketing contact", "false", "2022-07-09 12:00", ""],
    # Laura's right address; Mailchimp holds a misspelt one that bounced.
    ["203", "Laura", "Phillips", "laura.phillips76@yahoo.com", "+1 860 290 0678", "", "",
     "Hartford", "Marketing contact", "false", "2020-04-07 22:26", "2020-05-15 07:26"],
    # Bo opted out here; Mailchimp still has him subscribed.
    ["204", "Bo", "Ng", "bo.ng@brightwave.io", "+44 20 7946 0958", "Brightwave", "",
     "London", "Non-marketing contact", "true", "2019-01-05 08:00", "2023-02-01 10:00"],
    # Cy unsubscribed in Mailchimp; still a marketing contact here.
    ["205", "Cy", "Ortiz", "cy.ortiz@globex.com", "+1 512 555 0199", "Globex", "CTO",
     "Austin", "Marketing contact", "false", "2020-09-09 09:09", "2024-01-10 11:00"],
    ["206", "Di", "Park", "di.park@initech.com", "+1 206 555 0142", "Initech", "VP Sales",
     "Seattle", "Marketing contact", "false", "2021-11-11 11:11", "2024-03-03 03:03"],
    ["207", "Eve", "Stone", "eve.stone@umbrella.io", "+1 303 555 0177", "Umbrella", "",
     "Denver", "Marketing contact", "false", "2022-02-02 02:02", "2024-04-04 04:04"],
    ["208", "Finn", "Walsh", "finn.walsh@hooli.com", "+1 650 555 0123", "Hooli", "Engineer",
     "Palo Alto", "Marketing contact", "false", "2023-06-06 06:06", "2024-06-06 06:06"],
    # Gus opted out and has no address: his opt-out must survive the read-only column.
    ["209", "Gus", "Hale", "", "+1 617 555 0165", "Initrode", "", "Boston",
     "Marketing contact", "true", "2021-05-05 05:05", "2024-02-02 02:02"],
]  # fmt: skip
MC_HEADER = [
    "Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday",
    "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE",
    "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID",
    "EUID", "NOTES", "TAGS",
]  # fmt: skip
UNSUB = ["UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON",
         "UNSUB_REASON_OTHER"]  # fmt: skip
CLEAN = ["CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"]


def member(email: str, first: str, last: str, leid: str, euid: str) -> list[str]:
    row = [""] * len(MC_HEADER)
    row[0], row[1], row[2] = email, first, last
    row[6], row[7], row[18] = "3", "2021-01-01 10:00:00", "2024-01-01 10:00:00"
    row[19], row[20] = leid, euid
    return row


SUBSCRIBED = [
    member("bo.ng@brightwave.io", "Bo", "Ng", "100000004", "a4a4a4a4a4"),
    member("di.park@initech.com", "Di", "Park", "100000006", "a6a6a6a6a6"),
    member("eve.stone@umbrella.io", "Eve", "Stone", "100000007", "a7a7a7a7a7"),
    member("finn.walsh@hooli.com", "Finn", "Walsh", "100000008", "a8a8a8a8a8"),
    member("ann.lee@acme-corp.com", "Ann", "Lee", "100000002", "a2a2a2a2a2"),
]
UNSUBSCRIBED = [
    member("cy.ortiz@globex.com", "Cy", "Ortiz", "100000005", "a5a5a5a5a5")
    + ["2023-05-05 05:05:05", "Monthly Digest #42", "c2f1e7318c", "I no longer want these", ""],
]
CLEANED = [
    member("laura.phillips76@yaho.com", "Laura", "Phillips", "100000003", "a3a3a3a3a3")
    + ["2022-04-15 00:04:22", "Product Update - March", "d613dd8f92"],
]


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL).writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pair")
    crm = folder / "hubspot_contacts.csv"
    crm.write_text(_csv(HUBSPOT), encoding="utf-8")
    esp = folder / "members_export_0123456789.zip"
    with zipfile.ZipFile(esp, "w") as zf:
        zf.writestr("subscribed_members_export_0123456789.csv", _csv([MC_HEADER, *SUBSCRIBED]))
        zf.writestr(
            "unsubscribed_members_export_0123456789.csv", _csv([MC_HEADER + UNSUB, *UNSUBSCRIBED])
        )
        zf.writestr("cleaned_members_export_0123456789.csv", _csv([MC_HEADER + CLEAN, *CLEANED]))
    return crm, esp


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def round_trip(crm: Path, esp: Path, out: Path, target: str | None = None):
    before = hygiene.audit(f"crm={crm}", f"esp={esp}", decisions=False)
    result = hygiene.clean(
        out=out, audited=before, target=target, decisions=out.parent / f"{out.name}.json"
    )
    esp_platform = "mailchimp" if target is None else target
    after = hygiene.audit(
        SourceSpec("crm", (str(out / "cleaned_crm.csv"),)),
        SourceSpec("esp", (str(out / "cleaned_esp.csv"),), platform=esp_platform),
        decisions=False,
    )
    return before, result, after


def _s(v: object) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _keys(audit) -> set[tuple[str, str, str]]:
    f = audit.findings
    return {
        (_s(s), _s(r), _s(fl))
        for s, r, fl in zip(f["source"], f["record_id"], f["field"], strict=True)
    }


def _moved_addresses(result) -> tuple[set[str], set[tuple[str, str]]]:
    """Addresses a merge moved into merge_plan.csv, and the survivors they left."""
    plan = read(result.out_dir / "merge_plan.csv")
    moved: set[str] = set()
    survivors: set[tuple[str, str]] = set()
    for _, p in plan.iterrows():
        for col, got in json.loads(p["fields"]).items():
            if col.lower().startswith("email"):
                lost = {str(o["value"]).lower() for o in got["others"] if o["value"]}
                if lost:
                    moved |= lost
                    survivors.add((p["source"], p["survivor_id"]))
    return moved, survivors


def check_no_new_findings(before, result, after) -> None:
    moved, survivors = _moved_addresses(result)
    old = _keys(before)
    f = after.findings
    same_cell = {(s, r) for s, r, _ in old}
    # Addresses each source's counterparts held before: an orphan whose address no other
    # source held before had only the matcher's name guess, which may differ run to run.
    emails: dict[str, set[str]] = {}
    for p in before.prepared:
        parts = p.email()
        got = parts["email"].dropna() if parts is not None else pd.Series(dtype=object)
        emails[p.source.name] = {str(e).lower() for e in got}
    elsewhere = {n: set().union(*(v for m, v in emails.items() if m != n)) for n in emails}
    for rec in f.itertuples():
        key = (_s(rec.source), _s(rec.record_id), _s(rec.field))
        if key in old:
            continue
        if rec.code == "link.orphan" and (
            _s(rec.value).lower() in moved
            or key[:2] in survivors
            or _s(rec.value).lower() not in elsewhere[key[0]]
        ):
            continue
        # A placeholder emptied by the clean: the same cell, now reported as empty.
        emptied = rec.code in ("email.missing", "field.missing_required") and (
            key[:2] in same_cell and _was_placeholder(before, rec)
        )
        assert emptied, f"new finding {rec.code} on {key}: {rec.message}"


def _was_placeholder(before, rec) -> bool:
    f = before.findings
    fld = "email" if rec.code == "email.missing" else str(rec.field)
    hit = f[
        (f["source"] == rec.source)
        & (f["record_id"].astype(str) == str(rec.record_id))
        & (f["field"] == fld)
        & (f["code"] == "value.placeholder")
    ]
    return len(hit) > 0


def _states(audit) -> dict[str, tuple[pd.Series, np.ndarray, np.ndarray, pd.Series]]:
    """Per source: record ids, opted out, marketable, normalised address."""
    out = {}
    for prep in audit.prepared:
        st = consent_state(prep)
        parts = prep.email()
        emails = parts["email"] if parts is not None else pd.Series([None] * prep.rows)
        ids = prep.source.record_ids().astype(str).reset_index(drop=True)
        out[prep.source.name] = (ids, st.opted_out, st.marketable, emails.reset_index(drop=True))
    return out


def check_no_opt_out_lost(before, result, after) -> None:
    """Every address opted out (or bounced) anywhere before is marketable nowhere after, and
    every opted-out record is still opted out: in its cleaned file, in its survivor, or on
    its target's suppression file. A HubSpot contact's opt-out is a read-only property its
    import cannot set: the cleaned file makes it non-marketing and the opt-out travels on
    suppression_hubspot.csv (the opt-out list import), so it must be on both."""
    b, a = _states(before), _states(after)
    out_addresses: set[str] = set()
    for _ids, opted, _, emails in b.values():
        out_addresses |= {str(e).lower() for e in emails[opted].dropna()}
    assert out_addresses
    for name, (_, _, marketable, emails) in a.items():
        still = {str(e).lower() for e in emails[marketable].dropna()}
        assert not still & out_addresses, (name, sorted(still & out_addresses))
    plan = read(result.out_dir / "merge_plan.csv")
    survivor_of = {
        (p["source"], m): p["survivor_id"]
        for _, p in plan.iterrows()
        for m in p["merged_ids"].split("; ")
    }
    ledger = read(result.out_dir / "suppression.csv")
    left_out = result.summary.get("left_out_columns", {})
    for name, (ids, opted, _, emails) in b.items():
        after_ids, after_out, after_marketable, after_emails = a[name]
        out_after = set(after_ids[after_out])
        present = set(after_ids)
        target = result.summary["targets"][name]
        listed = set(read(result.out_dir / f"suppression_{target}.csv").iloc[:, 0].str.lower())
        # Through the opt-out list: not marketable in the cleaned file, its address listed.
        via_list = {
            rid for rid, m, e in zip(after_ids, after_marketable, after_emails, strict=True)
            if name in left_out and not m and str(e).lower() in listed
        }
        # Without an address there is nothing to list: the record itself says non-marketing.
        unaddressed = {
            rid for rid, m, e in zip(after_ids, after_marketable, after_emails, strict=True)
            if name in left_out and not m and (e is None or pd.isna(e))
        }
        for rid, email in zip(ids[opted], emails[opted], strict=True):
            rid = survivor_of.get((name, rid), rid)
            if rid in present:
                assert rid in out_after | via_list | unaddressed, (
                    name, rid, "opted out before, not after"
                )
            else:
                assert str(email).lower() in listed, (name, rid, email)
                assert rid in set(ledger.loc[ledger["Source"] == name, "Record ID"])


def check_rows_accounted(before, result, after) -> None:
    plan = read(result.out_dir / "merge_plan.csv")
    ledger = read(result.out_dir / "suppression.csv")
    for src in before.sources:
        ids = src.record_ids().astype(str)
        again = next(s for s in after.sources if s.name == src.name).record_ids().astype(str)
        merged = [
            m for ms in plan.loc[plan["source"] == src.name, "merged_ids"] for m in ms.split("; ")
        ]
        dropped = ledger[
            (ledger["Source"] == src.name)
            & (ledger["Reason"] != "address_fixed")
            & ~ledger["Record ID"].isin(set(again))
        ]["Record ID"].tolist()
        assert sorted([*again, *merged, *dropped]) == sorted(ids), src.name
        acc = next(s for s in result.accounting["sources"] if s["source"] == src.name)
        assert acc["cleaned_rows"] == len(again)
        assert acc["merged"] == len(merged)


def check_round_trip(before, result, after) -> None:
    assert after.score.overall > before.score.overall
    check_no_new_findings(before, result, after)
    check_no_opt_out_lost(before, result, after)
    check_rows_accounted(before, result, after)


def test_round_trip_on_a_hand_made_hubspot_mailchimp_pair(pair, tmp_path):
    crm, esp = pair
    before, result, after = round_trip(crm, esp, tmp_path / "out")
    check_round_trip(before, result, after)


def test_hand_made_pair_cells(pair, tmp_path):
    """What each planted case comes out as, cell by cell."""
    crm, esp = pair
    _, result, _ = round_trip(crm, esp, tmp_path / "out")
    out = result.out_dir
    contacts = read(out / "cleaned_crm.csv").set_index("Record ID")
    members = read(out / "cleaned_esp.csv").set_index("Email Address")
    hub = set(read(out / "suppression_hubspot.csv")["Email"])
    mc = read(out / "suppression_mailchimp.csv").set_index("Email Address")["Action"].to_dict()
    # Ann: the survivor's placeholder filled from its duplicate, and that real address is
    # not suppressed as a placeholder.
    assert "202" not in contacts.index
    assert contacts.loc["201", "Email"] == "ann.lee@acme-corp.com"
    assert contacts.loc["201", "Marketing contact status"] == "Marketing contact"
    assert "ann.lee@acme-corp.com" not in hub | set(mc)
    # Laura: the bounce stays on the misspelt address; her CRM record is not touched.
    assert contacts.loc["203", "Marketing contact status"] == "Marketing contact"
    assert "laura.phillips76@yahoo.com" not in hub | set(mc)
    assert members.loc["laura.phillips76@yaho.com", "Member Status"] == "cleaned"
    assert mc["laura.phillips76@yaho.com"] == "archive"
    # Cy unsubscribed in Mailchimp: his HubSpot record says so and is on the opt-out list.
    assert contacts.loc["205", "Marketing contact status"] == "Non-marketing contact"
    assert "Unsubscribed from all email" not in contacts.columns  # read-only in HubSpot
    assert "cy.ortiz@globex.com" in hub
    assert members.loc["cy.ortiz@globex.com", "Member Status"] == "unsubscribed"
    # Bo opted out in HubSpot: the Mailchimp member is kept, marked, and unsubscribed.
    assert members.loc["bo.ng@brightwave.io", "Member Status"] == "unsubscribed"
    assert mc["bo.ng@brightwave.io"] == "unsubscribe"
    assert contacts.loc["206", "Marketing contact status"] == "Marketing contact"
    # Gus opted out without an address: no list can carry it, so his record does.
    assert contacts.loc["209", "Marketing contact status"] == "Non-marketing contact"
    ledger = read(out / "suppression.csv").set_index("Record ID")
    assert ledger.loc["209", "Reason"] == "unsubscribed"


def test_salesforce_target_never_takes_another_platforms_ids(pair, tmp_path):
    """HubSpot Record IDs and Mailchimp member ids are no Salesforce Ids: no Id column, and
    the Data Loader update file lists no record."""
    crm, esp = pair
    before = hygiene.audit(f"crm={crm}", f"esp={esp}", decisions=False)
    result = hygiene.clean(
        out=tmp_path / "sf", audited=before, target="salesforce", decisions=tmp_path / "d.json"
    )
    for name in ("crm", "esp"):
        data = read(result.out_dir / f"cleaned_{name}.csv")
        assert "Id" not in data.columns
    assert read(result.out_dir / "cleaned_crm.csv")["Original Record ID"].str.isdigit().all()
    sf = read(result.out_dir / "suppression_salesforce.csv")
    assert list(sf.columns) == ["Id", "Email", "HasOptedOutOfEmail"] and sf.empty
    contacts = read(result.out_dir / "cleaned_crm.csv").set_index("Original Record ID")
    assert contacts.loc["205", "HasOptedOutOfEmail"] == "true"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("roundtrip-demo")
    files = generate(folder / "data", crm_rows=1200, seed=7)
    return round_trip(files.crm, files.esp, folder / "out")


def test_round_trip_on_the_demo_exports(demo):
    check_round_trip(*demo)
