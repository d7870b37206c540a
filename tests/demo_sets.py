"""The demo generator's sets as the tests read them back (stdlib csv, as a user would), the
platforms' headers and vocabularies they are checked against; the `demo_set`, `big_set`
and `any_set` fixtures (tests/conftest.py) build them once per test process."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hygiene.demo import DemoFiles
from hygiene.demo.places import COUNTRIES

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
#: The misspellings of gmail.com the generator makes.
GMAIL_TYPOS = {
    "gmial.com", "gmail.con", "gmal.com", "gmai.com", "gnail.com", "gmail.co", "gamil.com",
}  # fmt: skip
TYPO_DOMAINS = GMAIL_TYPOS | {
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


def country_code(value: str) -> str:
    for c in COUNTRIES.values():
        if value == c.name or value in c.variants:
            return c.code
    raise AssertionError(f"unknown country spelling {value!r}")


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-9:]
