"""The sample-data generator's truth.json against its files: every planted defect,
duplicate, hard negative and link is where truth says, and is what it says."""

from __future__ import annotations

import disposable_email_domains
import pytest
from email_validator import EmailNotValidError, validate_email
from nicknames import NickNamer

from hygiene.demo.places import COUNTRIES
from tests.demo_sets import (
    ROLES,
    STAGES,
    TYPO_DOMAINS,
    Demo,
    digits,
)
from tests.helpers import mailbox

# --- truth matches the files ------------------------------------------------------------


def test_every_defect_points_at_its_value(any_set: Demo) -> None:
    for d in any_set.truth["defects"]:
        if d.get("column") is None:
            continue
        assert d["row"] >= 1
        assert any_set.cell(d["file"], d["row"], d["column"]) == (d.get("value") or ""), d
        if "related" in d:
            rel = d["related"]
            assert 1 <= rel["row"] <= len(any_set.rows[rel["file"]])


def test_typo_domains_recorded_with_their_fix(any_set: Demo) -> None:
    typos = any_set.defects("email.typo_domain")
    assert typos
    company_typos = 0
    for d in typos:
        local, _, domain = d["value"].rpartition("@")
        e_local, _, e_domain = d["expected"].rpartition("@")
        assert local == e_local and domain != e_domain
        company_typos += domain not in TYPO_DOMAINS
    assert company_typos, "no company-domain typo"
    recorded = {(d["file"], d["row"]) for d in typos}
    for i, r in enumerate(any_set.crm, 1):
        if r["Email"].rpartition("@")[2].lower() in TYPO_DOMAINS:
            assert ("hubspot_contacts.csv", i) in recorded, r["Email"]


def test_invalid_addresses_are_invalid(any_set: Demo) -> None:
    rows = any_set.defects("email.invalid_syntax")
    assert rows
    for d in rows:
        with pytest.raises(EmailNotValidError):
            validate_email(d["value"], check_deliverability=False)
        validate_email(d["expected"], check_deliverability=False)


@pytest.mark.parametrize(
    "kind",
    [
        "email.disposable",
        "email.role_account",
        "value.placeholder",
        "email.missing",
        "phone.invalid",
        "field.missing_required",
        "field.inconsistent",
    ],
)
def test_each_defect_kind_occurs_in_the_crm(any_set: Demo, kind: str) -> None:
    assert any_set.defects(kind, "crm")


def test_disposable_and_role_addresses_are_all_recorded(any_set: Demo) -> None:
    """Every address on the disposable blocklist or with a role mailbox is in truth; the
    blocklist also holds two typo domains (gmial.com, hotmial.com), recorded as typos."""
    blocklist = disposable_email_domains.blocklist
    recorded = {
        (d["file"], d["row"])
        for k in ("email.disposable", "email.role_account")
        for d in any_set.defects(k)
    }
    typos = {(d["file"], d["row"]) for d in any_set.defects("email.typo_domain")}
    seen = 0
    rows = [("hubspot_contacts.csv", i, r["Email"]) for i, r in enumerate(any_set.crm, 1)]
    rows += [(f, i, r["Email Address"]) for f, i, r in any_set.esp_rows()]
    for file, i, email in rows:
        local, _, domain = email.lower().rpartition("@")
        if (file, i) in typos:
            assert domain in ("gmial.com", "hotmial.com") or domain not in blocklist
        elif domain in blocklist or local in ROLES:
            assert (file, i) in recorded, email
            seen += 1
    assert seen == len(recorded)


def test_empty_emails_and_names_are_recorded(any_set: Demo) -> None:
    missing = {(d["file"], d["row"]) for d in any_set.defects("email.missing")}
    names = {(d["file"], d["row"], d["column"]) for d in any_set.defects("field.missing_required")}
    placeholders = {
        (d["file"], d["row"], d["column"]) for d in any_set.defects("value.placeholder")
    }
    for i, r in enumerate(any_set.crm, 1):
        assert (not r["Email"]) == (("hubspot_contacts.csv", i) in missing)
        for column in ("First Name", "Last Name"):
            key = ("hubspot_contacts.csv", i, column)
            assert (not r[column]) == (key in names)
            if r[column] in ("Test", "asdf", "xxx", "N/A", "TBD"):
                assert key in placeholders
    for file, i, r in any_set.esp_rows():
        assert r["Email Address"]
        assert (not r["First Name"]) == ((file, i, "First Name") in names)


def test_placeholder_values_are_the_usual_fillers(demo_set: Demo) -> None:
    values = {d["value"] for d in demo_set.defects("value.placeholder")}
    assert values & {"Test", "asdf", "xxx", "N/A", "TBD"}
    assert "test@test.com" in values
    assert values & {"1234567890", "123-456-7890", "0000000000", "555-555-5555"}


def test_inconsistent_spellings_have_canonical_fixes(any_set: Demo) -> None:
    by_field: dict[str, set[tuple[str, str]]] = {}
    for d in any_set.defects("field.inconsistent"):
        assert d["value"] != d["expected"]
        by_field.setdefault(d["field"], set()).add((d["value"], d["expected"]))
    countries = by_field["country"]
    assert {e for _, e in countries} <= {c.name for c in COUNTRIES.values()}
    assert any(v in ("USA", "U.S.", "US", "united states") for v, _ in countries)
    assert all(e in STAGES for _, e in by_field["lifecycle_stage"])
    states = by_field["state"]
    assert all(e.isupper() and 2 <= len(e) <= 3 for _, e in states)
    spelled = {r["Country/Region"] for r in any_set.crm}
    assert spelled - {c.name for c in COUNTRIES.values()} == {v for v, _ in countries}


def test_duplicate_groups_are_one_person(any_set: Demo) -> None:
    groups = [g for g in any_set.truth["duplicates"] if g[0]["source"] == "crm"]
    assert groups and any(len(g) == 3 for g in groups)
    changed_first = swapped = 0
    for group in groups:
        assert {m["source"] for m in group} == {"crm"}
        rows = [any_set.crm[m["row"] - 1] for m in group]
        first = rows[0]
        for other in rows[1:]:
            same_box = bool(first["Email"]) and mailbox(first["Email"]) == mailbox(
                other["Email"] or "-"
            )
            same_phone = bool(first["Phone Number"]) and digits(first["Phone Number"]) == digits(
                other["Phone Number"]
            )
            assert same_box or same_phone, (first, other)
            assert other["Create Date"] != first["Create Date"]
            changed_first += other["First Name"] != first["First Name"]
            swapped += other["First Name"] == first["Last Name"]
    assert changed_first and swapped


def test_duplicates_show_the_classic_variations(big_set: Demo) -> None:
    pairs = []
    for group in (g for g in big_set.truth["duplicates"] if g[0]["source"] == "crm"):
        rows = [big_set.crm[m["row"] - 1] for m in group]
        pairs += [(rows[0], r) for r in rows[1:]]
    namer = NickNamer()
    nicknamed = [
        (a, b)
        for a, b in pairs
        if b["First Name"].lower()
        in namer.nicknames_of(a["First Name"].lower())
        | namer.canonicals_of(a["First Name"].lower())
    ]
    assert len(nicknamed) >= 0.15 * len(pairs)
    assert any(
        a["Email"]
        and b["Email"]
        and a["Email"] != b["Email"]
        and a["Email"].lower() == b["Email"].lower()
        for a, b in pairs
    )
    assert any(
        "+" in b["Email"]
        or (
            a["Email"].endswith("@gmail.com")
            and b["Email"] != a["Email"]
            and mailbox(a["Email"]) == mailbox(b["Email"])
        )
        for a, b in pairs
    )
    assert any(
        a["Company Name"] and b["Company Name"] and a["Company Name"] != b["Company Name"]
        for a, b in pairs
    )
    assert any(
        a["Phone Number"] != b["Phone Number"]
        and digits(a["Phone Number"]) == digits(b["Phone Number"])
        for a, b in pairs
    )


def test_one_mailbox_is_one_person(any_set: Demo) -> None:
    """Rows reaching the same mailbox (case, Gmail dots, +tags aside) are always a recorded
    duplicate group: the generator adds no duplicates it does not tell about."""
    group_of = {
        (m["file"], m["row"]): i for i, g in enumerate(any_set.truth["duplicates"]) for m in g
    }
    rows = [("hubspot_contacts.csv", i, r["Email"]) for i, r in enumerate(any_set.crm, 1)]
    esp = [(f, i, r["Email Address"]) for f, i, r in any_set.esp_rows()]
    assert len({e.lower() for _, _, e in esp}) == len(esp)  # Mailchimp keys by address
    rows += esp
    for system in ("hubspot", "members_export"):
        seen: dict[str, tuple[str, int]] = {}
        for file, i, email in (x for x in rows if system in x[0] and x[2]):
            key = mailbox(email)
            if key in seen:
                assert group_of.get(seen[key], -1) == group_of.get((file, i), -2), email
            seen.setdefault(key, (file, i))


def test_mailchimp_duplicates_are_second_addresses(any_set: Demo) -> None:
    groups = [g for g in any_set.truth["duplicates"] if g[0]["source"] == "esp"]
    assert groups
    for a_ref, b_ref in groups:
        a = any_set.rows[a_ref["file"]][a_ref["row"] - 1]
        b = any_set.rows[b_ref["file"]][b_ref["row"] - 1]
        assert a["Email Address"].lower() != b["Email Address"].lower()
        assert (a["First Name"], a["Last Name"]) == (b["First Name"], b["Last Name"])


def test_hard_negatives_are_two_people_alike(any_set: Demo) -> None:
    pairs = any_set.truth["hard_negatives"]
    assert pairs
    for a_ref, b_ref in pairs:
        a, b = any_set.crm[a_ref["row"] - 1], any_set.crm[b_ref["row"] - 1]
        same = ("First Name", "Last Name", "Company Name", "City")
        assert [a[c] for c in same] == [b[c] for c in same] or a["City"] != b["City"]
        assert [a[c] for c in same[:3]] == [b[c] for c in same[:3]]
        assert a["Company Name"]
        assert mailbox(a["Email"] or "a@") != mailbox(b["Email"] or "b@")
        assert digits(a["Phone Number"]) != digits(b["Phone Number"])


def test_namesakes_at_one_company_are_only_the_planted_ones(any_set: Demo) -> None:
    """Two different people with the same first and last name at the same company are
    listed as hard negatives; no others occur by accident (small name pools made many,
    which the truth called two people and no matcher could tell apart)."""
    person = {}
    for k, group in enumerate(any_set.truth["duplicates"]):
        for m in group:
            if m["source"] == "crm":
                person[m["row"]] = f"dup{k}"
    hard = {frozenset((a["row"], b["row"])) for a, b in any_set.truth["hard_negatives"]}
    seen: dict[tuple[str, str, str], dict[str, int]] = {}
    for i, r in enumerate(any_set.crm, 1):
        key = (r["First Name"].lower(), r["Last Name"].lower(), r["Company Name"].lower())
        if all(key):
            seen.setdefault(key, {}).setdefault(person.get(i, f"row{i}"), i)
    namesakes = [rows for rows in seen.values() if len(rows) > 1]
    accidental = [
        rows for rows in namesakes
        if len(rows) > 2 or frozenset(rows.values()) not in hard
    ]
    assert len(namesakes) >= 0.8 * len(hard)  # most planted pairs keep their names intact
    assert accidental == []


def test_links_join_the_same_person(any_set: Demo) -> None:
    links = any_set.truth["links"]
    assert links
    agree = 0
    for group in links:
        sources = {m["source"] for m in group}
        assert sources == {"crm", "esp"}
        crm = [any_set.crm[m["row"] - 1] for m in group if m["source"] == "crm"]
        esp = [any_set.rows[m["file"]][m["row"] - 1] for m in group if m["source"] == "esp"]
        agree += any(
            mailbox(c["Email"] or "-") == mailbox(e["Email Address"])
            or (c["First Name"], c["Last Name"]) == (e["First Name"], e["Last Name"])
            for c in crm
            for e in esp
        )
    assert agree >= 0.97 * len(links)


def test_consent_conflicts_follow_the_rule(any_set: Demo) -> None:
    """Every CRM row still marketable while its person opted out in Mailchimp is listed,
    and nothing else."""
    status = {}
    for file, i, _ in any_set.esp_rows():
        status[(file, i)] = file.split("/")[-1].split("_")[0]
    expected = set()
    for group in any_set.truth["links"]:
        for c in (m for m in group if m["source"] == "crm"):
            row = any_set.crm[c["row"] - 1]
            marketable = (
                row["Marketing contact status"] == "Marketing contact"
                and row["Unsubscribed from all email"] != "true"
            )
            for e in (m for m in group if m["source"] == "esp"):
                st = status[(e["file"], e["row"])]
                if marketable and st in ("unsubscribed", "cleaned"):
                    expected.add(("crm", c["row"], e["file"], e["row"]))
                if st == "subscribed" and row["Unsubscribed from all email"] == "true":
                    expected.add(("esp", e["row"], c["file"], c["row"]))
    recorded = {
        (d["source"], d["row"], d["related"]["file"], d["related"]["row"])
        for d in any_set.defects("link.consent_conflict")
    }
    assert expected and recorded == expected


def test_orphans_and_bounces(any_set: Demo) -> None:
    linked = {(m["file"], m["row"]) for g in any_set.truth["links"] for m in g}
    orphans = {(d["file"], d["row"]) for d in any_set.defects("link.orphan")}
    for file, i, _ in any_set.esp_rows():
        assert ((file, i) in orphans) != ((file, i) in linked)
    crm_orphans = [d for d in any_set.defects("link.orphan", "crm")]
    assert crm_orphans
    for d in crm_orphans:
        row = any_set.crm[d["row"] - 1]
        assert row["Marketing contact status"] == "Marketing contact" and row["Email"]
    for d in any_set.defects("link.status_mismatch"):
        assert "/cleaned_members_export_" in d["related"]["file"]
