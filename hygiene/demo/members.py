"""Who is in the Mailchimp audience, with which address and status.

Decided before either export is written, because the CRM's consent fields follow the
audience (a sync that mostly works) and a typo'd address is what bounces into "cleaned".
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import mutate, vec
from .people import GMAIL, Companies, People, alternate_addresses
from .rates import DefectRates
from .vocab import TYPO_DOMAINS

SUBSCRIBED, UNSUBSCRIBED, CLEANED = 0, 1, 2
STATUSES = ("subscribed", "unsubscribed", "cleaned")


@dataclass
class Members:
    """Audience members in file order (subscribed, unsubscribed, cleaned). `original` >= 0
    marks a second address of the person of that member (Mailchimp keys members by
    address, so a person can be in twice)."""

    person: np.ndarray
    status: np.ndarray
    original: np.ndarray
    email: pa.Array
    typo: np.ndarray  # members whose address has a misspelt domain (any order)
    typo_expected: list[str]  # the address they meant, aligned with `typo`

    def __len__(self) -> int:
        return len(self.person)

    def main_status(self, n_people: int) -> np.ndarray:
        """Status of each person's first membership, -1 for people not in the audience."""
        out = np.full(n_people, -1, dtype=np.int64)
        main = self.original < 0
        out[self.person[main]] = self.status[main]
        return out


def plan_members(
    rng: np.random.Generator,
    rnd: random.Random,
    people: People,
    companies: Companies,
    n_rows: int,
    rates: DefectRates,
) -> Members:
    """`n_rows` members: every person without a CRM record, CRM people for the rest, and
    a few second addresses of people already in."""
    n_dup = min(int(round(n_rows * rates.esp_duplicates)), n_rows // 2)
    only = np.flatnonzero(~people.crm)
    crm_people = np.flatnonzero(people.crm)
    n_linked = min(max(n_rows - n_dup - len(only), 0), len(crm_people))
    linked = rng.choice(crm_people, size=n_linked, replace=False)
    main = rng.permutation(np.concatenate([linked, only]).astype(np.int64))
    n_main = len(main)
    n_dup = min(n_dup, n_main)
    orig = np.sort(rng.choice(n_main, size=n_dup, replace=False)).astype(np.int64)
    person = np.concatenate([main, main[orig]])
    original = np.concatenate([np.full(n_main, -1, dtype=np.int64), orig])

    email = people.email.take(pa.array(person))
    dup_rows = np.arange(n_main, n_main + n_dup)
    if n_dup:
        first = email.take(pa.array(dup_rows)).to_pylist()
        gmail = np.array([e.endswith("@" + GMAIL) for e in first], dtype=bool)
        second = alternate_addresses(rng, people, person[dup_rows[~gmail]]).to_pylist()
        others = iter(second)
        new = [mutate.gmail_variant(e, rnd) if g else next(others)
               for e, g in zip(first, gmail, strict=True)]
        email = vec.put(email, dup_rows, new)

    p_unsub, p_clean = rates.unsubscribed, rates.cleaned
    status = vec.choice(rng, len(person), (1 - p_unsub - p_clean, p_unsub, p_clean))
    status[dup_rows] = np.where(rng.random(n_dup) < 0.85, SUBSCRIBED, UNSUBSCRIBED)

    typo, expected = _typos(rng, rnd, email, original, companies, rates, len(person))
    if len(typo):
        email = vec.put(email, typo, [t for t, _ in expected])
        # Mail to a misspelt domain bounces: most such members have been cleaned.
        status[typo] = np.where(rng.random(len(typo)) < 0.75, CLEANED, status[typo])
    # Members are kept in file order: each status file's members together, shuffled.
    order = np.concatenate([rng.permutation(np.flatnonzero(status == s))
                            for s in range(len(STATUSES))]).astype(np.int64)
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    original = np.where(original >= 0, inv[np.maximum(original, 0)], -1)[order]
    return Members(person[order], status[order], original, email.take(pa.array(order)),
                   inv[typo], [e for _, e in expected])


def _typos(
    rng: np.random.Generator,
    rnd: random.Random,
    email: pa.Array,
    original: np.ndarray,
    companies: Companies,
    rates: DefectRates,
    n_rows: int,
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Members (never one with a second address) whose domain gets misspelt."""
    domains = pc.struct_field(pc.extract_regex(email, r"@(?P<d>[^@]*)$"), "d")
    known = vec.strings(sorted(set(TYPO_DOMAINS) | set(companies.domain)))
    ok = vec.mask(pc.is_in(domains, value_set=known))
    has_dup = np.zeros(len(original), dtype=bool)
    has_dup[original[original >= 0]] = True
    cands = np.flatnonzero(ok & (original < 0) & ~has_dup)
    k = min(int(round(rates.esp_typo_domain * n_rows)), len(cands))
    rows = np.sort(rng.choice(cands, size=k, replace=False))
    company_domains = frozenset(companies.domain)
    out_rows, pairs = [], []
    for r, e in zip(rows, email.take(pa.array(rows, type=pa.int64())).to_pylist(), strict=True):
        t = mutate.typo_address(e, rnd, company_domains)
        if t is not None:
            out_rows.append(r)
            pairs.append((t, e))
    return np.array(out_rows, dtype=np.int64), pairs
