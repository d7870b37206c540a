"""--redact: emails, phone numbers and names masked in what people read, and replaced by
redaction tokens in audit.json."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hygiene.model import FINDING_COLUMNS
from hygiene.report.redact import (
    mask_email,
    mask_name,
    mask_phone,
    mask_series,
    masker,
    redact_findings,
    redaction_token,
)

TOKEN = re.compile(r"\[redacted [0-9a-f]{10}\]")


@pytest.mark.parametrize(
    "value,masked",
    [
        ("john.smith@gmail.com", "j***@g***.com"),
        ("Ann@Example.co.uk", "A***@E***.uk"),
        ("ann@gmial", "a***@g***"),
        ("@nobody.com", "@n***.com"),
        ("not-an-address", "n***"),
        ("  ", ""),
    ],
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    "value,masked",
    [
        ("+1 415 555 2671", "+* *** *** **71"),
        ("(415) 555-0199", "(***) ***-**99"),
        ("07700 900123", "***** ****23"),
        ("same as mobile", "**** ** ******"),
        ("12", "**"),
    ],
)
def test_mask_phone_keeps_format_and_last_two_digits(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    "value,masked",
    [
        ("Ann", "A."),
        ("Mary-Ann O'Neil", "M. O."),
        ("josé garcía", "J. G."),
        ("<script>alert(1)</script>", "S."),
        ("123", "*"),
    ],
)
def test_mask_name_keeps_initials(value, masked):
    assert mask_name(value) == masked


def test_mask_series_only_masks_personal_fields():
    values = pd.Series(["ann@gmail.com", None, "ann@gmail.com"], dtype="str")
    assert mask_series(values, "email").tolist()[0] == "a***@g***.com"
    assert pd.isna(mask_series(values, "email").tolist()[1])
    assert mask_series(values, "country") is values


def test_redact_findings_masks_value_suggestion_and_the_message_quoting_them():
    rows = [
        ("email.typo_domain", "email", "ann@gmial.com", "ann@gmail.com",
         "'ann@gmial.com': looks like a typo of gmail.com"),
        ("value.placeholder", "first_name", "Test", None,
         "'Test' in First Name is a placeholder, not real data"),
        ("field.inconsistent", "country", "USA", "United States",
         "Country 'USA': this column's usual form is 'United States'"),
    ]  # fmt: skip
    frame = pd.DataFrame(
        [
            {**dict.fromkeys(FINDING_COLUMNS), "code": c, "field": f, "value": v,
             "suggestion": s, "message": m, "source": "crm", "pos": i}
            for i, (c, f, v, s, m) in enumerate(rows)
        ]
    )  # fmt: skip
    out = redact_findings(frame)
    assert out["value"].tolist() == ["a***@g***.com", "T.", "USA"]
    assert out["suggestion"].tolist()[0] == "a***@g***.com"
    assert out["message"].tolist() == [
        "'a***@g***.com': looks like a typo of gmail.com",
        "'T.' in First Name is a placeholder, not real data",
        "Country 'USA': this column's usual form is 'United States'",
    ]
    assert frame["value"].tolist()[0] == "ann@gmial.com"  # the input is not changed


@pytest.mark.parametrize(
    "field,value",
    [
        ("first_name", "J. P."),  # a name written as initials is its own mask
        ("full_name", "A. B. C."),
        ("email", "j***@g***.com"),  # an address that looks masked already
    ],
)
def test_a_mask_that_would_hold_the_value_is_a_token(field, value):
    fn = masker(field)
    assert fn is not None
    assert TOKEN.fullmatch(fn(value))
    name_mask, email_mask = masker("first_name"), masker("email")
    assert name_mask is not None and email_mask is not None
    assert name_mask("Ann Lee") == "A. L." and email_mask("ann@x.com") == "a***@x***.com"


def test_redaction_tokens_are_stable_within_a_run_and_hold_no_value():
    a, b = redaction_token("ann@gmail.com"), redaction_token(" ann@gmail.com ")
    assert a == b and TOKEN.fullmatch(a)
    assert redaction_token("bob@gmail.com") != a
    assert "ann" not in a and "gmail" not in a
    assert masker("email", tokens=True) is redaction_token
    assert masker("country", tokens=True) is None


def test_redact_findings_with_tokens_leaves_no_value_in_value_suggestion_or_message():
    frame = pd.DataFrame(
        [
            {**dict.fromkeys(FINDING_COLUMNS), "code": "email.typo_domain", "field": "email",
             "value": "Ann@Gmial.com", "suggestion": "ann@gmail.com", "source": "crm", "pos": 0,
             "message": "'ANN@GMIAL.COM' (Ann@Gmial.com) looks like a typo of ann@gmail.com"},
            {**dict.fromkeys(FINDING_COLUMNS), "code": "field.inconsistent", "field": "country",
             "value": "USA", "suggestion": "United States", "source": "crm", "pos": 1,
             "message": "Country 'USA' is spelt 'United States' elsewhere"},
        ]
    )  # fmt: skip
    out = redact_findings(frame, tokens=True)
    value, suggestion, message = out.loc[0, ["value", "suggestion", "message"]]
    assert value == redaction_token("Ann@Gmial.com")
    assert suggestion == redaction_token("ann@gmail.com")
    assert "gmial" not in message.lower() and "ann@" not in message.lower()
    assert message.endswith("looks like a typo of " + suggestion)
    assert out.loc[1, "value"] == "USA"  # not personal: kept
