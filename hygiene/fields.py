"""The words every layer shares: canonical fields, the columns of findings, dimensions,
severities and source kinds. Plain tuples, so reading the rule catalogue or a config needs
no pandas; `hygiene.model` re-exports them beside the data types."""

from __future__ import annotations

SEVERITIES = ("error", "warning", "info")
DIMENSIONS = ("validity", "completeness", "uniqueness", "consistency", "integrity", "compliance")
#: What a source may be: a CRM, an ESP, or a lookup table only links read (users, deals);
#: `hygiene.load.presets.source_kind` says which one a source is.
KINDS = ("crm", "esp", "reference")

#: Canonical fields every loader maps onto. Order is the order of reports and cleaned files.
FIELDS = (
    "record_id",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "company_id",
    "company_domain",
    "website",
    "job_title",
    "phone",
    "mobile_phone",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "birth_date",
    "gender",
    "language",
    "lifecycle_stage",
    "lead_status",
    "lead_source",
    "owner",
    "email_status",
    "marketable",
    "consent",
    "consent_date",
    "consent_source",
    "consent_type",
    "double_opt_in_date",
    "unsubscribed",
    "unsubscribed_at",
    "bounced",
    "tags",
    "rating",
    "created_at",
    "updated_at",
    "last_activity_at",
    "source_id",
    "last_order_at",
    "total_spent",
)

#: Columns of the findings DataFrame, in the order audit.json writes them.
FINDING_COLUMNS = (
    "code",
    "severity",
    "dimension",
    "source",
    "file",
    "sheet",
    "row",
    "record_id",
    "field",
    "column",
    "value",
    "suggestion",
    "message",
    "related",
)

#: Kept beside the contract's columns in the findings frame: the row's position in its
#: source's `data` (-1 for a finding about a whole column). Not written to audit.json.
INTERNAL_FINDING_COLUMNS = ("pos",)

#: Columns of `Source.provenance`.
PROVENANCE_COLUMNS = ("file", "sheet", "row")
