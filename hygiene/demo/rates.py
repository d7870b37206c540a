"""How often each kind of defect occurs in the sample data (all configurable)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class DefectRates:
    """Shares of rows, per export, that carry each defect.

    The defaults follow what audits of real HubSpot portals and Mailchimp audiences
    typically find: a few percent duplicates, about 1% typo domains, a tenth unsubscribed.
    """

    # HubSpot (share of CRM rows)
    duplicates: float = 0.03  # extra records of people already in the CRM
    triples: float = 0.15  # share of duplicated people who have two extra records
    hard_negatives: float = 0.003  # same name at the same company, two different people
    missing_email: float = 0.015
    typo_domain: float = 0.012
    invalid_email: float = 0.006
    disposable: float = 0.004
    role_account: float = 0.006
    placeholder: float = 0.004  # per field: first name, email, phone
    missing_name: float = 0.01  # per field: first name, last name
    invalid_phone: float = 0.01
    country_variant: float = 0.04
    state_variant: float = 0.04
    stage_variant: float = 0.02
    # Mailchimp (share of ESP members)
    esp_only: float = 0.12  # members who are in no CRM
    esp_duplicates: float = 0.005  # a second address of the same person
    unsubscribed: float = 0.1
    cleaned: float = 0.05
    esp_typo_domain: float = 0.01
    esp_disposable: float = 0.004
    esp_role_account: float = 0.004
    esp_placeholder: float = 0.003
    esp_missing_name: float = 0.02
    esp_invalid_phone: float = 0.005
    # Between the two
    consent_conflict: float = 0.3  # of people opted out in Mailchimp, still marketable in CRM
    reverse_conflict: float = 0.01  # of subscribed people, unsubscribed in the CRM
    crm_orphans: float = 0.05  # of CRM rows: marketing contacts missing from Mailchimp

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
