"""The typed context report.html is rendered from: everything the templates show, nothing more.

Templates in reports/ read these fields and hold no logic beyond loops and conditionals.
Every field is documented (a test checks it): this is the contract between the builder
(hygiene/report/build.py) and the templates. Values from the data arrive here as plain
strings; the templates escape them (autoescape), so none of it can become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Gauge:
    """A ring chart of a 0-100 score, drawn by the `gauge` macro as SVG."""

    value: float
    """The score written in the middle of the ring."""
    radius: float
    """Radius of the ring in SVG units (the viewBox is 2 x (radius + 8) wide)."""
    circumference: float
    """Length of the whole ring (2 pi radius)."""
    dash: float
    """Length of the coloured arc: value / 100 of the circumference."""
    tone: str
    """Colour class from the grade the value would get: a, b, c, d or f."""


@dataclass(frozen=True)
class SeverityCount:
    """How many findings one severity has."""

    severity: str
    """error, warning or info."""
    count: int
    """Number of findings of this severity."""


@dataclass(frozen=True)
class Example:
    """One real finding shown as an example under its code."""

    source: str
    """Name of the source (crm, esp, ...)."""
    file: str
    """File the record came from."""
    row: str
    """1-based data row in that file, as text ("" for a whole-column finding)."""
    record_id: str
    """The platform's own id of the record, or ""."""
    column: str
    """Original column name, or ""."""
    value: str
    """The offending value ("" when the cell is empty); masked under --redact."""
    suggestion: str
    """The proposed fix, or ""; masked under --redact."""
    message: str
    """The finding's message."""


@dataclass(frozen=True)
class FindingGroup:
    """All findings of one code: how many, how bad, what to do, and a few examples."""

    code: str
    """Stable rule code, e.g. email.typo_domain."""
    title: str
    """The rule's title in plain words."""
    severity: str
    """error, warning or info."""
    count: int
    """Number of findings."""
    records: int
    """Distinct records affected (a whole-column finding counts every row of its source)."""
    share: float
    """records / all records of the audit, 0 to 1."""
    fix: str
    """What to do about it (the rule's `fix`)."""
    examples: list[Example]
    """Up to `ReportOptions.examples_per_code` real findings."""


@dataclass(frozen=True)
class DimensionView:
    """One of the six score dimensions with its worst findings."""

    name: str
    """Key: validity, completeness, uniqueness, consistency, integrity or compliance."""
    label: str
    """Capitalised name for headings."""
    score: float
    """0 to 100."""
    tone: str
    """Grade letter of the score (a-f) for colour; "none" when not measured."""
    weight: float
    """Share of the overall score, in percent."""
    about: str
    """What the dimension measures, one sentence (rules/scoring.yaml)."""
    findings: int
    """Number of findings counted in this dimension."""
    groups: list[FindingGroup]
    """Finding codes of this dimension, most records first."""
    unmeasured: str = ""
    """Why nothing in the data measured this dimension ("" when something did)."""
    records: int = 0
    """Distinct records with a finding in this dimension."""
    share: float = 0.0
    """records / all records of the audit, 0 to 1."""
    rules: int = 0
    """Enabled rules of this dimension (whether or not they found anything)."""
    clusters: int = 0
    """Duplicate clusters counted in this dimension (uniqueness only; else 0)."""
    merge_away: int = 0
    """Records of those clusters that would merge away (members minus survivors)."""
    merge_share: float = 0.0
    """merge_away / all records of the audit, 0 to 1."""
    feeds: str = ""
    """What the score is counted from, in words: findings, records, rules, clusters."""


@dataclass(frozen=True)
class BlockerView:
    """One reason records cannot enter a workflow."""

    text: str
    """What blocks, in plain words."""
    records: int
    """Records it blocks."""
    share: float
    """records / the workflow's records, 0 to 1."""
    code: str
    """Finding code, or "" for a missing column, link or opt-in."""
    zero_tolerance: bool = False
    """True when a single one keeps the workflow from being ready, whatever its score."""


@dataclass(frozen=True)
class WorkflowCard:
    """Readiness of one workflow profile."""

    name: str
    """Profile name (rules/workflows/NAME.yaml)."""
    title: str
    """Profile title."""
    description: str
    """What the workflow does and needs."""
    score: float
    """Share of its records nothing blocks, 0 to 100."""
    tone: str
    """Grade letter of the score (a-f) for colour."""
    ready: bool
    """True when the score reaches `ready_at`, it has records, no needed export is missing
    and no zero-tolerance blocker is left (hygiene.readiness: one definition everywhere)."""
    ready_at: float
    """Score at which the workflow counts as ready."""
    records: int
    """Records of the sources the workflow runs on."""
    blocked: int
    """Records that cannot enter it."""
    requires: list[str]
    """Fields every record needs."""
    needs_links: list[str]
    """Sources that must be linked for it to run at all."""
    blockers: list[BlockerView]
    """Why records are blocked, in the one blocker order of every output: missing exports
    and columns, then zero-tolerance blockers, then most records first."""
    status: str = "not_ready"
    """ready, not_ready, or needs_source (a needed export was not given and nobody asked
    for this workflow: it is set aside, not something to fix)."""
    status_label: str = "Not ready"
    """The status in words: "Ready", "Not ready", "Needs a store export"."""
    reason: str = ""
    """Why it is not ready, in one sentence ("" when ready); says why when the score is
    over the line."""


@dataclass(frozen=True)
class FixItem:
    """One thing to fix, ranked by how many workflows and records it holds back."""

    title: str
    """What is wrong, in plain words."""
    code: str
    """Finding code, or "" for a missing column, link or opt-in."""
    records: int
    """Most records it blocks in any one workflow."""
    workflows: list[str]
    """Titles of the workflows it blocks records of."""
    fix: str
    """What to do."""


@dataclass(frozen=True)
class FindingRow(Example):
    """One row of the findings table: an example's fields, then severity and code."""

    severity: str
    """error, warning or info."""
    code: str
    """Rule code."""


@dataclass(frozen=True)
class FindingsTable:
    """The sortable, filterable findings table and how much of the audit it holds."""

    rows: list[FindingRow]
    """The findings embedded in the page."""
    total: int
    """All findings of the audit."""
    capped: bool
    """True when `rows` is a sample (an even share of every code) of `total`."""
    codes: list[str]
    """Codes for the filter drop-down."""
    sources: list[str]
    """Source names for the filter drop-down."""


@dataclass(frozen=True)
class ClusterMember:
    """One record of a duplicate cluster (a column of the side-by-side table)."""

    source: str
    """Source name."""
    file: str
    """File of the record."""
    row: str
    """1-based row in its file, as text."""
    record_id: str
    """Platform id of the record, or ""."""
    survivor: bool
    """True for the record the others would merge into."""
    gives_up: list[str] = field(default_factory=list)
    """What the merge would drop of this record: "field: value" for each filled value that
    differs from the one kept (masked under --redact); empty for the survivor."""


@dataclass(frozen=True)
class ClusterField:
    """One field of a duplicate cluster across its members (a row of the table)."""

    label: str
    """Field name in plain words."""
    differs: bool
    """True when the members do not all hold the same value (compared case-insensitively)."""
    values: list[str]
    """One value per member, in member order ("" when empty); masked under --redact."""
    states: list[str] = field(default_factory=list)
    """Per value: "kept" (the merge keeps it), "fills" (kept, filling the survivor's empty
    field), "lost" (given up) or "" (empty, or the same as the one kept)."""
    note: str = ""
    """How the field is merged when not from the survivor ("latest date kept"), or ""."""


@dataclass(frozen=True)
class ClusterView:
    """A duplicate cluster shown side by side."""

    id: int
    """Cluster number, as in audit.json and review.xlsx."""
    confidence: float
    """Match confidence, 0 to 1."""
    evidence: list[str]
    """Why the records match."""
    members: list[ClusterMember]
    """The records, survivor first."""
    fields: list[ClusterField]
    """Fields any member fills, in canonical order."""
    reason: str = ""
    """The survivorship rule that chose the survivor, in words ("most complete (9 of 14
    fields)"); "" when the audit did not record one."""
    highlight: str = ""
    """"least certain" or "most certain" for the clusters shown open first, else ""."""
    gives_up: int = 0
    """Values the merge would drop, over all members."""


@dataclass(frozen=True)
class DuplicatesView:
    """Duplicate clusters: totals and those shown."""

    clusters: int
    """Clusters found."""
    records: int
    """Records in clusters."""
    redundant: int
    """Records that would merge away (members minus survivors)."""
    shown: list[ClusterView]
    """Up to `ReportOptions.max_clusters` clusters: the least and the most certain first
    (`featured` of them, shown open), then the others, least certain first."""
    featured: int = 0
    """How many clusters at the head of `shown` are shown open."""


@dataclass(frozen=True)
class FieldFill:
    """How full one column of a source is."""

    field: str
    """Canonical field the column maps onto, or "" when unmapped."""
    column: str
    """Original column name."""
    filled: float
    """Share of rows with a value, 0 to 1."""
    count: int
    """Rows with a value."""
    required: bool
    """True when a selected workflow needs the field (its bar is coloured by how full it is)."""


@dataclass(frozen=True)
class DistItem:
    """One value of a categorical field and how often it occurs."""

    label: str
    """The value as written in the export (or "(other)")."""
    count: int
    """Rows holding it."""
    share: float
    """count / filled rows, 0 to 1."""


@dataclass(frozen=True)
class Distribution:
    """The most common values of one key categorical field of a source."""

    label: str
    """Field name in plain words."""
    column: str
    """Original column, or a description for derived values (email domain)."""
    distinct: int
    """Distinct values in the column."""
    items: list[DistItem]
    """The most common values, then "(other)" for the rest."""


@dataclass(frozen=True)
class SourceProfile:
    """One source: size, mapping, fill rate per column, key distributions."""

    name: str
    """Source name."""
    platform: str
    """Detected (or given) platform."""
    kind: str
    """crm or esp."""
    files: list[str]
    """Files the source was read from."""
    rows: int
    """Records."""
    columns: int
    """Columns in the export."""
    mapped: int
    """Columns mapped onto canonical fields."""
    findings: int
    """Findings on this source."""
    flagged: int
    """Distinct records with at least one finding."""
    fill: list[FieldFill]
    """Every column, mapped ones first in canonical order."""
    distributions: list[Distribution]
    """Key categoricals (country, stage, status, ...)."""


@dataclass(frozen=True)
class Venn:
    """Geometry of a two-circle Venn diagram whose areas follow the counts."""

    width: float
    """ViewBox width."""
    height: float
    """ViewBox height."""
    cx_a: float
    """Centre x of the left circle (CRM)."""
    cx_b: float
    """Centre x of the right circle (ESP)."""
    cy: float
    """Centre y of both circles."""
    r_a: float
    """Radius of the left circle."""
    r_b: float
    """Radius of the right circle."""
    label_x: tuple[float, float, float]
    """x of the labels of CRM only, both and ESP only (centres of the three regions)."""
    label_fits: tuple[bool, bool, bool]
    """Whether each region is wide enough to hold its label inside the figure."""


@dataclass(frozen=True)
class OverlapView:
    """Contacts of the CRM and the ESP compared by normalised email address."""

    crm: list[str]
    """CRM source names."""
    esp: list[str]
    """ESP source names."""
    crm_only: int
    """Addresses only in the CRM."""
    both: int
    """Addresses in both."""
    esp_only: int
    """Addresses only in the ESP."""
    venn: Venn
    """The figure."""


@dataclass(frozen=True)
class Delta:
    """A score now and its change since the previous audit."""

    label: str
    """What changed (a dimension or workflow)."""
    delta: float
    """Points gained (negative: lost)."""


@dataclass(frozen=True)
class CodeCount:
    """A finding code with a count."""

    code: str
    """Rule code."""
    count: int
    """Number of findings."""


@dataclass(frozen=True)
class Sparkline:
    """The overall score over past audits as a small line chart."""

    points: str
    """SVG polyline points, "x,y x,y ..."."""
    width: float
    """ViewBox width."""
    height: float
    """ViewBox height."""
    last_x: float
    """x of the latest point (marked with a dot)."""
    last_y: float
    """y of the latest point."""
    first_label: str
    """Date of the oldest audit shown."""
    last_label: str
    """Date of this audit."""


@dataclass(frozen=True)
class TrendView:
    """The change since the previous audit of the same sources."""

    previous_at: str
    """When the previous audit ran."""
    previous_overall: float
    """Its overall score."""
    overall_delta: float
    """Points gained since (negative: lost)."""
    dimensions: list[Delta]
    """Change per dimension."""
    workflows: list[Delta]
    """Change per workflow score."""
    new_findings: int
    """Findings present now and not before."""
    fixed_findings: int
    """Findings present before and gone now."""
    new_by_code: list[CodeCount]
    """New findings by code, most first."""
    fixed_by_code: list[CodeCount]
    """Fixed findings by code, most first."""
    spark: Sparkline | None
    """The overall score over past audits, when there are at least two."""


@dataclass(frozen=True)
class ReportContext:
    """Everything report.html shows."""

    title: str
    """Page title."""
    generated_at: str
    """When the audit ran, for people ("24 Nov 2026, 10:00 UTC")."""
    version: str
    """crm-hygiene version."""
    redacted: bool
    """True when emails, phones and names are masked."""
    rows: int
    """Records over all sources."""
    finding_count: int
    """All findings."""
    severities: list[SeverityCount]
    """Findings per severity, error first."""
    overall: float
    """Overall readiness score, 0 to 100."""
    grade: str
    """Letter grade A to F."""
    gauge: Gauge
    """Ring chart of the overall score."""
    verdict: str
    """One sentence: can we launch, and what first."""
    headline: str
    """Readiness first, then the data score: "0 of 6 workflows ready; data score 93.9/100
    (grade A)" (with why the score is capped, when it is)."""
    ready_count: int
    """Workflows that are ready."""
    fix_first: list[FixItem]
    """What to fix first, most workflows and records held back first."""
    workflows: list[WorkflowCard]
    """One readiness card per selected workflow."""
    dimensions: list[DimensionView]
    """The six dimensions."""
    findings: FindingsTable
    """The findings table."""
    duplicates: DuplicatesView
    """Duplicate clusters."""
    sources: list[SourceProfile]
    """One profile per source."""
    overlap: OverlapView | None
    """CRM and ESP overlap by email, when both kinds of source are present."""
    trend: TrendView | None
    """Change since the previous audit, when a history is kept."""
    notes: list[str] = field(default_factory=list)
    """What the page leaves out and where to find it (review.xlsx)."""


@dataclass(frozen=True)
class Assets:
    """Static files inlined into the page, and the Content-Security-Policy that allows them."""

    css: str
    """reports/static/report.css."""
    js: str
    """reports/static/report.js."""
    csp: str
    """Content-Security-Policy: no network at all; only this page's own script runs."""
