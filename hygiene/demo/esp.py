"""The Mailchimp audience export: three member files (subscribed, unsubscribed, cleaned)
with Mailchimp's columns and value shapes (OPTIN_TIME, LEID, EUID, GMTOFF, TAGS ...)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vec
from .crm import EXPORTED
from .members import CLEANED, STATUSES, UNSUBSCRIBED, Members
from .people import CODES, People, render_phone
from .places import CITIES
from .table import Table
from .truth import Locator
from .vocab import (
    CAMPAIGN_TITLES,
    MAILCHIMP_MEMBER_RATINGS,
    MAILCHIMP_RATING_WEIGHTS,
    NOTES,
    TAGS,
    UNSUB_OTHER,
    UNSUB_REASON_WEIGHTS,
    UNSUB_REASONS,
)

MAILCHIMP_COLUMNS = (
    "Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday",
    "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE",
    "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID",
    "EUID", "NOTES", "TAGS",
)
UNSUB_COLUMNS = ("UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON",
                 "UNSUB_REASON_OTHER")
CLEAN_COLUMNS = ("CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID")
HEADERS = {
    "subscribed": MAILCHIMP_COLUMNS,
    "unsubscribed": MAILCHIMP_COLUMNS + UNSUB_COLUMNS,
    "cleaned": MAILCHIMP_COLUMNS + CLEAN_COLUMNS,
}
#: The audience's history: sign-ups from mid-2018 to the export.
OPTIN_START, DAY = 1527811200, 86400


@dataclass
class Esp:
    """The audience table in member order, and where each status file's rows are."""

    table: Table
    members: Members
    spans: dict[str, tuple[int, int]]  # status -> rows [start, stop) of its file


@cache
def _offsets(tz: str) -> tuple[str, str]:
    """Mailchimp's GMTOFF (standard) and DSTOFF (summer) hours of a time zone."""
    zone = zoneinfo.ZoneInfo(tz)
    hours = sorted(
        (dt.datetime(2025, m, 15, tzinfo=zone).utcoffset() or dt.timedelta()).total_seconds()
        / 3600
        for m in (1, 7)
    )
    return tuple(f"{h:g}" for h in hours)  # type: ignore[return-value]


def build_esp(rng: np.random.Generator, people: People, members: Members) -> Esp:
    """Every member's row; defects are added later (`defects.py`)."""
    n = len(members)
    person = members.person
    pidx = pa.array(person, type=pa.int64())
    status = members.status
    city = people.city[person]
    country = people.country[person]

    optin = rng.integers(OPTIN_START, EXPORTED - 30 * DAY, n)
    confirmed = rng.random(n) < 0.6
    confirm = optin + rng.integers(20, 3600, n)
    changed = np.minimum(np.maximum(optin, confirm) + rng.exponential(200 * DAY, n)
                         .astype(np.int64), EXPORTED - DAY)
    left = status >= UNSUBSCRIBED
    changed[left] = np.minimum(optin[left] + rng.integers(DAY, 900 * DAY, left.sum()),
                               EXPORTED - DAY)
    octets = [vec.int_text(rng.integers(11, 224, n))]
    octets += [vec.int_text(rng.integers(0, 256, n)) for _ in range(3)]
    ip = vec.cat(octets[0], ".", octets[1], ".", octets[2], ".", octets[3])
    has_ip = rng.random(n) < 0.45
    geo = rng.random(n) < 0.55
    lat = np.array([c.lat for c in CITIES])[city] + rng.normal(0, 0.05, n)
    lon = np.array([c.lon for c in CITIES])[city] + rng.normal(0, 0.05, n)
    offs = [_offsets(c.tz) for c in CITIES]

    phone_fmt = people.phone_fmt[person]
    phone = render_phone(people.phone.take(pidx), phone_fmt)
    addr = vec.cat(people.street.take(pidx), "    ", vec.take([c.name for c in CITIES], city),
                   "  ", vec.take([c.state for c in CITIES], city), "  ",
                   people.postcode.take(pidx), "  ", vec.take(list(CODES), country))
    birthday = vec.cat(vec.int_text(rng.integers(1, 13, n), 2), "/",
                       vec.int_text(rng.integers(1, 29, n), 2))
    rating = vec.choice(rng, n, MAILCHIMP_RATING_WEIGHTS)
    rating[status == CLEANED] = np.minimum(rating[status == CLEANED], 1)
    tag_pool = _tag_pool(rng)
    leid = 100_000_000 + np.cumsum(rng.integers(1, 400, n))
    rng.shuffle(leid)

    titles = vec.take(CAMPAIGN_TITLES, rng.integers(0, len(CAMPAIGN_TITLES), n))
    campaign_ids = vec.fill(rng, ["xxxxxxxxxx"] * len(CAMPAIGN_TITLES),
                            np.arange(len(CAMPAIGN_TITLES)))
    campaign = campaign_ids.take(pa.array(pc.index_in(titles, value_set=vec.strings(
        list(CAMPAIGN_TITLES)))))
    reason_i = vec.choice(rng, n, UNSUB_REASON_WEIGHTS)
    other = (reason_i == len(UNSUB_REASONS) - 1) & (rng.random(n) < 0.7)
    changed_text = vec.datetimes(changed, True)
    cols = {
        "Email Address": members.email,
        "First Name": people.first(person),
        "Last Name": people.last(person),
        "Address": vec.blank(addr, rng.random(n) > 0.3),
        "Phone Number": vec.blank(phone, rng.random(n) > 0.25),
        "Birthday": vec.blank(birthday, rng.random(n) > 0.15),
        "MEMBER_RATING": vec.take([str(r) for r in MAILCHIMP_MEMBER_RATINGS], rating),
        "OPTIN_TIME": vec.datetimes(optin, True),
        "OPTIN_IP": vec.blank(ip, ~has_ip),
        "CONFIRM_TIME": vec.blank(vec.datetimes(confirm, True), ~confirmed),
        "CONFIRM_IP": vec.blank(ip, ~(confirmed & has_ip)),
        "LATITUDE": vec.blank(pc.cast(pa.array(np.round(lat, 7)), pa.string()), ~geo),
        "LONGITUDE": vec.blank(pc.cast(pa.array(np.round(lon, 7)), pa.string()), ~geo),
        "GMTOFF": vec.blank(vec.take([o[0] for o in offs], city), ~geo),
        "DSTOFF": vec.blank(vec.take([o[1] for o in offs], city), ~geo),
        "TIMEZONE": vec.blank(vec.take([c.tz for c in CITIES], city), ~geo),
        "CC": vec.blank(vec.take(list(CODES), country), ~geo),
        "REGION": vec.blank(vec.take([c.state or None for c in CITIES], city), ~geo),
        "LAST_CHANGED": changed_text,
        "LEID": vec.int_text(leid),
        "EUID": _euids(rng, n),
        "NOTES": vec.blank(vec.take(NOTES, rng.integers(0, len(NOTES), n)),
                           rng.random(n) > 0.01),
        "TAGS": vec.blank(tag_pool.take(pa.array(rng.integers(0, len(tag_pool), n))),
                          rng.random(n) > 0.35),
        "UNSUB_TIME": changed_text,
        "UNSUB_CAMPAIGN_TITLE": titles,
        "UNSUB_CAMPAIGN_ID": campaign,
        "UNSUB_REASON": vec.take(UNSUB_REASONS, reason_i),
        "UNSUB_REASON_OTHER": vec.blank(vec.take(UNSUB_OTHER, rng.integers(0, 4, n)), ~other),
        "CLEAN_TIME": changed_text,
        "CLEAN_CAMPAIGN_TITLE": titles,
        "CLEAN_CAMPAIGN_ID": campaign,
    }
    bounds = np.searchsorted(status, np.arange(len(STATUSES) + 1))
    spans = {name: (int(bounds[s]), int(bounds[s + 1])) for s, name in enumerate(STATUSES)}
    return Esp(Table(cols), members, spans)


def _tag_pool(rng: np.random.Generator) -> pa.Array:
    """Mailchimp writes a member's tags as quoted names joined by commas."""
    combos = []
    for _ in range(60):
        k = int(rng.integers(1, 4))
        picked = rng.choice(len(TAGS), size=k, replace=False)
        combos.append(",".join(f'"{TAGS[i]}"' for i in sorted(picked)))
    return vec.strings(combos)


def _euids(rng: np.random.Generator, n: int) -> pa.Array:
    """Ten hex digits, distinct per member."""
    out = vec.fill(rng, ["xxxxxxxxxx"], np.zeros(n, dtype=np.int64))
    for _ in range(10):
        clash = np.flatnonzero(vec.duplicated(out))
        if not len(clash):
            break
        out = vec.put(out, clash, vec.fill(rng, ["xxxxxxxxxx"], np.zeros(len(clash), np.int64)))
    return out


def locator(esp: Esp, files: dict[str, str]) -> Locator:
    """File and 1-based row of each member, `files` naming the file of each status."""
    n = len(esp.members)
    names = tuple(files[s] for s in STATUSES)
    file_of = np.zeros(n, dtype=np.int64)
    row_of = np.zeros(n, dtype=np.int64)
    for s, status in enumerate(STATUSES):
        start, stop = esp.spans[status]
        file_of[start:stop] = s
        row_of[start:stop] = np.arange(1, stop - start + 1)
    return Locator("esp", names, file_of, row_of)
