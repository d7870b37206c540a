"""The demo generator's per-value changes (`hygiene.demo.mutate`): each makes the kind of
mistake it is named after, checked against other libraries' view of it (nicknames,
email-validator, phonenumbers, jellyfish's edit distance)."""

from __future__ import annotations

import random

import jellyfish
import pytest
from email_validator import EmailNotValidError, validate_email

from hygiene.demo import mutate
from tests.demo_sets import GMAIL_TYPOS
from tests.helpers import mailbox


@pytest.mark.parametrize(
    ("name", "must", "may"),
    [
        ("Robert", {"Bob", "Rob"}, {"Bobby", "Robby", "Bill", "Billy"}),
        ("William", {"Bill", "Will"}, {"Billy", "Willie"}),
        ("Elizabeth", {"Liz", "Beth"}, {"Betty", "Lizzie"}),
        ("Bob", {"Robert"}, {"Rob"}),
        ("Liz", {"Elizabeth"}, set()),
    ],
)
def test_nicknames_both_ways(name: str, must: set[str], may: set[str]) -> None:
    got = {mutate.other_name(name, random.Random(s)) for s in range(60)}
    assert must <= got <= must | may


@pytest.mark.parametrize(
    ("name", "base", "legal", "examples"),
    [
        (
            "Acme Inc.",
            "Acme",
            "Inc.",
            {
                "ACME Incorporated",
                "Acme Incorporated",
                "Acme, Inc.",
                "acme inc.",
                "Acme",
                "ACME INC.",
            },
        ),
        (
            "Northwind Logistics GmbH",
            "Northwind Logistics",
            "GmbH",
            {"Northwind Logistics", "northwind logistics gmbh", "Northwind Logistics G.m.b.H."},
        ),
    ],
)
def test_company_retyped(name: str, base: str, legal: str, examples: set[str]) -> None:
    got = {mutate.company_variant(name, base, legal, random.Random(s)) for s in range(200)}
    assert examples <= got
    assert all(g.lower().startswith(base.lower()) for g in got)


@pytest.mark.parametrize(
    "email", ["john.smith@gmail.com", "jsmith@gmail.com", "maria.garcia84@gmail.com"]
)
def test_gmail_variants_reach_the_same_mailbox(email: str) -> None:
    for s in range(20):
        other = mutate.gmail_variant(email, random.Random(s))
        assert other != email and mailbox(other) == mailbox(email)
        assert mutate.case_variant(email, random.Random(s)).lower() == email


@pytest.mark.parametrize(
    ("email", "domains"),
    [
        ("ann.lee@gmail.com", GMAIL_TYPOS),
        ("bob@yahoo.com", {"yaho.com", "yahooo.com", "yahoo.con", "yhoo.com"}),
    ],
)
def test_typo_addresses(email: str, domains: set[str]) -> None:
    got = {mutate.typo_address(email, random.Random(s), ()) for s in range(60)}
    assert {g.rpartition("@")[2] for g in got if g} == domains
    assert mutate.typo_address("x@acmefoods.com", random.Random(1), {"acmefoods.com"}) not in (
        None,
        "x@acmefoods.com",
    )
    assert mutate.typo_address("x@unknown.org", random.Random(1), ()) is None


@pytest.mark.parametrize("email", ["ann.lee@gmail.com", "j@acme.co.uk", "info@x.de"])
def test_invalid_addresses_never_validate(email: str) -> None:
    for s in range(30):
        with pytest.raises(EmailNotValidError):
            validate_email(
                mutate.invalid_address(email, random.Random(s)), check_deliverability=False
            )


@pytest.mark.parametrize(
    ("nsn", "country"),
    [("617 234 5678", "US"), ("30 12345678", "DE"), ("20 7946 0958", "GB"), ("6 12345678", "NL")],
)
def test_broken_phones_are_invalid(nsn: str, country: str) -> None:
    for s in range(30):
        value = mutate.broken_phone(nsn, country, random.Random(s))
        assert not mutate.is_valid_phone(value, country), value


@pytest.mark.parametrize(
    ("code", "country", "spellings"),
    [
        ("CA", "US", {"California", "california", "Calif."}),
        ("MA", "US", {"Massachusetts", "massachusetts", "Mass."}),
        ("ON", "CA", {"Ontario", "Ont."}),
        ("NSW", "AU", {"New South Wales", "N.S.W."}),
    ],
)
def test_state_spellings(code: str, country: str, spellings: set[str]) -> None:
    got = {mutate.state_variant(code, country, random.Random(s)) for s in range(40)}
    assert got == spellings


@pytest.mark.parametrize("word", ["Johnson", "Smith", "Lee", "Nguyen"])
def test_surname_typo_is_one_keystroke(word: str) -> None:
    for s in range(20):
        typo = mutate.word_typo(word, random.Random(s))
        assert typo != word
        assert jellyfish.damerau_levenshtein_distance(typo, word) == 1
