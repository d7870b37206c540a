"""Links between systems: the same person in a CRM and an ESP, references between exports,
and the consent each system records.

`check_links` runs after the per-source checks: it joins each ESP with each CRM on the
normalised email (and declared id columns, and the matcher's links where email fails), then
reports `link.orphan`, `link.consent_conflict`, `link.status_mismatch`,
`link.missing_reference` and the `consent.*` rules (rules/packs/links.yaml, compliance.yaml).
"""

from __future__ import annotations

from .join import LINK_FIELDS, LINK_VIEWS, CheckHits, keep_link_views
from .run import (
    PAIRS_COLUMNS,
    LinkPlan,
    LinkResult,
    check_links,
    finish_links,
    join_records,
    plan_links,
)
from .spec import LinkSpec, default_links, link_from_mapping, parse_link, resolve
from .state import ConsentState, consent_state

__all__ = [
    "LINK_FIELDS",
    "LINK_VIEWS",
    "PAIRS_COLUMNS",
    "CheckHits",
    "ConsentState",
    "LinkPlan",
    "LinkResult",
    "LinkSpec",
    "check_links",
    "consent_state",
    "default_links",
    "finish_links",
    "join_records",
    "keep_link_views",
    "link_from_mapping",
    "parse_link",
    "plan_links",
    "resolve",
]
