"""Per-row consent state: each platform's fields read with their own polarity."""

from __future__ import annotations

import pytest

from hygiene.links.state import consent_state
from hygiene.prepared import Prepared
from tests.helpers import make_source


def state_of(platform: str, columns: dict[str, str], row: dict[str, str | None]):
    src = make_source("s", {k: [v] for k, v in row.items()}, columns, platform=platform)
    st = consent_state(Prepared(src))
    return bool(st.opted_out[0]), bool(st.marketable[0]), bool(st.bounced[0])


HUBSPOT = {"Marketing contact status": "marketable", "Unsubscribed from all email": "unsubscribed"}
SALESFORCE = {"HasOptedOutOfEmail": "unsubscribed", "IsEmailBounced": "bounced"}
KLAVIYO = {"Email Marketing Consent": "consent", "Email Suppressions": "email_status"}


@pytest.mark.parametrize(
    "platform,columns,row,expected",
    [
        # HubSpot: "Marketing contact status" is opt-in, "Unsubscribed from all email" opt-out.
        ("hubspot", HUBSPOT, {"Marketing contact status": "Marketing contact",
                              "Unsubscribed from all email": "false"}, (False, True, False)),
        ("hubspot", HUBSPOT, {"Marketing contact status": "Marketing contact",
                              "Unsubscribed from all email": "true"}, (True, False, False)),
        ("hubspot", HUBSPOT, {"Marketing contact status": "Non-marketing contact",
                              "Unsubscribed from all email": None}, (False, False, False)),
        ("hubspot", HUBSPOT, {"Marketing contact status": "Non-marketing contact",
                              "Unsubscribed from all email": "Unsubscribed"}, (True, False, False)),
        # Salesforce: HasOptedOutOfEmail true means opted OUT; false means it may be mailed.
        ("salesforce", SALESFORCE, {"HasOptedOutOfEmail": "1", "IsEmailBounced": "0"},
         (True, False, False)),
        ("salesforce", SALESFORCE, {"HasOptedOutOfEmail": "false", "IsEmailBounced": "true"},
         (False, True, True)),
        ("salesforce", SALESFORCE, {"HasOptedOutOfEmail": None, "IsEmailBounced": None},
         (False, False, False)),
        # Mailchimp's "Member Status" (added by the loader from the file name).
        ("mailchimp", {"Member Status": "email_status"}, {"Member Status": "subscribed"},
         (False, True, False)),
        ("mailchimp", {"Member Status": "email_status"}, {"Member Status": "unsubscribed"},
         (True, False, False)),
        ("mailchimp", {"Member Status": "email_status"}, {"Member Status": "cleaned"},
         (True, False, True)),
        ("mailchimp", {"Member Status": "email_status"}, {"Member Status": "pending"},
         (False, False, False)),
        ("mailchimp", {"Member Status": "email_status"}, {"Member Status": "transactional"},
         (False, False, False)),
        # Klaviyo: consent is opt-in; suppressions list the reasons.
        ("klaviyo", KLAVIYO, {"Email Marketing Consent": "SUBSCRIBED", "Email Suppressions": "[]"},
         (False, True, False)),
        ("klaviyo", KLAVIYO, {"Email Marketing Consent": "SUBSCRIBED",
                              "Email Suppressions": "[{'reason': 'USER_SUPPRESSED', "
                                                    "'timestamp': '2024-03-01T10:00:00Z'}]"},
         (True, False, False)),
        ("klaviyo", KLAVIYO, {"Email Marketing Consent": "SUBSCRIBED",
                              "Email Suppressions": "HARD_BOUNCE"}, (True, False, True)),
        ("klaviyo", KLAVIYO, {"Email Marketing Consent": "False", "Email Suppressions": None},
         (True, False, False)),
        ("klaviyo", KLAVIYO, {"Email Marketing Consent": "NEVER_SUBSCRIBED",
                              "Email Suppressions": None}, (False, False, False)),
        # ActiveCampaign's Status words.
        ("activecampaign", {"Status": "email_status"}, {"Status": "Active"}, (False, True, False)),
        ("activecampaign", {"Status": "email_status"}, {"Status": "Bounced"}, (True, False, True)),
        # HubSpot's bounce reason text means the address bounced.
        ("hubspot", {"Email hard bounce reason": "bounced"},
         {"Email hard bounce reason": "550 5.1.1 The email account does not exist"},
         (False, False, True)),
    ],
)
def test_polarity_per_field(platform, columns, row, expected):
    assert state_of(platform, columns, row) == expected


@pytest.mark.parametrize(
    "value,opted_out",
    [("WAHR", True), ("FALSCH", False), ("VRAI", True), ("FAUX", False),
     ("VERDADERO", True), ("FALSO", False)],
)
def test_opt_out_checkbox_as_a_localized_excel_writes_it(value, opted_out):
    """A Salesforce report re-saved by a German or French Excel: its Email Opt Out checkbox
    reads WAHR / VRAI. An opt-out must never be lost to the language of the spreadsheet."""
    cols = {"Email Opt Out": "unsubscribed", "Email Bounced Reason": "bounced"}
    got = state_of("salesforce", cols, {"Email Opt Out": value, "Email Bounced Reason": None})
    assert got == (opted_out, not opted_out, False)


def test_bounce_checkbox_false_in_a_localized_excel_is_not_a_bounce():
    """IsEmailBounced = FALSCH is "not bounced", not a bounce reason text."""
    got = state_of("salesforce", SALESFORCE, {"HasOptedOutOfEmail": "FALSCH",
                                             "IsEmailBounced": "FALSCH"})
    assert got == (False, True, False)


def test_reason_names_the_column_and_value_that_decided():
    src = make_source(
        "crm",
        {"Marketing contact status": ["Marketing contact", "Marketing contact"],
         "Unsubscribed from all email": ["false", "true"]},
        HUBSPOT, platform="hubspot",
    )
    st = consent_state(Prepared(src))
    import numpy as np

    pos = np.array([0, 1])
    assert list(st.reason(st.marketable_by, pos)) == [
        "Marketing contact status = Marketing contact", ""]
    assert list(st.reason(st.out_by, pos)) == ["", "Unsubscribed from all email = true"]
    assert list(st.field_of(st.marketable_by[pos])) == ["marketable", None]


def test_source_without_consent_fields_says_nothing():
    src = make_source("crm", {"Email": ["a@b.com"]}, {"Email": "email"})
    st = consent_state(Prepared(src))
    assert not st.known
    assert not st.marketable.any() and not st.opted_out.any()
