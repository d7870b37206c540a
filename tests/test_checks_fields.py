"""Field checks: placeholders, phones, inconsistent spellings, unknown values, reachability,
missing required fields. Real-world values, one table per check."""

from __future__ import annotations

import pandas as pd
import pytest

from hygiene.checks.engine import render_messages, run_checks
from hygiene.checks.registry import CheckOptions
from hygiene.checks.rules import load_rules
from hygiene.prepared import Prepared
from tests.helpers import make_source


def run(data, columns, codes, options=None, platform="generic"):
    src = make_source("crm", data, columns, platform=platform)
    rules = [r for r in load_rules() if r.code in codes]
    return run_checks(
        [Prepared(src, (options or CheckOptions()).region)], rules, options or CheckOptions()
    )


@pytest.mark.parametrize(
    "field,value,placeholder",
    [
        ("first_name", "Test", True),
        ("first_name", "asdf", True),
        ("first_name", "XXX", True),
        ("first_name", "N/A", True),
        ("first_name", "???", True),
        ("first_name", "12345", True),
        ("first_name", "Lee", False),
        ("first_name", "Tess", False),
        ("first_name", "Jo", False),
        ("first_name", "Nathan", False),
        ("last_name", "Unknown", True),
        ("company", "none", True),
        ("company", "3M", False),
        ("city", "-", True),
        ("postal_code", "02134", False),
        ("postal_code", "00000", True),
        ("email", "test@test.com", True),
        ("email", "noemail@acme.com", True),
        ("email", "noemail2@noemail.com", True),
        ("email", "none17@none.com", True),
        ("email", "jo@na.com", True),
        ("email", "nadia@nationwide.com", False),
        ("email", "nonet@acme.com", False),
        ("last_name", "User", True),
        ("last_name", "Usher", False),
        ("email", "jane@example.com", True),
        ("email", "testa.rossi@acme.it", False),
        ("email", "ann@acme.com", False),
        ("phone", "1234567890", True),
        ("phone", "(123) 456-7890", True),
        ("phone", "555-555-5555", True),
        ("phone", "0000000000", True),
        ("phone", "+1 415 555 2671", False),
    ],
)
def test_placeholder(field, value, placeholder):
    found = run({"Col": [value]}, {"Col": field}, {"value.placeholder"})
    assert (not found.empty) is placeholder
    if placeholder:
        assert found["message"].iloc[0] == f"'{value}' in Col is a placeholder, not real data"


@pytest.mark.parametrize(
    "phone,country,valid",
    [
        ("+1 415 555 2671", None, True),
        ("(415) 555-2671", "United States", True),
        ("415.555.2671", "US", True),
        ("020 7946 0958", "United Kingdom", True),
        ("+44 20 7946 0958", None, True),
        ("030 123456", "Germany", True),
        ("12345", "US", False),
        ("+1 415 555", None, False),
        ("+44 20 7946 09581234", None, False),
        ("call me", "US", False),
    ],
)
def test_phone_invalid(phone, country, valid):
    data = {"Phone": [phone], "Country": [country]}
    found = run(data, {"Phone": "phone", "Country": "country"}, {"phone.invalid"})
    assert found.empty is valid


def test_phone_region_from_option_when_no_country():
    found = run(
        {"Phone": ["020 7946 0958"]},
        {"Phone": "phone"},
        {"phone.invalid"},
        CheckOptions(region="GB"),
    )
    assert found.empty
    found = run({"Phone": ["020 7946 0958"]}, {"Phone": "phone"}, {"phone.invalid"})
    assert len(found) == 1


def test_inconsistent_country_names_column_keeps_names():
    values = ["United States"] * 5 + [
        "USA",
        "U.S.",
        "united states",
        "US",
        "Germany",
        "Deutschland",
        "UK",
    ]
    found = run({"Country": values}, {"Country": "country"}, {"field.inconsistent"})
    got = dict(zip(found["value"], found["suggestion"], strict=True))
    assert got == {
        "USA": "United States",
        "U.S.": "United States",
        "united states": "United States",
        "US": "United States",
        "Deutschland": "Germany",
        "UK": "United Kingdom",
    }
    assert set(found["row"]) == {6, 7, 8, 9, 11, 12}


def test_inconsistent_country_codes_column_keeps_codes():
    values = ["US"] * 6 + ["DE", "GB", "United States", "usa", "Germany"]
    found = run({"CC": values}, {"CC": "country"}, {"field.inconsistent"})
    got = dict(zip(found["value"], found["suggestion"], strict=True))
    assert got == {"United States": "US", "usa": "US", "Germany": "DE"}


def test_inconsistent_state_and_stage():
    data = {
        "State": ["CA", "CA", "CA", "Calif.", "California", "NY", "new york"],
        "Country": ["US"] * 7,
        "Stage": ["Marketing Qualified Lead"] * 4 + ["MQL", "marketing qualified lead", "Lead"],
    }
    found = run(
        data,
        {"State": "state", "Country": "country", "Stage": "lifecycle_stage"},
        {"field.inconsistent"},
    )
    got = {
        (f, v): s
        for f, v, s in zip(found["field"], found["value"], found["suggestion"], strict=True)
    }
    assert got == {
        ("state", "Calif."): "CA",
        ("state", "California"): "CA",
        ("state", "new york"): "NY",
        ("lifecycle_stage", "MQL"): "Marketing Qualified Lead",
        ("lifecycle_stage", "marketing qualified lead"): "Marketing Qualified Lead",
    }


def test_unknown_country_but_not_placeholders():
    found = run(
        {"Country": ["Narnia", "France", "xxx"]},
        {"Country": "country"},
        {"field.unknown_value", "value.placeholder"},
    )
    # "xxx" is reported once, as a placeholder, not also as an unknown country
    assert set(zip(found["row"], found["code"], strict=True)) == {
        (1, "field.unknown_value"),
        (3, "value.placeholder"),
    }


def test_unreachable_needs_neither_usable_email_nor_phone():
    data = {
        "Email": ["ok@acme.com", "bad@", None, None, "test@test.com", None],
        "Phone": [None, "+14155552671", "+14155552671", "12", None, None],
    }
    codes = {r.code for r in load_rules()}
    found = run(data, {"Email": "email", "Phone": "phone"}, codes)
    unreachable = set(found.loc[found["code"] == "contact.unreachable", "row"])
    assert unreachable == {4, 5, 6}
    msg = found.loc[found["code"] == "contact.unreachable", "message"].iloc[0]
    assert msg == "No usable email or phone"


def test_unreachable_names_the_channels_in_words():
    data = {"Email": [None], "Phone": [None], "Mobile": [None]}
    codes = {r.code for r in load_rules()}
    found = run(data, {"Email": "email", "Phone": "phone", "Mobile": "mobile_phone"}, codes)
    msg = found.loc[found["code"] == "contact.unreachable", "message"].iloc[0]
    assert msg == "No usable email, phone or mobile phone"


@pytest.mark.parametrize(
    "email,phone,unreachable",
    [
        # A misspelt provider domain has its fix: the typo finding alone speaks for it.
        ("ann@gmial.com", None, False),
        ("ann@gmial.com", "12", False),
        ("bob@yahooo.com", None, False),
        ("carl@hotmial.com", "not a number", False),
        # A malformed address or a placeholder has no fix: unreachable stays.
        ("dana@", None, True),
        ("test@test.com", None, True),
        ("eve@acme.com", None, False),
    ],
)
def test_a_typo_with_its_fix_is_not_also_unreachable(email, phone, unreachable):
    """One address, one finding: a domain misspelling carries its suggestion, so the same
    address is not also reported as "no usable email" with an unrelated fix (the pack's
    skip_if, applied by the engine)."""
    codes = {r.code for r in load_rules()}
    found = run({"Email": [email], "Phone": [phone]}, {"Email": "email", "Phone": "phone"}, codes)
    got = set(found["code"])
    assert ("contact.unreachable" in got) is unreachable
    if "email.typo_domain" in got:
        assert found.loc[found["code"] == "email.typo_domain", "suggestion"].notna().all()


def test_unreachable_skips_the_typo_in_the_pack():
    rule = next(r for r in load_rules() if r.code == "contact.unreachable")
    assert "email.typo_domain" in rule.skip_if


def test_missing_required_only_for_selected_fields_and_sources():
    data = {"Email": ["a@b.com", "c@d.com"], "Owner": ["Ann", None]}
    options = CheckOptions(
        required={"owner": ("Lead nurturing",), "lifecycle_stage": ("Lead nurturing",)},
        required_by_source={"crm": ("owner", "lifecycle_stage")},
    )
    found = run(
        data,
        {"Email": "email", "Owner": "owner"},
        {"field.missing_required", "field.missing_column"},
        options,
    )
    rows = {
        (c, f, r if pd.notna(r) else None)
        for c, f, r in zip(found["code"], found["field"], found["row"], strict=True)
    }
    assert rows == {
        ("field.missing_required", "owner", 2),
        ("field.missing_column", "lifecycle_stage", None),
    }
    col = found[found["code"] == "field.missing_column"].iloc[0]
    assert col["message"] == "No column maps to lifecycle_stage, which Lead nurturing needs"


def test_render_messages_fills_columns_and_constants():
    out = render_messages(
        "'{value}' at {where}: {missing}", {"value": pd.Series(["a", None]), "where": "x"}, 2
    )
    assert list(out) == ["'a' at x: {missing}", "'' at x: {missing}"]
