"""Link checks between a CRM and an ESP: orphans, consent conflicts and status mismatches,
both directions, on small exports with each platform's real headers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hygiene.checks.rules import load_rules
from hygiene.errors import ConfigError
from hygiene.links import CheckHits, LinkSpec, check_links
from hygiene.prepared import Prepared
from tests.helpers import make_source

RULES = load_rules()

HUBSPOT_COLUMNS = {
    "Record ID": "record_id",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Lifecycle Stage": "lifecycle_stage",
    "Marketing contact status": "marketable",
    "Unsubscribed from all email": "unsubscribed",
}
MAILCHIMP_COLUMNS = {
    "Email Address": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "EUID": "source_id",
    "Member Status": "email_status",
}
MC, NM = "Marketing contact", "Non-marketing contact"


def hubspot(rows: list[tuple[str, str, str, str | None, str, str | None]], stage: str = "Lead"):
    """rows: (record id, first, last, email, marketing status, unsubscribed)."""
    return make_source(
        "crm",
        {
            "Record ID": [r[0] for r in rows],
            "First Name": [r[1] for r in rows],
            "Last Name": [r[2] for r in rows],
            "Email": [r[3] for r in rows],
            "Lifecycle Stage": [stage] * len(rows),
            "Marketing contact status": [r[4] for r in rows],
            "Unsubscribed from all email": [r[5] for r in rows],
        },
        HUBSPOT_COLUMNS,
        platform="hubspot",
        file="hubspot_contacts.csv",
    )


def mailchimp(rows: list[tuple[str, str, str, str]]):
    """rows: (email, first, last, member status)."""
    return make_source(
        "esp",
        {
            "Email Address": [r[0] for r in rows],
            "First Name": [r[1] for r in rows],
            "Last Name": [r[2] for r in rows],
            "EUID": [f"e{i:04d}" for i in range(len(rows))],
            "Member Status": [r[3] for r in rows],
        },
        MAILCHIMP_COLUMNS,
        platform="mailchimp",
        file="members_export.csv",
    )


def run(*sources, **kwargs) -> pd.DataFrame:
    return check_links([Prepared(s) for s in sources], RULES, **kwargs).findings


def where(findings: pd.DataFrame, code: str) -> set[tuple[str, int, str | None]]:
    sel = findings[findings["code"] == code]
    return {(s, int(r), f) for s, r, f in zip(sel["source"], sel["row"], sel["field"],
                                                strict=True)}


def related(findings: pd.DataFrame, code: str, source: str, row: int) -> list[tuple[str, int]]:
    sel = findings[(findings["code"] == code) & (findings["source"] == source)
                   & (findings["row"] == row)]
    assert len(sel) == 1, sel
    return [(r["source"], r["row"]) for r in sel["related"].iloc[0]]


CRM = hubspot([
    ("101", "Ann", "Lee", "ann@acme.com", MC, "false"),
    ("102", "Bob", "Stone", "bob@acme.com", MC, "false"),
    ("103", "Cy", "Ng", "cy@acme.com", MC, None),
    ("104", "Dee", "Fox", "dee@acme.com", NM, "true"),
    ("105", "Eve", "Moss", "eve@acme.com", MC, "false"),
    ("106", "Fay", "Hart", "fay@acme.com", NM, None),
    ("107", "Gil", "Rowe", "gil@acme.com", MC, "true"),
])
ESP = mailchimp([
    ("Ann@Acme.com", "Ann", "Lee", "subscribed"),
    ("dee@acme.com", "Dee", "Fox", "subscribed"),
    ("gus@acme.com", "Gus", "Hale", "subscribed"),
    ("bob@acme.com", "Robert", "Stone", "unsubscribed"),
    ("cy@acme.com", "Cy", "Ng", "cleaned"),
])


@pytest.fixture(scope="module")
def default_findings() -> pd.DataFrame:
    return run(CRM, ESP)


def test_orphans_both_directions(default_findings):
    # Gus is subscribed but in no CRM record; Eve is a marketing contact the ESP lacks.
    # Fay (non-marketing) and Gil (unsubscribed) need not be in the ESP.
    assert where(default_findings, "link.orphan") == {("esp", 3, "email"), ("crm", 5, "email")}
    crm_orphan = default_findings[(default_findings["code"] == "link.orphan")
                                  & (default_findings["source"] == "crm")].iloc[0]
    assert "Marketing contact status = Marketing contact" in crm_orphan["message"]
    assert crm_orphan["record_id"] == "105" and crm_orphan["column"] == "Email"


def test_consent_conflict_both_directions(default_findings):
    # Bob unsubscribed and Cy was cleaned in Mailchimp but both are HubSpot marketing
    # contacts; Dee unsubscribed in HubSpot but is subscribed in Mailchimp.
    assert where(default_findings, "link.consent_conflict") == {
        ("crm", 2, "marketable"), ("crm", 3, "marketable"), ("esp", 2, "email_status"),
    }
    assert related(default_findings, "link.consent_conflict", "crm", 2) == [("esp", 4)]
    assert related(default_findings, "link.consent_conflict", "esp", 2) == [("crm", 4)]
    sel = default_findings[default_findings["code"] == "link.consent_conflict"]
    assert set(sel["severity"]) == {"error"} and set(sel["dimension"]) == {"compliance"}
    bob = sel[(sel["source"] == "crm") & (sel["row"] == 2)].iloc[0]
    assert bob["message"] == (
        "Still marketable here (Marketing contact status = Marketing contact) but opted out "
        "in esp (Member Status = unsubscribed); linked by the same email address"
    )
    assert bob["related"][0] == {"source": "esp", "file": "members_export.csv", "row": 4,
                                 "record_id": "e0003"}


def test_bounce_mismatch_on_the_side_that_still_holds_the_address(default_findings):
    assert ("crm", 3, "email") in where(default_findings, "link.status_mismatch")
    assert related(default_findings, "link.status_mismatch", "crm", 3) == [("esp", 5)]


def test_nicknames_and_identical_names_are_not_mismatches(default_findings):
    # "Bob" and "Robert" Stone share an address: a nickname, not another person.
    names = {w for w in where(default_findings, "link.status_mismatch")
             if w[2] in ("first_name", "last_name")}
    assert names == set()


def test_require_is_configurable_per_link():
    link = LinkSpec(from_="esp", to=("crm",), require={"esp": "none", "crm": "all"})
    found = run(CRM, ESP, links=[link])
    # No ESP orphan now; every CRM row not in the ESP is one (Eve, Fay, Gil).
    assert where(found, "link.orphan") == {("crm", 5, "email"), ("crm", 6, "email"),
                                           ("crm", 7, "email")}


def test_a_declared_link_replaces_the_default_for_its_pair():
    found = run(CRM, ESP, links=["esp=crm"])
    assert len(found[found["code"] == "link.orphan"]) == 2
    assert run(CRM, ESP, defaults=False).empty


SALESFORCE_COLUMNS = {"Id": "record_id", "FirstName": "first_name", "LastName": "last_name",
                      "Email": "email", "HasOptedOutOfEmail": "unsubscribed",
                      "IsEmailBounced": "bounced"}
KLAVIYO_COLUMNS = {"Klaviyo ID": "record_id", "Email": "email", "First Name": "first_name",
                   "Last Name": "last_name", "Email Marketing Consent": "consent",
                   "Email Suppressions": "email_status"}


def salesforce_and_klaviyo():
    sf = make_source(
        "sfdc",
        {
            "Id": ["0035g00000Hal01AAA", "0035g00000Ivy02AAA", "0035g00000Joe03AAA"],
            "FirstName": ["Hal", "Ivy", "Joe"],
            "LastName": ["Reed", "Cho", "Park"],
            "Email": ["hal@x.io", "ivy@x.io", "joe@x.io"],
            "HasOptedOutOfEmail": ["true", "false", "false"],
            "IsEmailBounced": ["false", "false", "true"],
        },
        SALESFORCE_COLUMNS, platform="salesforce", file="Contact.csv",
    )
    kl = make_source(
        "klaviyo",
        {
            "Klaviyo ID": ["01HAL", "01IVY", "01JOE"],
            "Email": ["hal@x.io", "ivy@x.io", "joe@x.io"],
            "First Name": ["Hal", "Ivy", "Joe"],
            "Last Name": ["Reed", "Cho", "Park"],
            "Email Marketing Consent": ["SUBSCRIBED", "SUBSCRIBED", "SUBSCRIBED"],
            "Email Suppressions": ["[]", "[{'reason': 'USER_SUPPRESSED', "
                                         "'timestamp': '2024-05-02T08:00:00+00:00'}]", "[]"],
        },
        KLAVIYO_COLUMNS, platform="klaviyo", file="klaviyo_profiles.csv",
    )
    return sf, kl


def test_salesforce_and_klaviyo_conflicts_and_bounces_both_ways():
    sf, kl = salesforce_and_klaviyo()
    found = run(sf, kl)
    # Hal opted out in Salesforce (HasOptedOutOfEmail = true) yet is subscribed in Klaviyo;
    # Ivy is suppressed in Klaviyo yet not opted out in Salesforce.
    assert where(found, "link.consent_conflict") == {
        ("klaviyo", 1, "consent"), ("sfdc", 2, "unsubscribed")}
    ivy = found[(found["code"] == "link.consent_conflict") & (found["source"] == "sfdc")].iloc[0]
    assert ivy["column"] == "HasOptedOutOfEmail" and ivy["value"] == "false"
    assert "USER_SUPPRESSED" in ivy["message"]
    # Joe bounced in Salesforce; Klaviyo still holds his address as subscribed.
    assert where(found, "link.status_mismatch") == {("klaviyo", 3, "email")}
    assert related(found, "link.status_mismatch", "klaviyo", 3) == [("sfdc", 3)]


def test_lifecycle_stage_mismatch_between_two_crms():
    eu = hubspot([("1", "Ann", "Lee", "ann@acme.com", MC, "false"),
                  ("2", "Bo", "Li", "bo@acme.com", MC, "false")], stage="Customer")
    us = make_source("crm_us", {"Record ID": ["9", "8"], "Email": ["ann@acme.com", "bo@acme.com"],
                                "Lifecycle Stage": ["Lead", "customer"]},
                     {"Record ID": "record_id", "Email": "email",
                      "Lifecycle Stage": "lifecycle_stage"}, platform="hubspot")
    found = run(eu, us, links=["crm=crm_us"])
    assert where(found, "link.status_mismatch") == {("crm", 1, "lifecycle_stage")}
    msg = found[found["code"] == "link.status_mismatch"]["message"].iloc[0]
    assert msg.startswith("Lifecycle stage differs: Customer here, Lead in crm_us")


def test_different_names_for_one_address():
    crm = hubspot([("1", "Kim", "Park", "office@acme.com", MC, "false"),
                   ("2", "Lee", "Ann", "ann@acme.com", MC, "false")])
    esp = mailchimp([("office@acme.com", "Lars", "Berg", "subscribed"),
                     ("ann@acme.com", "Ann", "Lee", "subscribed")])
    found = run(crm, esp)
    # The shared office inbox holds two people; "Lee Ann" is Ann Lee with names swapped.
    assert where(found, "link.status_mismatch") == {("esp", 1, "first_name")}


def test_placeholder_addresses_link_nobody():
    crm = hubspot([("1", "Ann", "Lee", "test@test.com", MC, "false")])
    esp = mailchimp([("test@test.com", "Bob", "Stone", "unsubscribed")])
    placeholder = pd.DataFrame({"pos": [0], "field": ["email"], "value": ["test@test.com"],
                                "suggestion": [None]})
    preps = [Prepared(crm), Prepared(esp)]
    found = check_links(preps, RULES).findings
    assert not found[found["code"].str.startswith("link.")].empty  # linked without the hits
    hits = CheckHits(placeholders={"crm": placeholder, "esp": placeholder})
    found = check_links(preps, RULES, check_hits=hits).findings
    assert found[found["code"].str.startswith("link.")].empty


def test_misspelt_domain_links_through_its_fix():
    crm = hubspot([("1", "Ann", "Lee", "ann@gmial.com", MC, "false")])
    esp = mailchimp([("ann@gmail.com", "Ann", "Lee", "unsubscribed")])
    preps = [Prepared(crm), Prepared(esp)]
    typo = pd.DataFrame({"pos": [0], "field": ["email"], "value": ["ann@gmial.com"],
                         "suggestion": ["ann@gmail.com"]})
    found = check_links(preps, RULES, check_hits=CheckHits(typo_domains={"crm": typo})).findings
    assert where(found, "link.orphan") == set()
    msg = found[found["code"] == "link.consent_conflict"]["message"].iloc[0]
    assert msg.endswith("linked by the same email address once its misspelt domain is fixed")


def fuzzy_frame(pos_a: int, pos_b: int, evidence: str = "name and phone") -> pd.DataFrame:
    return pd.DataFrame({"source_a": ["esp"], "pos_a": [pos_a], "source_b": ["crm"],
                         "pos_b": [pos_b], "probability": [0.94], "evidence": [evidence],
                         "method": ["fuzzy"]})


def test_matcher_links_join_what_email_cannot():
    crm = hubspot([("1", "Liz", "Hart", "liz@oldjob.com", MC, "false")])
    esp = mailchimp([("elizabeth.hart@newjob.com", "Elizabeth", "Hart", "unsubscribed")])
    without = run(crm, esp)
    assert where(without, "link.orphan") == {("crm", 1, "email"), ("esp", 1, "email")}
    found = run(crm, esp, fuzzy_links=fuzzy_frame(0, 0))
    assert where(found, "link.orphan") == set()
    assert where(found, "link.consent_conflict") == {("crm", 1, "marketable")}
    msg = found[found["code"] == "link.consent_conflict"]["message"].iloc[0]
    assert msg.endswith("; matched by name and phone, not email")


def test_matcher_links_do_not_override_an_email_link():
    # Row 1 of each side is linked by email; the matcher's pair (esp 0, crm 1) joins rows
    # that both have their own email counterparts, so it is not used.
    crm = hubspot([("1", "Ann", "Lee", "ann@acme.com", MC, "false"),
                   ("2", "Bob", "Stone", "bob@acme.com", MC, "false")])
    esp = mailchimp([("ann@acme.com", "Ann", "Lee", "unsubscribed"),
                     ("bob@acme.com", "Bob", "Stone", "subscribed")])
    found = run(crm, esp, fuzzy_links=fuzzy_frame(1, 0))
    assert related(found, "link.consent_conflict", "crm", 1) == [("esp", 1)]
    orphans = run(crm, esp, fuzzy_links=fuzzy_frame(0, 1))
    assert where(orphans, "link.consent_conflict") == {("crm", 1, "marketable")}


def test_orphan_message_says_the_matcher_found_nothing_either():
    crm = hubspot([("1", "Liz", "Hart", "liz@oldjob.com", MC, "false")])
    esp = mailchimp([("zed@elsewhere.com", "Zed", "Quinn", "subscribed")])
    found = run(crm, esp, fuzzy_links=fuzzy_frame(0, 0).iloc[:0])
    assert all("the matcher found no likely match" in m for m in found["message"])


def test_id_columns_join_where_both_carry_them():
    crm = hubspot([("51001", "Ann", "Lee", "ann@old.com", MC, "false")])
    esp = make_source("esp", {"Email Address": ["ann@new.com"], "CRM ID": ["51001"],
                              "Member Status": ["unsubscribed"]},
                      {"Email Address": "email", "Member Status": "email_status"},
                      platform="mailchimp")
    link = LinkSpec(from_="esp", to=("crm",), on=("email", "CRM ID=record_id"))
    found = run(crm, esp, links=[link])
    assert where(found, "link.orphan") == set()
    msg = found[found["code"] == "link.consent_conflict"]["message"].iloc[0]
    assert msg.endswith("linked by the same id (CRM ID = Record ID)")


def test_pairs_frame_has_the_matchers_columns():
    result = check_links([Prepared(CRM), Prepared(ESP)], RULES)
    assert list(result.pairs.columns[:7]) == ["source_a", "pos_a", "source_b", "pos_b",
                                               "probability", "evidence", "method"]
    pairs = set(zip(result.pairs["pos_a"], result.pairs["pos_b"], strict=True))
    assert pairs == {(0, 0), (1, 3), (3, 1), (4, 2)}
    assert result.stats[0]["linked_from"] == 4 and result.stats[0]["linked_to"] == 4


def test_a_shared_address_pairs_a_bounded_number_of_rows():
    from hygiene.links.join import MAX_GROUP

    n = MAX_GROUP * 3
    crm = hubspot([(str(i), "Team", "Inbox", "info@acme.com", MC, "false") for i in range(n)])
    esp = mailchimp([("info@acme.com", "Team", "Inbox", "subscribed")] * n)
    result = check_links([Prepared(crm), Prepared(esp)], RULES)
    assert len(result.pairs) == MAX_GROUP * MAX_GROUP
    assert result.findings[result.findings["code"] == "link.orphan"].empty


def test_unknown_source_in_a_link_is_a_config_error():
    message = r"--link esp=shop: 'shop' names no source \(the to side of the link\)"
    with pytest.raises(ConfigError, match=message):
        run(CRM, ESP, links=["esp=shop"])


def test_bad_data_never_raises():
    crm = hubspot([("1", None, None, None, "???", "maybe"),
                   ("2", "", "", "not an email", "", "")])
    esp = mailchimp([("@@", "", "", "weird status"), ("", None, None, "")])
    found = run(crm, esp)
    assert set(found["code"]) <= {"link.orphan", "link.consent_unknown"}
    # No status value of the ESP can be read: one warning for the source, not per row.
    unknown = found["code"] == "link.consent_unknown"
    assert list(found.loc[unknown, "source"]) == ["esp"]
    assert np.all(found.loc[~unknown, "row"].notna())


def test_default_link_joins_on_the_crm_id_an_esp_merge_field_carries():
    crm = hubspot([("51001", "Ann", "Lee", "ann@old.com", MC, "false")])
    esp = make_source("esp", {"Email Address": ["ann@new.com"], "HUBSPOT_ID": ["51001"],
                              "Member Status": ["unsubscribed"]},
                      {"Email Address": "email", "Member Status": "email_status"},
                      platform="mailchimp")
    result = check_links([Prepared(crm), Prepared(esp)], RULES)
    assert result.stats[0]["by_method"] == {"id": 1}
    msg = result.findings[result.findings["code"] == "link.consent_conflict"]["message"]
    assert list(msg.str.endswith("linked by the same id (HUBSPOT_ID = Record ID)")) == [True]


def test_a_duplicate_record_inherits_its_cluster_mates_link():
    from dataclasses import dataclass

    @dataclass
    class Cluster:  # the fields of hygiene.match's Cluster that the links step reads
        source: str
        members: list[int]

    crm = hubspot([("1", "Ann", "Lee", "ann@acme.com", MC, "false"),
                   ("2", "Ann", "Lee", "ann.lee@home.net", MC, "false")])
    esp = mailchimp([("ann@acme.com", "Ann", "Lee", "unsubscribed")])
    without = run(crm, esp)
    assert where(without, "link.orphan") == {("crm", 2, "email")}
    found = run(crm, esp, clusters=[Cluster("crm", [0, 1])])
    assert where(found, "link.orphan") == set()
    assert where(found, "link.consent_conflict") == {("crm", 1, "marketable"),
                                                     ("crm", 2, "marketable")}
    msg = found[(found["code"] == "link.consent_conflict") & (found["row"] == 2)]["message"]
    assert msg.iloc[0].endswith("; a duplicate of row 1, which is linked by the same email "
                                "address")


def test_every_links_rule_names_a_links_check_and_is_documented():
    from pathlib import Path

    from hygiene.checks.registry import Needs, registry

    known = {c for n in (Needs.SOURCE, Needs.LINK, Needs.REFERENCE) for c in registry().codes(n)}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    mine = [r for r in RULES if r.engine == "links"]
    assert {r.code for r in mine} >= {"link.orphan", "link.consent_conflict",
                                      "link.status_mismatch", "link.missing_reference"}
    for rule in mine:
        assert rule.check in known, rule.code
        assert f"`{rule.code}`" in readme, rule.code


def test_a_scope_links_rule_with_an_unknown_check_names_its_pack(tmp_path):
    pack = tmp_path / "team.yaml"
    pack.write_text("pack: team\nrules:\n  - {code: link.shoe, check: shoe_size, "
                    "params: {scope: links}, fix: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"team.yaml \[link.shoe\]: check 'shoe_size' is not"):
        load_rules([pack])


def test_a_bounce_belongs_to_its_address_not_to_the_person():
    """Laura's Mailchimp address laura@yaho.com bounced; her CRM contact holds
    laura@yahoo.com. Linked by the matcher (not by email), the bounce is no consent conflict
    and no "bounced but still valid here" for the other address, nor for a contact with no
    address; the same address bounced still is both, and an unsubscribe (the person's
    choice) is a conflict whatever address it was recorded on."""
    crm = hubspot([
        ("201", "Laura", "Phillips", "laura.phillips76@yahoo.com", MC, "false"),
        ("202", "Omar", "Haddad", "omar.haddad@acme.com", MC, "false"),
        ("203", "Pia", "Lund", "pia.lund@acme.com", MC, "false"),
        ("204", "Rui", "Costa", None, MC, "false"),
    ])  # fmt: skip
    esp = mailchimp([
        ("laura.phillips76@yaho.com", "Laura", "Phillips", "cleaned"),
        ("omar.haddad@acme.com", "Omar", "Haddad", "cleaned"),
        ("pia.lund@example.org", "Pia", "Lund", "unsubscribed"),
        ("rui.costa@example.org", "Rui", "Costa", "cleaned"),
    ])  # fmt: skip
    matched = pd.concat([fuzzy_frame(i, i) for i in (0, 2, 3)], ignore_index=True)
    found = run(crm, esp, fuzzy_links=matched)
    assert {(s, r) for s, r, _ in where(found, "link.orphan")} == set()  # all four linked
    conflicts = {(s, r) for s, r, _ in where(found, "link.consent_conflict")}
    bounces = {(s, r) for s, r, f in where(found, "link.status_mismatch") if f == "email"}
    assert conflicts == {("crm", 2), ("crm", 3)}  # Omar (same address), Pia (opted out)
    assert bounces == {("crm", 2)}


def test_an_opt_out_conflicts_with_a_row_whose_own_state_says_nothing():
    """Mailchimp member files renamed by the user (list_a.csv, list_b.csv): the unsubscribed
    file's UNSUB_TIME gives its rows a status, the subscribed file's rows get none. A person
    who opted out in the CRM is still on the ESP list: nothing there says they opted out,
    so the opt-out must reach that row (found on a hand-made Zoho + Mailchimp ZIP set).
    Likewise a CRM row whose opt-out cell is empty, for a member who unsubscribed."""
    crm = hubspot([
        ("201", "Ethan", "Moore", "ethan@x.io", None, "true"),
        ("202", "Mia", "Jones", "mia@x.io", None, None),
        ("203", "Ola", "Berg", "ola@x.io", NM, None),
        ("204", "Pia", "Lund", "pia@x.io", MC, "false"),
    ])
    esp = mailchimp([
        ("ethan@x.io", "Ethan", "Moore", None),
        ("mia@x.io", "Mia", "Jones", "unsubscribed"),
        ("ola@x.io", "Ola", "Berg", "unsubscribed"),
        ("pia@x.io", "Pia", "Lund", None),
    ])
    found = run(crm, esp)
    # Ethan: opted out in the CRM, no status in the ESP. Mia: unsubscribed in the ESP,
    # nothing said in the CRM. Ola is non-marketing in the CRM: nothing to fix there.
    # Pia opted out nowhere.
    assert where(found, "link.consent_conflict") == {
        ("esp", 1, "email_status"), ("crm", 2, "marketable")}
    ethan = found[(found["code"] == "link.consent_conflict") & (found["source"] == "esp")]
    assert ethan.iloc[0]["message"].startswith(
        "Still marketable here (Member Status is empty: nothing here says they opted out) "
        "but opted out in crm (Unsubscribed from all email = true)")
    assert ethan.iloc[0]["column"] == "Member Status"


def test_a_source_that_says_nothing_about_consent_gets_no_conflict():
    """No consent column at all (a plain contact list): link.consent_unknown's case, not a
    conflict on every row."""
    crm = hubspot([("301", "Ann", "Lee", "ann@x.io", MC, "true")])
    esp = make_source("esp", {"Email Address": ["ann@x.io"], "First Name": ["Ann"]},
                      {"Email Address": "email", "First Name": "first_name"},
                      platform="mailchimp", file="members_export.csv")
    assert where(run(crm, esp), "link.consent_conflict") == set()
