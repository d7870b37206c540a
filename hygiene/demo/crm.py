"""The HubSpot contacts export: one row per CRM person, plus duplicate records of some.

Duplicates are what a CRM gathers over years: the same person entered again by a rep or
a form, with a nickname, a slip in the surname, another address or phone format, the
company typed differently, and a later create date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import mutate, vec
from .members import CLEANED, SUBSCRIBED, UNSUBSCRIBED, Members
from .names import OWNERS
from .people import (
    CODES,
    FORMATS,
    GMAIL,
    Companies,
    People,
    alternate_addresses,
    render_phone,
)
from .places import CITIES, COUNTRIES
from .rates import DefectRates
from .table import Table
from .truth import Recorder
from .vocab import (
    JOB_TITLES,
    LEAD_STATUS_WEIGHTS,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    LIFECYCLE_WEIGHTS,
    ORIGINAL_SOURCE_WEIGHTS,
    ORIGINAL_SOURCES,
)

HUBSPOT_COLUMNS = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
    "Company Name", "Job Title", "Street Address", "City", "State/Region", "Postal Code",
    "Country/Region", "Contact owner", "Lifecycle Stage", "Lead Status",
    "Marketing contact status", "Unsubscribed from all email", "Create Date",
    "Last Activity Date", "Last Modified Date", "Original Source",
)
MARKETING, NON_MARKETING = "Marketing contact", "Non-marketing contact"
MARKETING_VALUES = (MARKETING, NON_MARKETING)
UNSUB_VALUES = (None, "false", "true")

#: The portal's history: contacts created from 2019 to the export at the end of June 2025.
START, FIRST_CUTOFF, EXPORTED = 1546300800, 1748736000, 1751284800
DAY = 86400


@dataclass
class Crm:
    """The CRM table in file order (row i is data row i + 1) and what is known of its rows."""

    table: Table
    person: np.ndarray  # person behind each row
    is_dup: np.ndarray  # a later record of a person who has an earlier one
    groups: pd.DataFrame  # group, idx: the records of one person
    twins: np.ndarray  # (k, 2) rows of same-name different people
    phone_nsn: pa.Array  # national number behind Phone Number, per row


def consent(
    rng: np.random.Generator, people: People, members: Members, rates: DefectRates, n_crm: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per person: marketing contact status (index into MARKETING_VALUES) and
    "Unsubscribed from all email" (index into UNSUB_VALUES), following the audience as a
    half-working sync does (conflicts at `rates.consent_conflict`)."""
    status = members.main_status(people.n)
    u, v = rng.random(people.n), rng.random(people.n)
    unsub = np.where(v < 0.6, 1, 0)
    marketing = np.zeros(people.n, dtype=np.int64)

    sub = status == SUBSCRIBED
    unsub[sub & (u < rates.reverse_conflict)] = 2

    out = status == UNSUBSCRIBED
    synced = out & (u >= rates.consent_conflict)
    unsub[synced] = 2
    marketing[synced & (v < 0.5)] = 1

    cleaned = status == CLEANED
    marketing[cleaned & (u >= rates.consent_conflict)] = 1

    absent = (status < 0) & people.crm
    share = rates.crm_orphans * n_crm / max(int(absent.sum()), 1)
    marketing[absent & (u >= min(share, 1.0))] = 1
    unsub[absent & (v > 0.97)] = 2
    return marketing, unsub


def build_crm(
    rng: np.random.Generator,
    rnd: random.Random,
    people: People,
    companies: Companies,
    members: Members,
    n_extra: int,
    rates: DefectRates,
    rec: Recorder,
) -> Crm:
    """All CRM rows with their duplicates varied; defects come later (`defects.py`)."""
    base = np.flatnonzero(people.crm)
    n_base = len(base)
    twins = people.twins
    spare = people.crm.copy()
    spare[twins.reshape(-1)] = False
    eligible = np.flatnonzero(spare)
    n_groups = min(int(round(n_extra / (1 + rates.triples))), len(eligible))
    n_triples = min(max(n_extra - n_groups, 0), n_groups)
    originals = rng.choice(eligible, size=n_groups, replace=False).astype(np.int64)
    dup_person = np.concatenate([originals, originals[:n_triples]])
    # Rows are made in file order: first records and later ones shuffled together.
    order = rng.permutation(n_base + len(dup_person))
    person = np.concatenate([base, dup_person])[order]
    is_dup = (order >= n_base)
    base_row = np.full(people.n, -1, dtype=np.int64)
    base_row[person[~is_dup]] = np.flatnonzero(~is_dup)
    dup_rows = np.flatnonzero(is_dup)
    groups = pd.DataFrame({
        "person": np.concatenate([originals, person[dup_rows]]),
        "idx": np.concatenate([base_row[originals], dup_rows]),
    })
    groups = groups.sort_values(["person", "idx"])
    first_row = groups.groupby("person")["idx"].transform("min")
    groups = groups.assign(first=first_row).sort_values(["first", "idx"])
    groups["group"] = pd.factorize(groups["person"])[0] + 1

    table, nsn = _columns(rng, people, companies, members, person, base_row, is_dup, rates)
    crm = Crm(table, person, is_dup, groups[["group", "idx"]].reset_index(drop=True),
              base_row[twins], nsn)
    _vary_duplicates(rng, rnd, people, companies, crm, rec)
    return crm


def _columns(
    rng: np.random.Generator,
    people: People,
    companies: Companies,
    members: Members,
    person: np.ndarray,
    base_row: np.ndarray,
    is_dup: np.ndarray,
    rates: DefectRates,
) -> tuple[Table, pa.Array]:
    n = len(person)
    pidx = pa.array(person)
    country = people.country[person]
    # Duplicates keep a phone to be recognised by; same-name pairs to be told apart by.
    known = np.zeros(people.n, dtype=bool)
    known[person[is_dup]] = True
    known[people.twins.reshape(-1)] = True
    has_phone = (rng.random(n) < 0.7) | known[person]
    nsn = vec.blank(people.phone.take(pidx), ~has_phone)
    fmt = people.phone_fmt[person]
    mobile = vec.blank(render_phone(people.mobile.take(pidx), fmt), rng.random(n) > 0.25)
    company = people.company[person]
    city = people.city[person]
    no_city = rng.random(n) < 0.08
    state = vec.take([c.state or None for c in CITIES], city)
    marketing, unsub = consent(rng, people, members, rates, int((~is_dup).sum()))

    created = rng.integers(START, FIRST_CUTOFF, n)
    first_created = created[base_row[person[is_dup]]]
    # A later record is created between the first one and the export.
    created[is_dup] = first_created + (rng.random(is_dup.sum()) * 0.8
                                       * (EXPORTED - first_created)).astype(np.int64)
    modified = created + (rng.random(n) ** 3 * (EXPORTED - created)).astype(np.int64)
    activity = created + (rng.random(n) * (modified - created)).astype(np.int64)
    record_id = np.empty(n, dtype=np.int64)
    record_id[np.argsort(created, kind="stable")] = 51001 + np.cumsum(rng.integers(1, 6, n))

    cols = {
        "Record ID": vec.int_text(record_id),
        "First Name": people.first(person),
        "Last Name": people.last(person),
        "Email": people.email.take(pidx),
        "Phone Number": render_phone(nsn, fmt),
        "Mobile Phone Number": mobile,
        "Company Name": vec.blank(vec.take(companies.name, np.maximum(company, 0)),
                                  company < 0),
        "Job Title": vec.blank(people.job_title.take(pidx), rng.random(n) < 0.2),
        "Street Address": vec.blank(people.street.take(pidx), rng.random(n) < 0.4),
        "City": vec.blank(vec.take([c.name for c in CITIES], city), no_city),
        "State/Region": vec.blank(state, no_city),
        "Postal Code": vec.blank(people.postcode.take(pidx), no_city | (rng.random(n) < 0.1)),
        "Country/Region": vec.take([COUNTRIES[c].name for c in CODES], country),
        "Contact owner": vec.blank(vec.take(OWNERS, rng.integers(0, len(OWNERS), n)),
                                   rng.random(n) < 0.08),
        "Lifecycle Stage": vec.take(LIFECYCLE_STAGES, vec.choice(rng, n, LIFECYCLE_WEIGHTS)),
        "Lead Status": vec.blank(vec.take(LEAD_STATUSES, vec.choice(rng, n, LEAD_STATUS_WEIGHTS)),
                                 rng.random(n) < 0.45),
        "Marketing contact status": vec.take(MARKETING_VALUES, marketing[person]),
        "Unsubscribed from all email": vec.take(UNSUB_VALUES, unsub[person]),
        "Create Date": vec.datetimes(created),
        "Last Activity Date": vec.blank(vec.datetimes(activity), rng.random(n) < 0.3),
        "Last Modified Date": vec.datetimes(modified),
        "Original Source": vec.take(ORIGINAL_SOURCES,
                                    vec.choice(rng, n, ORIGINAL_SOURCE_WEIGHTS)),
    }
    return Table(cols), nsn


def _vary_duplicates(
    rng: np.random.Generator,
    rnd: random.Random,
    people: People,
    companies: Companies,
    crm: Crm,
    rec: Recorder,
) -> None:
    """Make each extra record look like a person typed in again (see module docstring)."""
    t = crm.table
    rows = np.flatnonzero(crm.is_dup)
    if not len(rows):
        return
    person = crm.person[rows]
    get = {c: t.get(c, rows) for c in ("First Name", "Last Name", "Email", "Company Name",
                                       "Job Title", "Street Address", "Lifecycle Stage",
                                       "Contact owner")}
    nsn = crm.phone_nsn.take(pa.array(rows)).to_pylist()
    fmt = people.phone_fmt[person].copy()
    new: dict[str, list[str | None]] = {c: list(v) for c, v in get.items()}
    alt_rows, missing = [], []
    for k in range(len(rows)):
        first, last = new["First Name"][k], new["Last Name"][k]
        if rnd.random() < 0.35:
            first = mutate.other_name(first or "", rnd) or first
        if rnd.random() < 0.2 and last:
            last = mutate.word_typo(last, rnd)
        if rnd.random() < 0.08:
            first, last = last, first
        new["First Name"][k], new["Last Name"][k] = first, last
        email = new["Email"][k] or ""
        u = rnd.random()
        if u < 0.25 or (u < 0.5 and not email.endswith("@" + GMAIL)):
            new["Email"][k] = mutate.case_variant(email, rnd)
        elif u < 0.5:
            new["Email"][k] = mutate.gmail_variant(email, rnd)
        elif u < 0.8:
            alt_rows.append(k)
        else:
            new["Email"][k] = None
            missing.append(k)
        if rnd.random() < 0.45:
            c = people.country[person[k]]
            size, off = int(FORMATS.size[c]), int(FORMATS.offset[c])
            if size > 1:
                fmt[k] = off + (fmt[k] - off + rnd.randrange(1, size)) % size
        if new["Company Name"][k] and rnd.random() < 0.35:
            ci = int(people.company[person[k]])
            new["Company Name"][k] = mutate.company_variant(
                companies.name[ci], companies.base[ci], companies.legal[ci], rnd)
        if rnd.random() < 0.3:
            new["Job Title"][k] = None if rnd.random() < 0.6 else rnd.choice(JOB_TITLES)
        if rnd.random() < 0.2:
            new["Street Address"][k] = None
        if rnd.random() < 0.3:
            new["Lifecycle Stage"][k] = rnd.choice(LIFECYCLE_STAGES)
        if rnd.random() < 0.3:
            new["Contact owner"][k] = rnd.choice(OWNERS)
    if alt_rows:
        alt = alternate_addresses(rng, people, person[alt_rows]).to_pylist()
        for k, a in zip(alt_rows, alt, strict=True):
            new["Email"][k] = a
    for c, values in new.items():
        t.set(c, rows, values)
    t.set("Phone Number", rows, render_phone(pa.array(nsn, type=pa.string()), fmt))
    rec.add("crm", rows[missing], "email.missing", "email", "Email", None)

