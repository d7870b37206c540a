"""Per-value changes that turn a clean value into what real exports hold: typos, nicknames,
reworded company names, broken addresses and numbers.

These run on the few rows that get a defect or a duplicate (a few percent), one Python call
per value; the bulk of every column is built vectorised elsewhere.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from functools import cache

import phonenumbers
import us
from nicknames import NickNamer

from .names import COMMON_NICKNAMES, FIRST_NAMES
from .places import COUNTRIES, STATE_VARIANTS
from .vocab import (
    DISPOSABLE_DOMAINS,
    LEGAL_FORM_VARIANTS,
    LIFECYCLE_VARIANTS,
    NON_NUMBERS,
    TYPO_DOMAINS,
)


def split(email: str) -> tuple[str, str]:
    local, _, domain = email.rpartition("@")
    return local, domain


def word_typo(word: str, rnd: random.Random) -> str:
    """One keyboard slip: a letter dropped, doubled or swapped with its neighbour."""
    if len(word) < 3:
        return word + word[-1]
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if word[i] == word[i + 1]:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def typo_address(email: str, rnd: random.Random, company_domains: Collection[str]) -> str | None:
    """The address with its domain misspelt (gmial.com, or a company domain with a slip);
    None when the domain is neither a known provider nor a company domain."""
    local, domain = split(email)
    if domain in TYPO_DOMAINS:
        return f"{local}@{rnd.choice(TYPO_DOMAINS[domain])}"
    if domain in company_domains:
        name, _, tld = domain.partition(".")
        for _ in range(5):
            typo = f"{word_typo(name, rnd)}.{tld}"
            if typo != domain and typo not in company_domains:
                return f"{local}@{typo}"
    return None


def invalid_address(email: str, rnd: random.Random) -> str:
    """A broken form of the address: no @, two @, a space, a dot before the @, a comma, or
    no top-level domain. (A trailing dot after the domain is a typo with an obvious fix and is
    reported as email.typo_domain, so it is not planted as a syntax error.)"""
    local, domain = split(email)
    kind = rnd.randrange(6)
    if kind == 0:
        return local + domain
    if kind == 1:
        return f"{local}@@{domain}"
    if kind == 2:
        cut = rnd.randrange(1, max(len(local), 2))
        return f"{local[:cut]} {local[cut:]}@{domain}"
    if kind == 3:
        return f"{local}.@{domain}"
    if kind == 4:
        return f"{local}@{domain.replace('.', ',', 1)}"
    return f"{local}@{domain.split('.', 1)[0]}"  # no top-level domain at all


def disposable_address(email: str, rnd: random.Random) -> str:
    return f"{split(email)[0]}@{rnd.choice(DISPOSABLE_DOMAINS)}"


def case_variant(email: str, rnd: random.Random) -> str:
    """The same address typed with capitals: "John.Smith@Gmail.com"."""
    local, domain = split(email)
    if rnd.random() < 0.5:
        return f"{'.'.join(p.capitalize() for p in local.split('.'))}@{domain.capitalize()}"
    return email.upper()


def gmail_variant(email: str, rnd: random.Random) -> str:
    """Another spelling of the same Gmail mailbox: dots moved or a "+tag" added."""
    local, domain = split(email)
    plain = local.replace(".", "")
    if rnd.random() < 0.5 and len(plain) > 3:
        cut = rnd.randrange(1, len(plain) - 1)
        moved = plain[:cut] + "." + plain[cut:]
        if moved != local:
            return f"{moved}@{domain}"
    return f"{local}+{rnd.choice(('news', 'shop', 'promo', 'work', 'hubspot'))}@{domain}"


_GIVEN_NAMES = frozenset(n.lower() for names in FIRST_NAMES.values() for n in names)


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def other_name(first: str, rnd: random.Random) -> str | None:
    """A nickname (Robert -> Bob) or, for a nickname, the formal name it stands for
    (Liz -> Elizabeth), as people type one or the other; None when there is none."""
    namer = _nicknamer()
    low = first.lower()
    options = sorted({n for n in namer.nicknames_of(low) if n in COMMON_NICKNAMES}
                     | {n for n in namer.canonicals_of(low) if n in _GIVEN_NAMES})
    return rnd.choice(options).capitalize() if options else None


def company_variant(name: str, base: str, legal: str, rnd: random.Random) -> str:
    """The company typed again: "Acme Inc." -> "ACME Incorporated", "Acme", "acme inc"."""
    kind = rnd.randrange(4)
    if kind == 0 and legal in LEGAL_FORM_VARIANTS:
        other = rnd.choice(LEGAL_FORM_VARIANTS[legal])
        stem = base.upper() if rnd.random() < 0.4 else base
        return f"{stem}{other}" if other.startswith(",") else f"{stem} {other}".strip()
    if kind == 1:
        return name.lower()
    if kind == 2 and legal:
        return base
    return name.upper()


def broken_phone(nsn: str, country: str, rnd: random.Random) -> str:
    """A number that cannot be dialled in `country`: digits lost or added, or words; each
    is checked with phonenumbers (German numbers of 15 digits can be valid). Filler such as
    "0000000000" is a placeholder, made elsewhere."""
    digits = nsn.replace(" ", "")
    for _ in range(10):
        kind = rnd.randrange(3)
        if kind == 0:
            return rnd.choice(NON_NUMBERS)
        if kind == 1:
            value = digits[: max(3, len(digits) - rnd.randrange(3, 6))]
        else:
            value = digits + "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(3, 6)))
        if not is_valid_phone(value, country):
            return value
    return rnd.choice(NON_NUMBERS)


@cache
def is_valid_phone(text: str, country: str) -> bool:
    """phonenumbers' verdict for `text` typed by someone in `country` (cached: placeholder
    numbers repeat)."""
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, country)))
    except phonenumbers.NumberParseException:
        return False


def country_variant(code: str, rnd: random.Random) -> str:
    return rnd.choice(COUNTRIES[code].variants)


def state_variant(code: str, country: str, rnd: random.Random) -> str | None:
    """Another spelling of a state or province: CA -> California / Calif.; ON -> Ontario."""
    if country == "US":
        state = us.states.lookup(code)
        if state is None:
            return None
        options = {state.name, state.name.lower(), state.ap_abbr or state.name}
        options.discard(code)
        return rnd.choice(sorted(options))
    options_t = STATE_VARIANTS.get(code)
    return rnd.choice(options_t) if options_t else None


def stage_variant(stage: str, rnd: random.Random) -> str | None:
    options = LIFECYCLE_VARIANTS.get(stage)
    return rnd.choice(options) if options else None
