"""Defects injected into the finished tables, each recorded where it lands.

Within a field, defect rows are disjoint (a cell carries one defect), so what is recorded
is what the file holds. Identity defects (email, names, phone) spare the records of
duplicate groups and same-name pairs, so those stay recognisable as what truth says.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import mutate, vec
from .crm import Crm
from .esp import Esp
from .people import CODES, Companies, People
from .places import COUNTRIES
from .rates import DefectRates
from .table import Table
from .truth import Recorder
from .vocab import (
    PLACEHOLDER_EMAILS,
    PLACEHOLDER_FIRST_NAMES,
    PLACEHOLDER_LAST_NAMES,
    PLACEHOLDER_PHONES,
    ROLE_LOCALS,
    TYPO_DOMAINS,
)


class Picker:
    """Draws rows for one field without handing out a row twice."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.taken = np.zeros(n, dtype=bool)

    def __call__(self, candidates: np.ndarray, k: int) -> np.ndarray:
        free = candidates[~self.taken[candidates]]
        rows = np.sort(self.rng.choice(free, size=min(max(k, 0), len(free)), replace=False))
        self.taken[rows] = True
        return rows.astype(np.int64)


def _domains(arr: pa.Array) -> pa.Array:
    return pc.struct_field(pc.extract_regex(pc.utf8_lower(arr), r"@(?P<d>[^@]*)$"), "d")


class Unique:
    """Keeps injected addresses distinct, as HubSpot and Mailchimp keep addresses unique.

    Only new ones need tracking: their domains (disposable, placeholder) and role locals
    (info@, sales@) never occur among the generated people's own addresses."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def make(self, base: str) -> str:
        out, k = base, 1
        local, _, domain = base.rpartition("@")
        while out.lower() in self.seen:
            k += 1
            out = f"{local}{k}@{domain}"
        self.seen.add(out.lower())
        return out

    def role(self, domain: str, rnd: random.Random) -> str | None:
        """A role mailbox at `domain` not handed out yet (None once all are used)."""
        for local in rnd.sample(ROLE_LOCALS, len(ROLE_LOCALS)):
            out = f"{local}@{domain}"
            if out.lower() not in self.seen:
                self.seen.add(out.lower())
                return out
        return None


def _apply(
    t: Table, rec: Recorder, source: str, column: str, field: str, kind: str,
    rows: np.ndarray, fn: Callable[[str, int], str | None], expected: bool = False,
) -> None:
    """Replace `column` in `rows` by fn(old, row); rows where fn gives None are left alone."""
    old = t.get(column, rows)
    keep, values, before = [], [], []
    for r, o in zip(rows, old, strict=True):
        v = fn(o, int(r))
        if v is not None and v != o:
            keep.append(r)
            values.append(v)
            before.append(o)
    t.set(column, keep, values)
    rec.add(source, keep, kind, field, column, values, before if expected else None)


def crm_defects(
    rng: np.random.Generator, rnd: random.Random, people: People, companies: Companies,
    crm: Crm, rates: DefectRates, rec: Recorder,
) -> None:
    """Email, name, phone and spelling defects of the HubSpot export."""
    t, n = crm.table, len(crm.table)

    def k(rate: float) -> int:
        return int(round(rate * n))

    spared = np.zeros(n, dtype=bool)
    spared[crm.groups["idx"].to_numpy()] = True
    spared[crm.twins.reshape(-1)] = True
    free = np.flatnonzero(~spared)
    country = np.array(CODES)[people.country[crm.person]]
    company_domains = frozenset(companies.domain)

    pick = Picker(rng, n)
    rows = pick(free, k(rates.missing_email))
    t.set("Email", rows, [None] * len(rows))
    rec.add("crm", rows, "email.missing", "email", "Email", None)
    email = t.columns["Email"]
    known = vec.strings(sorted(set(TYPO_DOMAINS) | company_domains))
    typo_ok = vec.mask(pc.is_in(_domains(email), value_set=known))
    _apply(t, rec, "crm", "Email", "email", "email.typo_domain",
           pick(np.flatnonzero(~spared & typo_ok), k(rates.typo_domain)),
           lambda o, r: mutate.typo_address(o, rnd, company_domains), expected=True)
    _apply(t, rec, "crm", "Email", "email", "email.invalid_syntax",
           pick(free, k(rates.invalid_email)),
           lambda o, r: mutate.invalid_address(o, rnd), expected=True)
    unique = Unique()
    _apply(t, rec, "crm", "Email", "email", "email.disposable", pick(free, k(rates.disposable)),
           lambda o, r: unique.make(mutate.disposable_address(o, rnd)))
    work = np.flatnonzero(~spared & people.work_email[crm.person] & vec.mask(pc.is_valid(email)))
    _apply(t, rec, "crm", "Email", "email", "email.role_account",
           pick(work, k(rates.role_account)),
           lambda o, r: unique.role(mutate.split(o)[1], rnd))
    placeholders = _placeholder_emails()
    _apply(t, rec, "crm", "Email", "email", "value.placeholder", pick(free, k(rates.placeholder)),
           lambda o, r: unique.make(next(placeholders)))

    _name_defects(rng, rnd, t, rec, "crm", free, rates.placeholder, rates.missing_name)

    has_phone = vec.mask(pc.is_valid(t.columns["Phone Number"]))
    nsn = crm.phone_nsn
    _phone_defects(rng, rnd, t, rec, "crm", np.flatnonzero(~spared & has_phone), nsn, country,
                   k(rates.invalid_phone), k(rates.placeholder))

    rows = np.sort(rng.choice(n, size=min(k(rates.country_variant), n), replace=False))
    codes = [country[r] for r in rows]
    t.set("Country/Region", rows, [mutate.country_variant(c, rnd) for c in codes])
    rec.add("crm", rows, "field.inconsistent", "country", "Country/Region",
            t.get("Country/Region", rows), [COUNTRIES[c].name for c in codes])

    has_state = np.flatnonzero(vec.mask(pc.is_valid(t.columns["State/Region"])))
    rows = np.sort(rng.choice(has_state, size=min(k(rates.state_variant), len(has_state)),
                              replace=False))
    _apply(t, rec, "crm", "State/Region", "state", "field.inconsistent", rows,
           lambda o, r: mutate.state_variant(o, country[r], rnd), expected=True)
    rows = np.sort(rng.choice(n, size=min(k(rates.stage_variant), n), replace=False))
    _apply(t, rec, "crm", "Lifecycle Stage", "lifecycle_stage", "field.inconsistent", rows,
           lambda o, r: mutate.stage_variant(o, rnd), expected=True)


def esp_defects(
    rng: np.random.Generator, rnd: random.Random, people: People, esp: Esp,
    rates: DefectRates, rec: Recorder,
) -> None:
    """Defects a Mailchimp audience holds; it refuses malformed and repeated addresses,
    so there are no syntax errors or missing addresses here."""
    t, m = esp.table, esp.members
    n = len(t)

    def k(rate: float) -> int:
        return int(round(rate * n))

    rec.add("esp", m.typo, "email.typo_domain", "email", "Email Address",
            t.get("Email Address", m.typo), m.typo_expected)
    spared = m.original >= 0
    spared[m.original[m.original >= 0]] = True
    free = np.flatnonzero(~spared)
    pick = Picker(rng, n)
    pick.taken[m.typo] = True
    unique = Unique()
    _apply(t, rec, "esp", "Email Address", "email", "email.disposable",
           pick(free, k(rates.esp_disposable)),
           lambda o, r: unique.make(mutate.disposable_address(o, rnd)))
    work = np.flatnonzero(~spared & people.work_email[m.person])
    _apply(t, rec, "esp", "Email Address", "email", "email.role_account",
           pick(work, k(rates.esp_role_account)),
           lambda o, r: unique.role(mutate.split(o)[1], rnd))
    placeholders = _placeholder_emails()
    _apply(t, rec, "esp", "Email Address", "email", "value.placeholder",
           pick(free, k(rates.esp_placeholder) // 3),
           lambda o, r: unique.make(next(placeholders)))
    _name_defects(rng, rnd, t, rec, "esp", free, rates.esp_placeholder, rates.esp_missing_name)
    has_phone = vec.mask(pc.is_valid(t.columns["Phone Number"]))
    country = np.array(CODES)[people.country[m.person]]
    _phone_defects(rng, rnd, t, rec, "esp", np.flatnonzero(~spared & has_phone),
                   people.phone.take(pa.array(m.person)), country, k(rates.esp_invalid_phone), 0)


def _placeholder_emails() -> Iterator[str]:
    """test@test.com and friends, then numbered ones as people type them ("test2@test.com")."""
    yield from PLACEHOLDER_EMAILS
    for i in itertools.count(2):
        for e in PLACEHOLDER_EMAILS:
            yield e.replace("@", f"{i}@")


def _name_defects(
    rng: np.random.Generator, rnd: random.Random, t: Table, rec: Recorder, source: str,
    free: np.ndarray, placeholder: float, missing: float,
) -> None:
    n = len(t)
    pick = Picker(rng, n)
    rows = pick(free, int(round(placeholder * n)))
    firsts = [rnd.choice(PLACEHOLDER_FIRST_NAMES) for _ in rows]
    t.set("First Name", rows, firsts)
    rec.add(source, rows, "value.placeholder", "first_name", "First Name", firsts)
    also = rows[rng.random(len(rows)) < 0.4]
    lasts = [rnd.choice(PLACEHOLDER_LAST_NAMES) for _ in also]
    t.set("Last Name", also, lasts)
    rec.add(source, also, "value.placeholder", "last_name", "Last Name", lasts)
    for column, fld, share in (("First Name", "first_name", 1.0), ("Last Name", "last_name", 0.5)):
        rows = pick(free, int(round(missing * share * n)))
        t.set(column, rows, [None] * len(rows))
        rec.add(source, rows, "field.missing_required", fld, column, None)


def _phone_defects(
    rng: np.random.Generator, rnd: random.Random, t: Table, rec: Recorder, source: str,
    candidates: np.ndarray, nsn: pa.Array, country: np.ndarray, k_invalid: int,
    k_placeholder: int,
) -> None:
    pick = Picker(rng, len(t))
    rows = pick(candidates, k_invalid)
    numbers = nsn.take(pa.array(rows, type=pa.int64())).to_pylist()
    values = [mutate.broken_phone(v or "", country[r], rnd)
              for r, v in zip(rows, numbers, strict=True)]
    t.set("Phone Number", rows, values)
    rec.add(source, rows, "phone.invalid", "phone", "Phone Number", values)
    rows = pick(candidates, k_placeholder)
    values = [rnd.choice(PLACEHOLDER_PHONES) for _ in rows]
    t.set("Phone Number", rows, values)
    # One finding a cell: a placeholder number is reported as value.placeholder only.
    rec.add(source, rows, "value.placeholder", "phone", "Phone Number", values)
