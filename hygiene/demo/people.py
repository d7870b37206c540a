"""The people behind the sample exports: names, companies, places, phones and addresses.

People are made country by country (a block of rows each), with every attribute drawn
for a whole block at once; the CRM and ESP tables then take rows from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import vec
from .names import FIRST_NAMES, LAST_NAMES
from .places import CITIES, COUNTRIES, PhoneFormat
from .vocab import COMPANY_STEMS, INDUSTRIES, JOB_TITLES

CODES: tuple[str, ...] = tuple(COUNTRIES)
WEIGHTS = np.array([COUNTRIES[c].weight for c in CODES])
GMAIL = "gmail.com"


@dataclass(frozen=True)
class Pool:
    """Per-country lists flattened into one array, so picks are one vectorised take."""

    values: tuple[str, ...]
    offset: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Sequence[str]]) -> Pool:
        sizes = np.array([len(g) for g in groups], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        return cls(tuple(v for g in groups for v in g), offset, sizes)

    def pick(
        self, rng: np.random.Generator, group: np.ndarray, falling: bool = False
    ) -> np.ndarray:
        """One index into `values` per row, from the row's group (uniform, or first-heavy)."""
        u = rng.random(len(group))
        if falling:
            # Inverse of the CDF of `vec.falling` weights, per group size.
            out = np.empty(len(group), dtype=np.int64)
            for g in np.flatnonzero(np.bincount(group)):
                rows = group == g
                cdf = np.cumsum(vec.falling(int(self.size[g])))
                out[rows] = np.searchsorted(cdf / cdf[-1], u[rows], side="right")
            return self.offset[group] + np.minimum(out, self.size[group] - 1)
        return self.offset[group] + (u * self.size[group]).astype(np.int64)

    @cached_property
    def arrow(self) -> pa.Array:
        return vec.strings(list(self.values))


FIRST = Pool.of([FIRST_NAMES[c] for c in CODES])
LAST = Pool.of([LAST_NAMES[c] for c in CODES])
FIRST_FOLD = vec.strings(
    [vec.fold(v, c == "DE") for c in CODES for v in FIRST_NAMES[c]]
)
LAST_FOLD = vec.strings([vec.fold(v, c == "DE") for c in CODES for v in LAST_NAMES[c]])
CITY_OF_COUNTRY = Pool.of([[str(i) for i, ct in enumerate(CITIES) if ct.country == c]
                           for c in CODES])
FREEMAIL = Pool.of([COUNTRIES[c].freemail for c in CODES])
STREETS = Pool.of([COUNTRIES[c].streets for c in CODES])
FORMATS = Pool.of([[str(i) for i in range(len(COUNTRIES[c].formats))] for c in CODES])
FORMAT_LIST: tuple[PhoneFormat, ...] = tuple(f for c in CODES for f in COUNTRIES[c].formats)
CALLING = np.array([COUNTRIES[c].calling_code for c in CODES])
#: Landline templates per city, then mobile templates per country (NANP: the city's own).
CITY_PHONES = Pool.of([c.phones for c in CITIES])
MOBILES = Pool.of([COUNTRIES[c].mobiles for c in CODES])
POSTCODES = Pool.of([c.postcodes for c in CITIES])
CITY_COUNTRY = np.array([CODES.index(c.country) for c in CITIES])


@dataclass
class Companies:
    """Employers: display name, the name without legal form, legal form, web domain."""

    name: list[str]
    base: list[str]
    legal: list[str]
    domain: list[str]
    country: np.ndarray

    def of_country(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.country == c)


def make_companies(rng: np.random.Generator, n: int) -> Companies:
    """`n` distinct companies (at least one per country), spread like the people."""
    total = len(COMPANY_STEMS) * (len(INDUSTRIES) + 1)
    n = int(min(max(n, len(CODES)), total))
    pick = rng.choice(total, size=n, replace=False)
    stem, ind = pick // (len(INDUSTRIES) + 1), pick % (len(INDUSTRIES) + 1) - 1
    country = np.concatenate([np.arange(len(CODES)), vec.choice(rng, n - len(CODES), WEIGHTS)])
    with_legal = rng.random(n) < 0.75
    names, bases, legals, domains = [], [], [], []
    for i in range(n):  # at most a few thousand companies
        base = COMPANY_STEMS[stem[i]] + ("" if ind[i] < 0 else " " + INDUSTRIES[ind[i]])
        c = COUNTRIES[CODES[country[i]]]
        legal = c.legal_forms[int(rng.integers(len(c.legal_forms)))] if with_legal[i] else ""
        names.append(f"{base} {legal}".strip())
        bases.append(base)
        legals.append(legal)
        domains.append(vec.fold(base) + "." + c.tld)
    return Companies(names, bases, legals, domains, country)


@dataclass
class People:
    """Everyone in either export; index = person id. `crm` marks those with a CRM record."""

    country: np.ndarray
    city: np.ndarray
    first_i: np.ndarray
    last_i: np.ndarray
    company: np.ndarray  # index into Companies, -1 for none
    job_title: pa.Array
    street: pa.Array
    postcode: pa.Array
    phone: pa.Array  # national number with group spaces, e.g. "617 234 5678"
    mobile: pa.Array
    phone_fmt: np.ndarray  # index into FORMAT_LIST
    email: pa.Array
    work_email: np.ndarray
    crm: np.ndarray
    twins: np.ndarray  # (k, 2): different people with the same name at the same company
    keys: pa.Array  # the mailbox each person's address reaches (`vec.email_key`)
    #: Mailbox keys in use by anyone, filled on first use and as second addresses are made.
    taken: set[str] = field(default_factory=set)

    def taken_keys(self) -> set[str]:
        if not self.taken:
            self.taken = set(self.keys.to_pylist())
        return self.taken

    @property
    def n(self) -> int:
        return len(self.country)

    def first(self, idx: np.ndarray) -> pa.Array:
        return vec.take(FIRST.arrow, self.first_i[idx])

    def last(self, idx: np.ndarray) -> pa.Array:
        return vec.take(LAST.arrow, self.last_i[idx])


def make_people(
    rng: np.random.Generator, n: int, n_crm: int, companies: Companies, hard_negatives: int
) -> People:
    """`n` people, `n_crm` of them with a CRM record, `hard_negatives` same-name pairs."""
    country = np.repeat(np.arange(len(CODES)), rng.multinomial(n, WEIGHTS / WEIGHTS.sum()))
    crm = np.zeros(n, dtype=bool)
    crm[rng.permutation(n)[:n_crm]] = True
    city = np.array(CITY_OF_COUNTRY.values, dtype=np.int64)[CITY_OF_COUNTRY.pick(rng, country)]
    first_i, last_i = FIRST.pick(rng, country), LAST.pick(rng, country)
    company = np.full(n, -1, dtype=np.int64)
    employed = rng.random(n) < np.where(crm, 0.78, 0.1)
    for c in range(len(CODES)):
        own = companies.of_country(c)
        rows = np.flatnonzero(employed & (country == c))
        if len(own) and len(rows):
            company[rows] = own[rng.integers(0, len(own), len(rows))]
    _distinct_names(rng, country, first_i, last_i, company)
    work = (company >= 0) & (rng.random(n) < 0.72)
    twins = _pick_twins(rng, country, crm, company, hard_negatives)
    a, b = twins[:, 0], twins[:, 1]
    first_i[b], last_i[b], company[b], city[b] = first_i[a], last_i[a], company[a], city[a]
    work[a] = work[b] = True

    titles = vec.take(JOB_TITLES, rng.integers(0, len(JOB_TITLES), n))
    numbers = vec.int_text(np.where(rng.random(n) < 0.7, rng.integers(1, 250, n),
                                    rng.integers(250, 4000, n)))
    names = vec.take(STREETS.arrow, STREETS.pick(rng, country))
    number_first = np.array([COUNTRIES[c].number_first for c in CODES])[country]
    street = pc.if_else(pa.array(number_first), vec.cat(numbers, " ", names),
                        vec.cat(names, " ", numbers))
    postcode = vec.fill(rng, POSTCODES.values, POSTCODES.pick(rng, city))
    phone = vec.fill(rng, CITY_PHONES.values, CITY_PHONES.pick(rng, city))
    has_mobiles = MOBILES.size[country] > 0
    mobile_tpl = np.where(has_mobiles, len(CITY_PHONES.values) + MOBILES.pick(rng, country),
                          CITY_PHONES.pick(rng, city))
    mobile = vec.fill(rng, CITY_PHONES.values + MOBILES.values, mobile_tpl)
    # FORMATS is flattened like FORMAT_LIST, so a pick is already an index into it.
    phone_fmt = FORMATS.pick(rng, country, True)
    email, key = _emails(rng, country, first_i, last_i, company, work, companies)
    return People(country, city, first_i, last_i, company, titles, street, postcode, phone,
                  mobile, phone_fmt, email, work, crm, twins, key)


#: Name identities: pool entries that fold to one spelling (Müller, Mueller) are one name.
FIRST_ID = pd.factorize(np.asarray(FIRST_FOLD.to_pylist(), dtype=object))[0].astype(np.int64)
LAST_ID = pd.factorize(np.asarray(LAST_FOLD.to_pylist(), dtype=object))[0].astype(np.int64)


def _distinct_names(
    rng: np.random.Generator,
    country: np.ndarray,
    first_i: np.ndarray,
    last_i: np.ndarray,
    company: np.ndarray,
    rounds: int = 40,
) -> None:
    """Re-draw the names of people who would share first name, last name and employer with
    someone else (in place). Small name pools make such namesakes by accident; the truth
    lists them as two people, which no matcher could tell apart, so the only namesakes at
    one company are the planted hard negatives. A company with more people than its
    country has names (tens of millions of rows) leaves the last clashes without an
    employer."""
    employed = np.flatnonzero(company >= 0)
    n_first, n_last = int(FIRST_ID.max()) + 1, int(LAST_ID.max()) + 1
    clash = np.empty(0, dtype=np.int64)
    for _ in range(rounds):
        key = (company[employed] * n_first + FIRST_ID[first_i[employed]]) * n_last
        key += LAST_ID[last_i[employed]]
        clash = employed[pd.Series(key).duplicated().to_numpy()]
        if not len(clash):
            return
        first_i[clash] = FIRST.pick(rng, country[clash])
        last_i[clash] = LAST.pick(rng, country[clash])
    company[clash] = -1


def _pick_twins(
    rng: np.random.Generator, country: np.ndarray, crm: np.ndarray, company: np.ndarray, k: int
) -> np.ndarray:
    """Pairs (original, twin) of CRM people in one country; the twin takes the original's
    name, company and city later, so the pair looks alike but is two people."""
    pairs = []
    for c in range(len(CODES)):
        block = crm & (country == c)
        want = int(round(k * block.sum() / max(crm.sum(), 1)))
        originals = np.flatnonzero(block & (company >= 0))
        if want == 0 or len(originals) < want:
            continue
        a = rng.choice(originals, size=want, replace=False)
        others = block.copy()
        others[a] = False
        rest = np.flatnonzero(others)
        if len(rest) < want:
            continue
        pairs.append(np.stack([a, rng.choice(rest, size=want, replace=False)], axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)


def _emails(
    rng: np.random.Generator,
    country: np.ndarray,
    first_i: np.ndarray,
    last_i: np.ndarray,
    company: np.ndarray,
    work: np.ndarray,
    companies: Companies,
) -> tuple[pa.Array, pa.Array]:
    """Addresses people really use: work ones on the company domain, else free mail; each
    reaches a different mailbox (Gmail ignores dots, so j.smith and jsmith are one)."""
    n = len(country)
    f, ln = vec.take(FIRST_FOLD, first_i), vec.take(LAST_FOLD, last_i)
    f1 = pc.utf8_slice_codeunits(f, 0, 1)
    nn = vec.int_text(rng.integers(10, 100, n))
    year = vec.int_text(rng.integers(1960, 2006, n))
    shapes = [
        vec.cat(f, ".", ln), vec.cat(f1, ln), vec.cat(f, ln), vec.cat(f1, ".", ln), f,
        vec.cat(f, "_", ln), vec.cat(f, ".", ln, nn), vec.cat(f, year), vec.cat(ln, f),
    ]
    work_shape = vec.choice(rng, n, (0.45, 0.2, 0.1, 0.1, 0.1, 0.05, 0, 0, 0))
    free_shape = vec.choice(rng, n, (0.3, 0, 0.2, 0, 0, 0.08, 0.2, 0.14, 0.08))
    shape = np.where(work, work_shape, free_shape).astype(np.int8)
    local = pc.choose(pa.array(shape), *shapes)
    free = vec.take(FREEMAIL.arrow, FREEMAIL.pick(rng, country, True))
    at_work = vec.take(companies.domain, np.maximum(company, 0))
    domain = pc.if_else(pa.array(work), at_work, free)
    return unique_addresses(rng, local, domain)


def unique_addresses(
    rng: np.random.Generator, local: pa.Array, domain: pa.Array, taken: set[str] | None = None
) -> tuple[pa.Array, pa.Array]:
    """`local@domain` and its mailbox key, with digits added to the local part where the
    mailbox is already used (earlier in the array, or in `taken`)."""
    key = _key(local, domain)
    for attempt in range(12):
        clash = vec.duplicated(key)
        if taken:
            # A set lookup per value: only used for small batches of second addresses.
            clash |= np.array([k in taken for k in key.to_pylist()], dtype=bool)
        rows = np.flatnonzero(clash)
        if not len(rows):
            return vec.cat(local, "@", domain), key
        low, high = (10, 100) if attempt == 0 else (100, 1000)
        idx = pa.array(rows)
        new = vec.cat(local.take(idx), vec.int_text(rng.integers(low, high, len(rows))))
        local = vec.put(local, rows, new)
        key = vec.put(key, rows, _key(new, domain.take(idx)))
    raise RuntimeError("could not make unique addresses")  # pragma: no cover - 12 rounds


def _key(local: pa.Array, domain: pa.Array) -> pa.Array:
    """`vec.email_key` for lower-case generated parts, without the regex split."""
    gmail = vec.mask(pc.equal(domain, GMAIL))
    plain = pc.if_else(pa.array(gmail), pc.replace_substring(local, ".", ""), local)
    return vec.cat(plain, "@", domain)


def alternate_addresses(
    rng: np.random.Generator, people: People, persons: np.ndarray
) -> pa.Array:
    """A second, personal address for each of `persons` ("johnsmith84@outlook.com"), on
    another provider than their first one and not used by anyone else."""
    persons = np.asarray(persons, dtype=np.int64)
    f = vec.take(FIRST_FOLD, people.first_i[persons])
    ln = vec.take(LAST_FOLD, people.last_i[persons])
    local = vec.cat(f, ln, vec.int_text(rng.integers(10, 100, len(persons))))
    domain = vec.take(FREEMAIL.arrow, FREEMAIL.pick(rng, people.country[persons]))
    current = pc.struct_field(
        pc.extract_regex(people.email.take(pa.array(persons)), r"@(?P<d>.*)$"), "d"
    )
    same = pc.fill_null(pc.equal(current, domain), False)
    swap = pc.if_else(pc.equal(domain, GMAIL), pa.scalar("outlook.com"), pa.scalar(GMAIL))
    domain = pc.if_else(same, swap, domain)
    taken = people.taken_keys()
    out, key = unique_addresses(rng, local, domain, taken)
    taken.update(key.to_pylist())
    return out


_SEPS = tuple(dict.fromkeys([" "] + [f.sep for f in FORMAT_LIST]))


def render_phone(nsn: pa.Array, fmt: np.ndarray) -> pa.Array:
    """Write national numbers the way people type them: "(617) 234-5678", "+49 30 1234567",
    "020 7946 0958" ... by format (an index into FORMAT_LIST)."""
    parts = pc.split_pattern(nsn, " ", max_splits=1)
    g0, rest = pc.list_element(parts, 0), pc.list_element(parts, 1)
    out_rest = rest
    sep_of = np.array([_SEPS.index(f.sep) for f in FORMAT_LIST], dtype=np.int64)[fmt]
    for code, sep in enumerate(_SEPS[1:], 1):
        rows = np.flatnonzero(sep_of == code)
        if len(rows):
            chunk = rest.take(pa.array(rows))
            out_rest = vec.put(out_rest, rows, pc.replace_substring(chunk, " ", sep))

    def part(name: str) -> pa.Array:
        return vec.take([getattr(f, name) for f in FORMAT_LIST], fmt)

    return vec.cat(part("prefix"), part("open"), g0, part("close"), part("sep0"), out_rest)


def e164(nsn: pa.Array, country: np.ndarray) -> pa.Array:
    """"+" country code and the digits: the number every format above stands for."""
    return vec.cat("+", vec.take(list(CALLING), country), pc.replace_substring(nsn, " ", ""))
