"""Realistic sample CRM and ESP exports with known defects (`hygiene demo`, benchmarks).

`generate(out_dir, crm_rows=2000, esp_rows=None, seed=7, esp_format="zip")` writes:

- `hubspot_contacts.csv`: HubSpot's "all contacts" export (22 columns, as HubSpot names
  and fills them), people from nine countries, with duplicates and defects;
- `members_export_<hex>.zip`: Mailchimp's "Export audience" download, holding
  `subscribed_/unsubscribed_/cleaned_members_export_<hex>.csv` (or, with
  `esp_format="csv"`, the three files side by side); most members are CRM people;
- `truth.json`: what the files really hold (`load_truth` reads it back as DataFrames):
  `seed`, `crm` and `esp` (files and row counts), `rates`, `counts` (per kind), and
  - `defects`: `{source, file, row, kind, field, column, value, expected, related}`;
    `file` is the base name a finding shows ("members_export_<hex>.zip/cleaned_...csv"
    for a ZIP member), `row` the 1-based data row, `kind` a finding code
    (email.typo_domain, email.invalid_syntax, email.disposable, email.role_account,
    email.missing, value.placeholder, phone.invalid, field.inconsistent,
    field.missing_required for emptied names, link.consent_conflict, link.orphan,
    link.status_mismatch), `expected` the fixed value where one is known, `related`
    the other system's row for link kinds;
  - `duplicates`: groups of rows that are one person within one source (CRM records
    typed again; Mailchimp members in twice under a second address);
  - `links`: groups of rows that are one person across the two systems;
  - `hard_negatives`: pairs of CRM rows of two different people with the same name at
    the same company.
  Runs of more than 50,000 rows in all (or `truth_format="csv"`) write these four lists
  as `truth_<list>.csv` beside truth.json instead, which then names them in
  `<list>_csv`: JSON for a million rows would be several times larger and slower.

The same seed gives byte-identical files. Rates of every defect: `DefectRates`.
"""

from __future__ import annotations

from .generator import DemoFiles, generate
from .rates import DefectRates
from .truth import Truth, load_truth

__all__ = ["DefectRates", "DemoFiles", "Truth", "generate", "load_truth"]
