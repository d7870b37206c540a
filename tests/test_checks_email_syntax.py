"""email.invalid_syntax beyond the pattern (RFC 5321 limits, special-use domains, unpaired
quotes and brackets) and email.lookalike_domain, on published test cases:

- Dominic Sayers' isemail suite (github.com/dominicsayers/isemail test/tests.xml), as carried
  by python-email-validator's tests/test_syntax.py (the pyIsEmail copy), with its diagnoses;
- python-email-validator tests/test_syntax.py (github.com/JoshData/python-email-validator):
  lengths, reserved domains, unsafe characters;
- RFC 3696 section 3 examples (unquoted ones: quoted local parts are refused on purpose,
  the major ESPs refuse them).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hygiene.checks.email_syntax import lookalike_domain
from hygiene.checks.engine import run_checks
from hygiene.checks.registry import CheckOptions
from hygiene.checks.rules import load_rules
from hygiene.prepared import Prepared
from hygiene.workflows import load_workflows
from tests.helpers import make_source

EMAIL_CODES = {
    "email.invalid_syntax",
    "email.typo_domain",
    "email.unknown_tld",
    "email.lookalike_domain",
    "email.disposable",
}


def audit(emails: list[str], codes=EMAIL_CODES) -> pd.DataFrame:
    src = make_source("crm", {"Email": emails}, {"Email": "email"})
    rules = [r for r in load_rules() if r.code in codes]
    return run_checks([Prepared(src)], rules, CheckOptions())


def codes_of(found: pd.DataFrame, row: int) -> set[str]:
    return set(found.loc[found["row"] == row, "code"])


L64 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghiklm"
LABEL63 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghikl"

ISEMAIL_VALID = [
    "test@iana.org",
    "test@nominet.org.uk",
    "test@about.museum",
    "a@iana.org",
    "test.test@iana.org",
    "!#$%&`*+/=?^`{|}~@iana.org",
    "123@iana.org",
    "test@123.com",
    f"{L64}@iana.org",
    "test@mason-dixon.com",
    "test@g--a.com",
    "test@xn--hxajbheg2az3al.xn--jxalpdlp",
    "xn--test@iana.org",
]

ISEMAIL_ERRORS = [
    ("test", "ISEMAIL_ERR_NODOMAIN"),
    ("test@", "ISEMAIL_ERR_NODOMAIN"),
    ("@iana.org", "ISEMAIL_ERR_NOLOCALPART"),
    (".test@iana.org", "ISEMAIL_ERR_DOT_START"),
    ("test.@iana.org", "ISEMAIL_ERR_DOT_END"),
    ("test..iana.org", "ISEMAIL_ERR_CONSECUTIVEDOTS"),
    ("test\\@test@iana.org", "ISEMAIL_ERR_EXPECTING_ATEXT"),
    (f"{L64}n@iana.org", "ISEMAIL_RFC5322_LOCAL_TOOLONG"),
    (f"test@{LABEL63}m.com", "ISEMAIL_RFC5322_LABEL_TOOLONG"),
    ("test@-iana.org", "ISEMAIL_ERR_DOMAINHYPHENSTART"),
    ("test@iana-.com", "ISEMAIL_ERR_DOMAINHYPHENEND"),
    ("test@.iana.org", "ISEMAIL_ERR_DOT_START"),
    ("test@iana..com", "ISEMAIL_ERR_CONSECUTIVEDOTS"),
    (
        f"{L64}@{LABEL63}.{LABEL63}.{LABEL63}.abcdefghij",
        "ISEMAIL_RFC5322_TOOLONG",
    ),
    (f"a@{LABEL63}.{LABEL63}.{LABEL63}.{LABEL63[:-4]}.hij", "ISEMAIL_RFC5322_TOOLONG"),
    ('"test"@iana.org', "ISEMAIL_RFC5321_QUOTEDSTRING"),
    ('test"@iana.org', "ISEMAIL_ERR_EXPECTING_ATEXT"),
    ('"test@iana.org', "ISEMAIL_ERR_UNCLOSEDQUOTEDSTR"),
    ('"test"test@iana.org', "ISEMAIL_ERR_ATEXT_AFTER_QS"),
    ("test@[255.255.255.255]", "ISEMAIL_RFC5321_ADDRESSLITERAL"),
    ("(comment)test@iana.org", "ISEMAIL_CFWS_COMMENT"),
    ("(test@iana.org", "ISEMAIL_ERR_UNCLOSEDCOMMENT"),
    ("test@(iana.org", "ISEMAIL_ERR_UNCLOSEDCOMMENT"),
    ("test@[1.2.3.4", "ISEMAIL_ERR_UNCLOSEDDOMLIT"),
    ("test@iana.org-", "ISEMAIL_ERR_DOMAINHYPHENEND"),
]


@pytest.mark.parametrize("address", ISEMAIL_VALID)
def test_isemail_valid_addresses_pass(address):
    # Syntax only: .xn--jxalpdlp was IANA's test IDN and is no longer delegated.
    assert "email.invalid_syntax" not in codes_of(audit([address]), 1)


@pytest.mark.parametrize("address,diagnosis", ISEMAIL_ERRORS, ids=[d for _, d in ISEMAIL_ERRORS])
def test_isemail_errors_are_findings(address, diagnosis):
    assert "email.invalid_syntax" in codes_of(audit([address]), 1), diagnosis


@pytest.mark.parametrize(
    "address",
    [
        "customer/department=shipping@example.com",
        "$A12345@example.com",
        "!def!xyz%abc@example.com",
        "_somename@example.com",
    ],
)
def test_rfc3696_unquoted_examples_pass(address):
    assert audit([address]).empty


@pytest.mark.parametrize(
    "address,reason",
    [
        # email-validator: "too long before the @-sign (1 character too many)"
        (f"{'1' * 65}@example.com", "65 characters before the @"),
        (f"me@{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 57}.com", "characters (at most 254)"),
        ("me@anything.arpa", ".arpa is a special-use domain"),
        ("me@valid.invalid", ".invalid is a special-use domain"),
        ("me@link.local", ".local is a special-use domain"),
        ("me@host.localhost", ".localhost is a special-use domain"),
        ("me@onion.onion.onion", ".onion is a special-use domain"),
        ("me@test.test.test", ".test is a special-use domain"),
        ("me@mail.example", ".example is a special-use domain"),
    ],
)
def test_limits_and_special_use_domains(address, reason):
    found = audit([address, "anchor@acme-widgets.com"])
    row = found[found["row"] == 1]
    assert list(row["code"]) == ["email.invalid_syntax"]
    assert reason in row["message"].iloc[0]
    assert codes_of(found, 2) == set()


@pytest.mark.parametrize(
    "address",
    ["<me@example.com> !", '"test@iana.org', 'test@iana.org"', "<ann@acme.com", "ann@acme.com>"],
)
def test_unpaired_quotes_and_brackets(address):
    assert codes_of(audit([address]), 1) == {"email.invalid_syntax"}


@pytest.mark.parametrize(
    "address", ["Ann <ann@acme.com>", '"ann@acme.com"', "'ann@acme.com'", "<ann@acme.com>;"]
)
def test_paired_wrappers_still_unwrap(address):
    assert audit([address]).empty


def test_a_64_character_local_part_and_a_254_character_address_pass():
    local = f"{L64}@iana.org"
    whole = f"me@{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 55}.com"
    assert len(whole) == 254
    assert audit([local, whole]).empty


@pytest.mark.parametrize(
    "address,suggestion",
    [
        ("ann@\u0430cme-corp.com", "ann@acme-corp.com"),  # Cyrillic а
        ("ann@g\u03bfogle.com", "ann@google.com"),  # Greek omicron
        ("ann@\u0440\u0430y\u0440\u0430l.com", "ann@paypal.com"),  # Cyrillic р, а
        ("ann@\u0430\u0440\u0440\u04cf\u0435.com", "ann@apple.com"),  # Cyrillic palochka as l
        ("ann@acme\u200b-corp.com", "ann@acme-corp.com"),  # zero-width space
        ("ann@acme-corp\u2060.com", "ann@acme-corp.com"),  # word joiner
        ("ann@ac\u00adme.com", "ann@acme.com"),  # soft hyphen
        ("ann@\uff47\uff4d\uff41\uff49\uff4c.com", "ann@gmail.com"),  # full-width letters
        ("Ann <ann@\u0430cme-corp.com>", "ann@acme-corp.com"),
    ],
)
def test_lookalike_domains_are_findings_with_the_ascii_domain(address, suggestion):
    found = audit([address])
    assert list(found["code"]) == ["email.lookalike_domain"]
    assert found["suggestion"].iloc[0] == suggestion


def test_mixed_scripts_without_an_ascii_reading_have_no_suggestion():
    found = audit(["ann@acme\u0436.com"])  # Cyrillic zhe has no Latin look-alike
    assert list(found["code"]) == ["email.lookalike_domain"]
    assert pd.isna(found["suggestion"].iloc[0])
    assert "Latin and Cyrillic" in found["message"].iloc[0]


@pytest.mark.parametrize(
    "address",
    [
        "user@bücher.de",
        "jeff@臺網中心.tw",  # email-validator's internationalised domains
        "ann@xn--bcher-kva.de",
        "ann@пример.рф",
        "ann@εεττ.gr",
        "ann@acme-corp.com",
    ],
)
def test_honest_internationalised_domains_are_not_lookalikes(address):
    assert lookalike_domain(address) is None


def test_lookalike_addresses_are_not_mailable():
    """The finding blocks the email workflows, makes the contact unreachable and sends the
    address to suppression.csv."""
    found = audit(["ann@\u0430cme-corp.com"], codes=EMAIL_CODES | {"contact.unreachable"})
    assert codes_of(found, 1) == {"email.lookalike_domain", "contact.unreachable"}
    flows = load_workflows().values()
    blocking = {w.name for w in flows if "email.lookalike_domain" in w.blocking}
    invalid = {w.name for w in flows if "email.invalid_syntax" in w.blocking}
    assert blocking == invalid
    from hygiene.clean.settings import load_settings

    assert "email.lookalike_domain" in load_settings().codes_of("invalid")


_CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}


@given(
    st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=10),
    st.text(alphabet="aeopc", min_size=1, max_size=8),
    st.data(),
)
def test_any_latin_letter_swapped_for_its_cyrillic_twin_is_caught(head, name, data):
    domain = f"{head}{name}.com"
    at = data.draw(st.integers(min_value=len(head), max_value=len(head) + len(name) - 1))
    disguised = domain[:at] + _CYRILLIC[domain[at]] + domain[at + 1 :]
    verdict = lookalike_domain(f"x@{disguised}")
    assert verdict is not None and verdict[1] == domain
    assert lookalike_domain(f"x@{domain}") is None
