"""Normalised views of one source, computed on first use and shared by every check.

Checks, the matcher and the link checks all need the normalised email or phone of a source;
`Prepared` computes each once per audit so no step pays for it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import pandas as pd

from . import normalize as nz
from .model import Source
from .runtime import KeyedOnce, parallel_map

T = TypeVar("T")


class Prepared:
    """A source plus lazily computed normalised fields (None where no column maps)."""

    def __init__(self, source: Source, region: str | None = None) -> None:
        self.source = source
        self.region = region
        self._memo: dict[object, Any] = {}
        self._once = KeyedOnce()

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """Compute once per source and keep: the cache every derived view goes through.

        Safe across threads: the matcher reads views while the normaliser and the checks
        compute them, and a second reader of a view being computed waits for it instead of
        computing it again. (Views depend on others in one direction only, value -> email,
        country -> phone, so two threads never wait on each other.)"""
        return self._once(self._memo, key, compute)

    def keep(self, key: object, value: object) -> None:
        """Store a view computed elsewhere (the Spark engine's whole-source counts, seen
        from one block)."""
        self._memo[key] = value

    def forget(self, kind: str, *, keep: Iterable[object] = ()) -> None:
        """Drop every kept value of one kind (keys `(kind, ...)`) but those keyed `(kind,
        name)` for a name in `keep`; a dropped view is computed again if asked for."""
        kept = {(kind, name) for name in keep}
        for key in [
            k for k in self._memo if isinstance(k, tuple) and k and k[0] == kind and k not in kept
        ]:
            del self._memo[key]

    def keep_only(self, *keys: object, names: Iterable[str] = ()) -> None:
        """Drop every view but `keys` and those keyed `(kind, name)` for a name in `names`;
        a dropped view is computed again if asked for."""
        kept = set(names)

        def keep(k: object) -> bool:
            return k in keys or (isinstance(k, tuple) and len(k) == 2 and k[1] in kept)

        for key in [k for k in self._memo if not keep(k)]:
            del self._memo[key]

    def warm(self) -> None:
        """Compute the views every later step reads (the checks, the matcher, the links):
        each mapped field's values, the email parts, the phones and the row countries.
        Optional (every view computes on first use); it lets an audit time normalisation
        as a step of its own. `warm_all` warms several sources on two threads."""
        for steps in self.warm_steps():
            for step in steps:
                step()

    def warm_steps(self) -> list[list[Callable[[], object]]]:
        """`warm`'s work in rounds, each step reading only views of earlier rounds (or
        waiting for them): the values, then the row countries, then the costly views
        (phones, emails)."""
        values: list[Callable[[], object]] = [
            partial(self.value, name) for name in self.source.fields
        ]
        return [
            values,
            [self.country_alpha2],
            [partial(self.phone, "phone"), self.email, partial(self.phone, "mobile_phone")],
        ]

    @property
    def rows(self) -> int:
        return self.source.rows

    def raw(self, field: str) -> pd.Series | None:
        return self.source.field(field)

    def value(self, field: str) -> pd.Series | None:
        """The field with whitespace trimmed and null-likes (N/A, none, -) made missing."""
        raw = self.source.field(field)
        if raw is None:
            return None
        return self.memo(("value", field), lambda: nz.nullify(raw))

    def email(self) -> pd.DataFrame | None:
        """Columns email, local, domain, key (see hygiene.normalize.normalize_email)."""
        v = self.value("email")
        if v is None:
            return None
        return self.memo("email", lambda: nz.normalize_email(v))

    def country(self) -> pd.DataFrame | None:
        """Columns alpha2, style."""
        v = self.value("country")
        if v is None:
            return None
        return self.memo("country", lambda: nz.country_code(v))

    def country_alpha2(self) -> pd.Series | None:
        """Alpha-2 of each row's country: the country column, else the end of a combined
        address ("12 Main St  Springfield  IL  62701  US", Mailchimp's Address)."""

        def compute() -> pd.Series | None:
            c = self.country()
            from_address = self.address_country()
            if c is None:
                return from_address
            return c["alpha2"] if from_address is None else c["alpha2"].fillna(from_address)

        return self.memo("country_alpha2", compute)

    def address_country(self) -> pd.Series | None:
        street = self.value("street")
        if street is None:
            return None

        def compute() -> pd.Series | None:
            combined = street.str.contains("  ", regex=False).fillna(False).astype(bool)
            if not combined.any():
                return None
            # Parts of a combined address are separated by two or more spaces; the last is the
            # country.
            last = nz.last_address_part(street[combined])
            found = nz.country_code(last)["alpha2"]
            return found.reindex(street.index)

        return self.memo("address_country", compute)

    def likely_regions(self, min_share: float = 0.01, limit: int = 12) -> list[str]:
        """The countries of this source (each on at least 1% of rows), most common first: the
        regions to read a number in when its row has no country (a US-heavy list's
        "(415) 555-2671" is a US number, a French member's "04 94 96 58 71" French)."""
        counts = self.country_counts()
        default = self.default_region()
        regions = [default] if default else []
        if counts is not None and len(counts):
            share = counts / counts.sum()
            # Ties by code: the list must not depend on which country comes first.
            ranked = sorted(share.items(), key=lambda kv: (-kv[1], str(kv[0])))
            regions += [str(r) for r, v in ranked if v >= min_share]
        return list(dict.fromkeys(regions))[:limit]

    def country_counts(self) -> pd.Series | None:
        """Rows per row country (alpha-2), most common first (kept: the Spark engine sets the
        whole source's counts on each partition's view)."""
        alpha2 = self.country_alpha2()
        if alpha2 is None:
            return None
        return self.memo("country_counts", alpha2.value_counts)

    def region_guess(self) -> nz.RegionGuess | None:
        """With no --region: the country of the calling code most of this source's numbers
        written with one carry, when clearly dominant (`nz.dominant_region`)."""
        if self.region:
            return None

        def compute() -> nz.RegionGuess | None:
            values = [v for v in (self.value(f) for f in ("phone", "mobile_phone"))
                      if v is not None]
            return nz.dominant_region(values)

        return self.memo("region_guess", compute)

    def default_region(self) -> str | None:
        """Where a number without a country code on a row without a country is read:
        --region, else the region the source's own numbers show (`region_guess`)."""
        guess = self.region_guess()
        return self.region or (guess.region if guess is not None else None)

    def state(self) -> pd.DataFrame | None:
        """Columns code (ISO 3166-2), style; the row's country disambiguates."""
        v = self.value("state")
        if v is None:
            return None
        return self.memo("state", lambda: nz.state_code(v, self.country_alpha2()))

    def phone(self, field: str = "phone") -> pd.DataFrame | None:
        """Columns e164, valid, region; numbers without +cc read in the row's country.

        A row with no country is read in `default_region()`; a number that is not valid
        there is tried in the source's other common countries before it counts as invalid.
        """
        v = self.value(field)
        if v is None:
            return None

        def compute() -> pd.DataFrame:
            alpha2 = self.country_alpha2()
            default = self.default_region()
            region: str | pd.Series | None = default
            if alpha2 is not None:
                region = alpha2.fillna(default) if default else alpha2
            parsed = nz.normalize_phone(v, region)
            unknown = alpha2.isna() if alpha2 is not None else pd.Series(True, index=v.index)
            for candidate in self.likely_regions():
                retry = v.notna() & unknown & ~parsed["valid"].fillna(False).astype(bool)
                if not retry.any():
                    break
                again = nz.normalize_phone(v[retry], candidate)
                ok = again["valid"].fillna(False).astype(bool)
                parsed.loc[ok[ok].index] = again.loc[ok]
            return parsed

        return self.memo(("phone", field), compute)

    def category(self, field: str) -> pd.Series | None:
        v = self.value(field)
        if v is None:
            return None
        return self.memo(("category", field), lambda: nz.category_key(v, field))

    def dates(self, field: str) -> pd.Series | None:
        v = self.value(field)
        if v is None:
            return None
        order = self.source.date_orders.get(str(self.source.column_for(field)))
        return self.memo(("dates", field), lambda: nz.parse_dates(v, order))

    def month_days(self, field: str) -> pd.Series | None:
        """ "--MM-DD" where the field holds a month and day with no year (a Mailchimp
        Birthday "04/15"), NaN elsewhere; no year is ever supplied."""
        v = self.value(field)
        if v is None:
            return None
        order = self.source.date_orders.get(str(self.source.column_for(field)))
        return self.memo(("month_days", field), lambda: nz.month_day(v, order))

    def bools(self, field: str) -> pd.Series | None:
        v = self.value(field)
        if v is None:
            return None
        return self.memo(("bools", field), lambda: nz.parse_bool(v))


def warm_all(preps: Sequence[Prepared]) -> None:
    """`Prepared.warm` of every source on two threads that share the steps of all of them
    (a thread per source left one idle once the smaller source was done): every source's
    values, then countries, then the costly views taken view by view, largest source
    first, so both threads start on a phone column."""
    rounds = [p.warm_steps() for p in sorted(preps, key=lambda p: -p.rows)]
    steps = [step for k in (0, 1) for r in rounds for step in r[k]]
    steps += [step for same_view in zip(*(r[2] for r in rounds), strict=True) for step in same_view]
    parallel_map(lambda step: step(), steps)
