"""Consent rules: timestamp and source of consent, double opt-in where the pack requires it,
CASL implied consent past its expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from hygiene.checks.rules import load_rules
from hygiene.links import check_links
from hygiene.prepared import Prepared
from tests.helpers import make_source

RULES = load_rules()


def run(*sources, rules=RULES) -> pd.DataFrame:
    return check_links([Prepared(s) for s in sources], rules).findings


def rows(found: pd.DataFrame, code: str) -> list[int]:
    return sorted(int(r) for r in found.loc[found["code"] == code, "row"])


def test_consent_without_timestamp_klaviyo():
    kl = make_source(
        "klaviyo",
        {"Email": ["a@x.io", "b@x.io", "c@x.io"],
         "Email Marketing Consent": ["SUBSCRIBED", "SUBSCRIBED", "UNSUBSCRIBED"],
         "Email Marketing Consent Timestamp": ["2024-02-01T09:30:00+00:00", "", ""]},
        {"Email": "email", "Email Marketing Consent": "consent",
         "Email Marketing Consent Timestamp": "consent_date"},
        platform="klaviyo",
    )
    found = run(kl)
    # b is subscribed with no timestamp; c opted out, so no consent to prove.
    assert rows(found, "consent.no_timestamp") == [2]
    hit = found[found["code"] == "consent.no_timestamp"].iloc[0]
    assert hit["column"] == "Email Marketing Consent Timestamp"
    assert hit["message"] == ("Marketable (Email Marketing Consent = SUBSCRIBED) but Email "
                              "Marketing Consent Timestamp is empty: no record of when consent "
                              "was given")
    assert hit["dimension"] == "compliance"


def test_consent_without_source():
    src = make_source(
        "crm",
        {"Email": ["a@x.io", "b@x.io"], "Email Opt Out": ["false", "false"],
         "Opt-in Source": ["Webinar signup form", None]},
        {"Email": "email", "Email Opt Out": "unsubscribed", "Opt-in Source": "consent_source"},
        platform="zoho",
    )
    assert rows(run(src), "consent.no_source") == [2]


def test_no_consent_columns_no_consent_findings():
    src = make_source("crm", {"Email": ["a@x.io"]}, {"Email": "email"})
    assert run(src).empty


MAILCHIMP = {"Email Address": "email", "CONFIRM_TIME": "double_opt_in_date", "CC": "country",
             "Member Status": "email_status"}


def mailchimp(rows_: list[tuple[str, str | None, str, str]]):
    return make_source(
        "esp",
        {"Email Address": [r[0] for r in rows_], "CONFIRM_TIME": [r[1] for r in rows_],
         "CC": [r[2] for r in rows_], "Member Status": [r[3] for r in rows_]},
        MAILCHIMP, platform="mailchimp",
    )


def test_double_opt_in_required_for_german_subscribers():
    esp = mailchimp([
        ("anna@web.de", None, "DE", "subscribed"),
        ("jo@gmail.com", None, "US", "subscribed"),
        ("max@gmx.de", "2023-05-01 10:00:03", "DE", "subscribed"),
        ("lea@gmx.at", None, "AT", "pending"),
        ("tim@web.de", None, "DE", "unsubscribed"),
    ])
    found = run(esp)
    hits = found[found["code"] == "consent.double_opt_in_missing"].sort_values("row")
    assert list(hits["row"]) == [1, 4]
    assert list(hits["severity"]) == ["warning", "info"]
    assert hits.iloc[0]["message"] == ("Subscribed without a confirmed double opt-in "
                                       "(CONFIRM_TIME is empty); contacts in DE need one")
    assert list(hits["field"]) == ["double_opt_in_date", "email_status"]


def test_a_pack_can_require_double_opt_in_everywhere():
    rules = [replace(r, params=replace(r.params, countries=("*",)))
             if r.code == "consent.double_opt_in_missing" else r for r in RULES]
    esp = mailchimp([("jo@gmail.com", None, "US", "subscribed")])
    assert rows(run(esp, rules=rules), "consent.double_opt_in_missing") == [1]


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d")


@pytest.mark.parametrize(
    "kind,since,last_order,expired",
    [
        ("Implied - Purchase", ago(800), None, True),
        ("Implied - Purchase", ago(800), ago(30), False),  # a later purchase renews it
        ("Implied - Purchase", ago(400), None, False),
        ("Implied - Inquiry", ago(200), None, True),
        ("Implied consent (inquiry)", ago(60), None, False),
        ("Express", ago(4000), None, False),  # express consent does not expire
        ("Implied - Purchase", None, None, False),  # no date: nothing to compute
    ],
)
def test_casl_implied_consent_expiry(kind, since, last_order, expired):
    src = make_source(
        "crm",
        {"Email": ["a@x.ca"], "Consent Type": [kind], "Consent Date": [since],
         "Last Order Date": [last_order], "Email Opt Out": ["false"]},
        {"Email": "email", "Consent Type": "consent_type", "Consent Date": "consent_date",
         "Last Order Date": "last_order_at", "Email Opt Out": "unsubscribed"},
    )
    found = run(src)
    assert rows(found, "consent.casl_expired") == ([1] if expired else [])
    if expired:
        hit = found[found["code"] == "consent.casl_expired"].iloc[0]
        assert hit["severity"] == "error"
        assert hit["message"].startswith(f"Implied consent ({kind}) from {since} expired on ")


def test_casl_skips_contacts_who_opted_out():
    src = make_source(
        "crm",
        {"Email": ["a@x.ca"], "Consent Type": ["Implied - Inquiry"], "Consent Date": [ago(900)],
         "Email Opt Out": ["true"]},
        {"Email": "email", "Consent Type": "consent_type", "Consent Date": "consent_date",
         "Email Opt Out": "unsubscribed"},
    )
    assert rows(run(src), "consent.casl_expired") == []


def test_disabled_consent_rule_does_not_run():
    rules = load_rules(disabled=["consent.no_timestamp"])
    kl = make_source("klaviyo", {"Email": ["a@x.io"], "Email Marketing Consent": ["SUBSCRIBED"],
                                 "Email Marketing Consent Timestamp": [None]},
                     {"Email": "email", "Email Marketing Consent": "consent",
                      "Email Marketing Consent Timestamp": "consent_date"}, platform="klaviyo")
    assert run(kl, rules=rules).empty
