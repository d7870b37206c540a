"""--redact: emails, phone numbers and names masked in what people read."""

from __future__ import annotations

import pandas as pd
import pytest

from hygiene.model import FINDING_COLUMNS
from hygiene.report.redact import mask_email, mask_name, mask_phone, mask_series, redact_findings


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
         "Country 'USA' is spelt 'United States' elsewhere in this column"),
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
        "Country 'USA' is spelt 'United States' elsewhere in this column",
    ]
    assert frame["value"].tolist()[0] == "ann@gmial.com"  # the input is not changed
