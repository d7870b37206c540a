"""The sample-data generator: exact headers, determinism, and a truth.json that matches
what is in the files (read back with the stdlib csv module, as a user would)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import disposable_email_domains
import jellyfish
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from nicknames import NickNamer

from hygiene.demo import DefectRates, DemoFiles, generate, load_truth, mutate
from hygiene.demo.places import COUNTRIES
from hygiene.errors import ConfigError

HUBSPOT = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Mobile Phone Number",
    "Company Name",
    "Job Title",
    "Street Address",
    "City",
    "State/Region",
    "Postal Code",
    "Country/Region",
    "Contact owner",
    "Lifecycle Stage",
    "Lead Status",
    "Marketing contact status",
    "Unsubscribed from all email",
    "Create Date",
    "Last Activity Date",
    "Last Modified Date",
    "Original Source",
]
MAILCHIMP = [
    "Email Address",
    "First Name",
    "Last Name",
    "Address",
    "Phone Number",
    "Birthday",
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "LATITUDE",
    "LONGITUDE",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
    "LAST_CHANGED",
    "LEID",
    "EUID",
    "NOTES",
    "TAGS",
]
UNSUB = [
    "UNSUB_TIME",
    "UNSUB_CAMPAIGN_TITLE",
    "UNSUB_CAMPAIGN_ID",
    "UNSUB_REASON",
    "UNSUB_REASON_OTHER",
]
CLEAN = ["CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"]
STAGES = {
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
}
LEAD_STATUSES = {
    "",
    "New",
    "Open",
    "In Progress",
    "Open Deal",
    "Unqualified",
    "Attempted to Contact",
    "Connected",
    "Bad Timing",
}
SOURCES = {
    "Organic Search",
    "Paid Search",
    "Direct Traffic",
    "Social Media",
    "Email Marketing",
    "Referrals",
    "Offline Sources",
    "Paid Social",
    "Other Campaigns",
}
TYPO_DOMAINS = {
    "gmial.com",
    "gmail.con",
    "gmal.com",
    "gmai.com",
    "gnail.com",
    "gmail.co",
    "gamil.com",
    "hotmial.com",
    "hotmail.con",
    "hotmal.com",
    "hotnail.com",
    "yaho.com",
    "yahooo.com",
    "yahoo.con",
    "yhoo.com",
    "outlok.com",
    "outlook.con",
    "outloook.com",
    "iclod.com",
    "icloud.con",
    "icoud.com",
    "aol.con",
    "aoll.com",
}
ROLES = {
    "info",
    "sales",
    "admin",
    "support",
    "contact",
    "office",
    "hello",
    "marketing",
    "billing",
    "team",
}


@dataclass
class Demo:
    """One generated set, read back with csv: rows per file name as truth names them."""

    files: DemoFiles
    truth: dict
    rows: dict[str, list[dict[str, str]]]
    headers: dict[str, list[str]]

    @property
    def crm(self) -> list[dict[str, str]]:
        return self.rows["hubspot_contacts.csv"]

    def cell(self, file: str, row: int, column: str) -> str:
        return self.rows[file][row - 1][column]

    def defects(self, kind: str, source: str | None = None) -> list[dict]:
        return [
            d
            for d in self.truth["defects"]
            if d["kind"] == kind and (source is None or d["source"] == source)
        ]

    def esp_rows(self) -> Iterator[tuple[str, int, dict[str, str]]]:
        for name, rows in self.rows.items():
            if name != "hubspot_contacts.csv":
                for i, r in enumerate(rows, 1):
                    yield name, i, r


def read_demo(files: DemoFiles) -> Demo:
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    texts = {files.crm.name: files.crm.read_text(encoding="utf-8")}
    if isinstance(files.esp, Path):
        with zipfile.ZipFile(files.esp) as zf:
            for name in zf.namelist():
                texts[f"{files.esp.name}/{name}"] = zf.read(name).decode("utf-8")
    else:
        texts.update({p.name: p.read_text(encoding="utf-8") for p in files.esp})
    rows, headers = {}, {}
    for name, text in texts.items():
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows[name], headers[name] = list(reader), list(reader.fieldnames or [])
    return Demo(files, truth, rows, headers)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return read_demo(generate(tmp_path_factory.mktemp("demo")))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return read_demo(generate(tmp_path_factory.mktemp("big"), crm_rows=20_000, seed=11))


@pytest.fixture(params=["demo", "big"])
def any_demo(request: pytest.FixtureRequest) -> Demo:
    return request.getfixturevalue(request.param)


def country_code(value: str) -> str:
    for c in COUNTRIES.values():
        if value == c.name or value in c.variants:
            return c.code
    raise AssertionError(f"unknown country spelling {value!r}")


def mailbox(email: str) -> str:
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-9:]


# --- shape ---------------------------------------------------------------------------


def test_default_sizes_and_file_names(demo: Demo) -> None:
    assert len(demo.crm) == 2000
    esp = demo.files.esp
    assert isinstance(esp, Path)
    tag = re.fullmatch(r"members_export_([0-9a-f]{10})\.zip", esp.name)
    assert tag, esp.name
    with zipfile.ZipFile(esp) as zf:
        assert sorted(zf.namelist()) == sorted(
            f"{s}_members_export_{tag.group(1)}.csv"
            for s in ("subscribed", "unsubscribed", "cleaned")
        )
    assert sum(1 for _ in demo.esp_rows()) == 1400
    assert demo.truth["crm"]["file"] == "hubspot_contacts.csv"
    assert 1900 < demo.truth["crm"]["people"] < 2000  # the rest are duplicate records


def test_headers_are_exactly_the_platforms(demo: Demo) -> None:
    assert demo.headers["hubspot_contacts.csv"] == HUBSPOT
    by_status = {
        name.split("/")[-1].split("_")[0]: h
        for name, h in demo.headers.items()
        if "members_export" in name
    }
    assert by_status == {
        "subscribed": MAILCHIMP,
        "unsubscribed": MAILCHIMP + UNSUB,
        "cleaned": MAILCHIMP + CLEAN,
    }


def test_row_counts_in_truth_match_files(any_demo: Demo) -> None:
    truth = any_demo.truth
    assert truth["crm"]["rows"] == len(any_demo.crm)
    for status, info in truth["esp"]["files"].items():
        assert len(any_demo.rows[info["file"]]) == info["rows"], status
    assert truth["esp"]["rows"] == sum(1 for _ in any_demo.esp_rows())


def test_values_look_like_hubspot(demo: Demo) -> None:
    ids = [r["Record ID"] for r in demo.crm]
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    for r in demo.crm:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["Create Date"])
        assert r["Last Modified Date"] >= r["Create Date"]
        assert r["Lead Status"] in LEAD_STATUSES
        assert r["Original Source"] in SOURCES
        assert r["Marketing contact status"] in ("Marketing contact", "Non-marketing contact")
        assert r["Unsubscribed from all email"] in ("true", "false", "")
    stages = {r["Lifecycle Stage"] for r in demo.crm}
    assert STAGES <= stages
    assert {r["Country/Region"] for r in demo.crm} >= {
        "United States",
        "United Kingdom",
        "Canada",
        "Germany",
        "France",
        "Australia",
        "Netherlands",
        "Spain",
        "India",
    }


def test_values_look_like_mailchimp(demo: Demo) -> None:
    for _, _, r in demo.esp_rows():
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["OPTIN_TIME"])
        assert r["MEMBER_RATING"] in {"1", "2", "3", "4", "5"}
        assert r["Birthday"] == "" or re.fullmatch(r"(0[1-9]|1[0-2])/\d\d", r["Birthday"])
        assert r["TAGS"] == "" or re.fullmatch(r'"[^"]+"(,"[^"]+")*', r["TAGS"])
        assert re.fullmatch(r"[0-9a-f]{10}", r["EUID"]) and r["LEID"].isdigit()
    assert any(r["TAGS"].count('","') >= 1 for _, _, r in demo.esp_rows())


@pytest.mark.parametrize(
    ("country", "pattern"),
    [
        ("United States", r"\d{5}"),
        ("Germany", r"\d{5}"),
        ("Spain", r"\d{5}"),
        ("France", r"\d{5}"),
        ("Australia", r"\d{4}"),
        ("India", r"\d{6}"),
        ("Netherlands", r"\d{4} [A-Z]{2}"),
        ("Canada", r"[A-Z]\d[A-Z] \d[A-Z]\d"),
        ("United Kingdom", r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"),
    ],
)
def test_postcodes_keep_their_shape_and_leading_zeros(
    big: Demo, country: str, pattern: str
) -> None:
    codes = [
        r["Postal Code"] for r in big.crm if r["Country/Region"] == country and r["Postal Code"]
    ]
    assert codes and all(re.fullmatch(pattern, c) for c in codes), codes[:5]
    if country in ("United States", "Germany", "Spain", "France", "Australia"):
        assert any(c.startswith("0") for c in codes)


def test_mailchimp_address_keeps_leading_zeros(big: Demo) -> None:
    assert any(re.search(r"  0\d{4}  US$", r["Address"]) for _, _, r in big.esp_rows())


def test_phones_are_valid_unless_truth_says_otherwise(any_demo: Demo) -> None:
    bad = {(d["file"], d["row"]) for d in any_demo.defects("phone.invalid")}
    bad |= {
        (d["file"], d["row"])
        for d in any_demo.defects("value.placeholder")
        if d["field"] == "phone"
    }
    formats = set()
    for i, r in enumerate(any_demo.crm, 1):
        code = country_code(r["Country/Region"])
        for column in ("Phone Number", "Mobile Phone Number"):
            value = r[column]
            if not value or (column == "Phone Number" and ("hubspot_contacts.csv", i) in bad):
                continue
            formats.add(re.sub(r"\d", "9", value))
            number = phonenumbers.parse(value, code)
            assert phonenumbers.is_valid_number(number), (i, column, value, code)
    # Several ways of writing US numbers at least: "(999) 999-9999", "999.999.9999" ...
    assert {"(999) 999-9999", "999-999-9999", "999.999.9999", "+9 999 999 9999"} <= formats


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", crm_rows=300, seed=3)
    # Another process with other string hashing: no set order may leak into the data.
    code = f"from hygiene.demo import generate; generate({str(tmp_path / 'b')!r}, 300, seed=3)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    c = generate(tmp_path / "c", crm_rows=300, seed=4)
    for name in {p.name for p in (tmp_path / "a").iterdir()}:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert a.crm.read_bytes() != c.crm.read_bytes()


# --- truth matches the files ------------------------------------------------------------


def test_every_defect_points_at_its_value(any_demo: Demo) -> None:
    for d in any_demo.truth["defects"]:
        if d.get("column") is None:
            continue
        assert d["row"] >= 1
        assert any_demo.cell(d["file"], d["row"], d["column"]) == (d.get("value") or ""), d
        if "related" in d:
            rel = d["related"]
            assert 1 <= rel["row"] <= len(any_demo.rows[rel["file"]])


def test_typo_domains_recorded_with_their_fix(any_demo: Demo) -> None:
    typos = any_demo.defects("email.typo_domain")
    assert typos
    company_typos = 0
    for d in typos:
        local, _, domain = d["value"].rpartition("@")
        e_local, _, e_domain = d["expected"].rpartition("@")
        assert local == e_local and domain != e_domain
        company_typos += domain not in TYPO_DOMAINS
    assert company_typos, "no company-domain typo"
    recorded = {(d["file"], d["row"]) for d in typos}
    for i, r in enumerate(any_demo.crm, 1):
        if r["Email"].rpartition("@")[2].lower() in TYPO_DOMAINS:
            assert ("hubspot_contacts.csv", i) in recorded, r["Email"]


def test_invalid_addresses_are_invalid(any_demo: Demo) -> None:
    rows = any_demo.defects("email.invalid_syntax")
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
def test_each_defect_kind_occurs_in_the_crm(any_demo: Demo, kind: str) -> None:
    assert any_demo.defects(kind, "crm")


def test_disposable_and_role_addresses_are_all_recorded(any_demo: Demo) -> None:
    """Every address on the disposable blocklist or with a role mailbox is in truth; the
    blocklist also holds two typo domains (gmial.com, hotmial.com), recorded as typos."""
    blocklist = disposable_email_domains.blocklist
    recorded = {
        (d["file"], d["row"])
        for k in ("email.disposable", "email.role_account")
        for d in any_demo.defects(k)
    }
    typos = {(d["file"], d["row"]) for d in any_demo.defects("email.typo_domain")}
    seen = 0
    rows = [("hubspot_contacts.csv", i, r["Email"]) for i, r in enumerate(any_demo.crm, 1)]
    rows += [(f, i, r["Email Address"]) for f, i, r in any_demo.esp_rows()]
    for file, i, email in rows:
        local, _, domain = email.lower().rpartition("@")
        if (file, i) in typos:
            assert domain in ("gmial.com", "hotmial.com") or domain not in blocklist
        elif domain in blocklist or local in ROLES:
            assert (file, i) in recorded, email
            seen += 1
    assert seen == len(recorded)


def test_empty_emails_and_names_are_recorded(any_demo: Demo) -> None:
    missing = {(d["file"], d["row"]) for d in any_demo.defects("email.missing")}
    names = {(d["file"], d["row"], d["column"]) for d in any_demo.defects("field.missing_required")}
    placeholders = {
        (d["file"], d["row"], d["column"]) for d in any_demo.defects("value.placeholder")
    }
    for i, r in enumerate(any_demo.crm, 1):
        assert (not r["Email"]) == (("hubspot_contacts.csv", i) in missing)
        for column in ("First Name", "Last Name"):
            key = ("hubspot_contacts.csv", i, column)
            assert (not r[column]) == (key in names)
            if r[column] in ("Test", "asdf", "xxx", "N/A", "TBD"):
                assert key in placeholders
    for file, i, r in any_demo.esp_rows():
        assert r["Email Address"]
        assert (not r["First Name"]) == ((file, i, "First Name") in names)


def test_placeholder_values_are_the_usual_fillers(demo: Demo) -> None:
    values = {d["value"] for d in demo.defects("value.placeholder")}
    assert values & {"Test", "asdf", "xxx", "N/A", "TBD"}
    assert "test@test.com" in values
    assert values & {"1234567890", "123-456-7890", "0000000000", "555-555-5555"}


def test_inconsistent_spellings_have_canonical_fixes(any_demo: Demo) -> None:
    by_field: dict[str, set[tuple[str, str]]] = {}
    for d in any_demo.defects("field.inconsistent"):
        assert d["value"] != d["expected"]
        by_field.setdefault(d["field"], set()).add((d["value"], d["expected"]))
    countries = by_field["country"]
    assert {e for _, e in countries} <= {c.name for c in COUNTRIES.values()}
    assert any(v in ("USA", "U.S.", "US", "united states") for v, _ in countries)
    assert all(e in STAGES for _, e in by_field["lifecycle_stage"])
    states = by_field["state"]
    assert all(e.isupper() and 2 <= len(e) <= 3 for _, e in states)
    spelled = {r["Country/Region"] for r in any_demo.crm}
    assert spelled - {c.name for c in COUNTRIES.values()} == {v for v, _ in countries}


def test_duplicate_groups_are_one_person(any_demo: Demo) -> None:
    groups = [g for g in any_demo.truth["duplicates"] if g[0]["source"] == "crm"]
    assert groups and any(len(g) == 3 for g in groups)
    changed_first = swapped = 0
    for group in groups:
        assert {m["source"] for m in group} == {"crm"}
        rows = [any_demo.crm[m["row"] - 1] for m in group]
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


def test_duplicates_show_the_classic_variations(big: Demo) -> None:
    pairs = []
    for group in (g for g in big.truth["duplicates"] if g[0]["source"] == "crm"):
        rows = [big.crm[m["row"] - 1] for m in group]
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


def test_one_mailbox_is_one_person(any_demo: Demo) -> None:
    """Rows reaching the same mailbox (case, Gmail dots, +tags aside) are always a recorded
    duplicate group: the generator adds no duplicates it does not tell about."""
    group_of = {
        (m["file"], m["row"]): i for i, g in enumerate(any_demo.truth["duplicates"]) for m in g
    }
    rows = [("hubspot_contacts.csv", i, r["Email"]) for i, r in enumerate(any_demo.crm, 1)]
    esp = [(f, i, r["Email Address"]) for f, i, r in any_demo.esp_rows()]
    assert len({e.lower() for _, _, e in esp}) == len(esp)  # Mailchimp keys by address
    rows += esp
    for system in ("hubspot", "members_export"):
        seen: dict[str, tuple[str, int]] = {}
        for file, i, email in (x for x in rows if system in x[0] and x[2]):
            key = mailbox(email)
            if key in seen:
                assert group_of.get(seen[key], -1) == group_of.get((file, i), -2), email
            seen.setdefault(key, (file, i))


def test_mailchimp_duplicates_are_second_addresses(any_demo: Demo) -> None:
    groups = [g for g in any_demo.truth["duplicates"] if g[0]["source"] == "esp"]
    assert groups
    for a_ref, b_ref in groups:
        a = any_demo.rows[a_ref["file"]][a_ref["row"] - 1]
        b = any_demo.rows[b_ref["file"]][b_ref["row"] - 1]
        assert a["Email Address"].lower() != b["Email Address"].lower()
        assert (a["First Name"], a["Last Name"]) == (b["First Name"], b["Last Name"])


def test_hard_negatives_are_two_people_alike(any_demo: Demo) -> None:
    pairs = any_demo.truth["hard_negatives"]
    assert pairs
    for a_ref, b_ref in pairs:
        a, b = any_demo.crm[a_ref["row"] - 1], any_demo.crm[b_ref["row"] - 1]
        same = ("First Name", "Last Name", "Company Name", "City")
        assert [a[c] for c in same] == [b[c] for c in same] or a["City"] != b["City"]
        assert [a[c] for c in same[:3]] == [b[c] for c in same[:3]]
        assert a["Company Name"]
        assert mailbox(a["Email"] or "a@") != mailbox(b["Email"] or "b@")
        assert digits(a["Phone Number"]) != digits(b["Phone Number"])


def test_namesakes_at_one_company_are_only_the_planted_ones(any_demo: Demo) -> None:
    """Two different people with the same first and last name at the same company are
    listed as hard negatives; no others occur by accident (small name pools made many,
    which the truth called two people and no matcher could tell apart)."""
    person = {}
    for k, group in enumerate(any_demo.truth["duplicates"]):
        for m in group:
            if m["source"] == "crm":
                person[m["row"]] = f"dup{k}"
    hard = {frozenset((a["row"], b["row"])) for a, b in any_demo.truth["hard_negatives"]}
    seen: dict[tuple[str, str, str], dict[str, int]] = {}
    for i, r in enumerate(any_demo.crm, 1):
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


def test_links_join_the_same_person(any_demo: Demo) -> None:
    links = any_demo.truth["links"]
    assert links
    agree = 0
    for group in links:
        sources = {m["source"] for m in group}
        assert sources == {"crm", "esp"}
        crm = [any_demo.crm[m["row"] - 1] for m in group if m["source"] == "crm"]
        esp = [any_demo.rows[m["file"]][m["row"] - 1] for m in group if m["source"] == "esp"]
        agree += any(
            mailbox(c["Email"] or "-") == mailbox(e["Email Address"])
            or (c["First Name"], c["Last Name"]) == (e["First Name"], e["Last Name"])
            for c in crm
            for e in esp
        )
    assert agree >= 0.97 * len(links)


def test_consent_conflicts_follow_the_rule(any_demo: Demo) -> None:
    """Every CRM row still marketable while its person opted out in Mailchimp is listed,
    and nothing else."""
    status = {}
    for file, i, _ in any_demo.esp_rows():
        status[(file, i)] = file.split("/")[-1].split("_")[0]
    expected = set()
    for group in any_demo.truth["links"]:
        for c in (m for m in group if m["source"] == "crm"):
            row = any_demo.crm[c["row"] - 1]
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
        for d in any_demo.defects("link.consent_conflict")
    }
    assert expected and recorded == expected


def test_orphans_and_bounces(any_demo: Demo) -> None:
    linked = {(m["file"], m["row"]) for g in any_demo.truth["links"] for m in g}
    orphans = {(d["file"], d["row"]) for d in any_demo.defects("link.orphan")}
    for file, i, _ in any_demo.esp_rows():
        assert ((file, i) in orphans) != ((file, i) in linked)
    crm_orphans = [d for d in any_demo.defects("link.orphan", "crm")]
    assert crm_orphans
    for d in crm_orphans:
        row = any_demo.crm[d["row"] - 1]
        assert row["Marketing contact status"] == "Marketing contact" and row["Email"]
    for d in any_demo.defects("link.status_mismatch"):
        assert "/cleaned_members_export_" in d["related"]["file"]


# --- the per-value changes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "must", "may"),
    [
        ("Robert", {"Bob", "Rob"}, {"Bobby", "Robby", "Bill", "Billy"}),
        ("William", {"Bill", "Will"}, {"Billy", "Willie"}),
        ("Elizabeth", {"Liz", "Beth"}, {"Betty", "Lizzie"}),
        ("Bob", {"Robert"}, {"Rob"}),
        ("Liz", {"Elizabeth"}, set()),
    ],
)
def test_nicknames_both_ways(name: str, must: set[str], may: set[str]) -> None:
    got = {mutate.other_name(name, random.Random(s)) for s in range(60)}
    assert must <= got <= must | may


@pytest.mark.parametrize(
    ("name", "base", "legal", "examples"),
    [
        (
            "Acme Inc.",
            "Acme",
            "Inc.",
            {
                "ACME Incorporated",
                "Acme Incorporated",
                "Acme, Inc.",
                "acme inc.",
                "Acme",
                "ACME INC.",
            },
        ),
        (
            "Northwind Logistics GmbH",
            "Northwind Logistics",
            "GmbH",
            {"Northwind Logistics", "northwind logistics gmbh", "Northwind Logistics G.m.b.H."},
        ),
    ],
)
def test_company_retyped(name: str, base: str, legal: str, examples: set[str]) -> None:
    got = {mutate.company_variant(name, base, legal, random.Random(s)) for s in range(200)}
    assert examples <= got
    assert all(g.lower().startswith(base.lower()) for g in got)


@pytest.mark.parametrize(
    "email", ["john.smith@gmail.com", "jsmith@gmail.com", "maria.garcia84@gmail.com"]
)
def test_gmail_variants_reach_the_same_mailbox(email: str) -> None:
    for s in range(20):
        other = mutate.gmail_variant(email, random.Random(s))
        assert other != email and mailbox(other) == mailbox(email)
        assert mutate.case_variant(email, random.Random(s)).lower() == email


@pytest.mark.parametrize(
    ("email", "domains"),
    [
        (
            "ann.lee@gmail.com",
            {
                "gmial.com",
                "gmail.con",
                "gmal.com",
                "gmai.com",
                "gnail.com",
                "gmail.co",
                "gamil.com",
            },
        ),
        ("bob@yahoo.com", {"yaho.com", "yahooo.com", "yahoo.con", "yhoo.com"}),
    ],
)
def test_typo_addresses(email: str, domains: set[str]) -> None:
    got = {mutate.typo_address(email, random.Random(s), ()) for s in range(60)}
    assert {g.rpartition("@")[2] for g in got if g} == domains
    assert mutate.typo_address("x@acmefoods.com", random.Random(1), {"acmefoods.com"}) not in (
        None,
        "x@acmefoods.com",
    )
    assert mutate.typo_address("x@unknown.org", random.Random(1), ()) is None


@pytest.mark.parametrize("email", ["ann.lee@gmail.com", "j@acme.co.uk", "info@x.de"])
def test_invalid_addresses_never_validate(email: str) -> None:
    for s in range(30):
        with pytest.raises(EmailNotValidError):
            validate_email(
                mutate.invalid_address(email, random.Random(s)), check_deliverability=False
            )


@pytest.mark.parametrize(
    ("nsn", "country"),
    [("617 234 5678", "US"), ("30 12345678", "DE"), ("20 7946 0958", "GB"), ("6 12345678", "NL")],
)
def test_broken_phones_are_invalid(nsn: str, country: str) -> None:
    for s in range(30):
        value = mutate.broken_phone(nsn, country, random.Random(s))
        assert not mutate.is_valid_phone(value, country), value


@pytest.mark.parametrize(
    ("code", "country", "spellings"),
    [
        ("CA", "US", {"California", "california", "Calif."}),
        ("MA", "US", {"Massachusetts", "massachusetts", "Mass."}),
        ("ON", "CA", {"Ontario", "Ont."}),
        ("NSW", "AU", {"New South Wales", "N.S.W."}),
    ],
)
def test_state_spellings(code: str, country: str, spellings: set[str]) -> None:
    got = {mutate.state_variant(code, country, random.Random(s)) for s in range(40)}
    assert got == spellings


@pytest.mark.parametrize("word", ["Johnson", "Smith", "Lee", "Nguyen"])
def test_surname_typo_is_one_keystroke(word: str) -> None:
    for s in range(20):
        typo = mutate.word_typo(word, random.Random(s))
        assert typo != word
        assert jellyfish.damerau_levenshtein_distance(typo, word) == 1


# --- options ------------------------------------------------------------------------------


def test_csv_format_and_truth_lists_as_csv(tmp_path: Path) -> None:
    inline = generate(tmp_path / "json", crm_rows=500, seed=5, esp_format="csv")
    lists = generate(tmp_path / "csv", crm_rows=500, seed=5, esp_format="csv", truth_format="csv")
    assert isinstance(inline.esp, list) and [p.name.split("_")[0] for p in inline.esp] == [
        "subscribed",
        "unsubscribed",
        "cleaned",
    ]
    assert not inline.truth_lists
    assert sorted(p.name for p in lists.truth_lists) == [
        "truth_defects.csv",
        "truth_duplicates.csv",
        "truth_hard_negatives.csv",
        "truth_links.csv",
    ]
    a, b = load_truth(inline.truth), load_truth(lists.truth)
    for name in ("defects", "duplicates", "links", "hard_negatives"):
        fa, fb = getattr(a, name).astype(str), getattr(b, name).astype(str)
        assert fa.equals(fb), name
    doc = json.loads(inline.truth.read_text())
    assert doc["defects"][0]["file"] in {"hubspot_contacts.csv"} | {p.name for p in inline.esp}


def test_rates_are_configurable(tmp_path: Path) -> None:
    none = generate(tmp_path / "a", crm_rows=1000, rates=DefectRates(typo_domain=0.0))
    more = generate(tmp_path / "b", crm_rows=1000, rates=DefectRates(typo_domain=0.05))
    typos = [
        sum(
            1
            for d in json.loads(f.truth.read_text())["defects"]
            if d["kind"] == "email.typo_domain" and d["source"] == "crm"
        )
        for f in (none, more)
    ]
    assert typos == [0, 50]


@pytest.mark.parametrize(
    "kwargs", [{"esp_format": "xlsx"}, {"truth_format": "yaml"}, {"crm_rows": -1}]
)
def test_bad_options_are_config_errors(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        generate(tmp_path, **kwargs)


@pytest.mark.parametrize("rows", [0, 1, 7, 60])
def test_tiny_runs_still_make_consistent_files(tmp_path: Path, rows: int) -> None:
    demo = read_demo(generate(tmp_path, crm_rows=rows))
    assert len(demo.crm) == rows
    assert demo.headers["hubspot_contacts.csv"] == HUBSPOT
    for d in demo.truth["defects"]:
        if d.get("column"):
            assert demo.cell(d["file"], d["row"], d["column"]) == (d.get("value") or "")
