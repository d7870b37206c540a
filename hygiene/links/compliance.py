"""Consent rules on one source: can each marketable record show when and how it consented,
did it confirm a double opt-in where that is required, has CASL implied consent run out?

Each is a registered check that needs the whole source (`Needs.SOURCE`: prepared source,
rule, options, the source's kind) -> hits, run by the links step because it reads the same
per-row consent state (`state.consent_state`) as the link checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from .. import normalize as nz
from ..arrays import objects
from ..checks.registry import CheckOptions, Needs, check, hits, no_hits
from ..checks.rules import Rule
from ..normalize._text import alnum_key
from ..prepared import Prepared
from .state import consent_state, vocabulary


def _unrecorded(prep: Prepared, field: str) -> pd.DataFrame:
    """Marketable rows whose `field` is empty (only where the source has that column)."""
    values = prep.value(field)
    if values is None:
        return no_hits()
    state = consent_state(prep)
    pos = np.flatnonzero(state.marketable & values.isna().to_numpy())
    if not len(pos):
        return no_hits()
    return hits(pos, field, state=state.reason(state.marketable_by, pos))


@check("consent.no_timestamp", needs=Needs.SOURCE)
def consent_no_timestamp(
    prep: Prepared, rule: Rule, options: CheckOptions, source_kind: str
) -> pd.DataFrame:
    """Marketable, with a consent-date column that is empty on this row."""
    return _unrecorded(prep, "consent_date")


@check("consent.no_source", needs=Needs.SOURCE)
def consent_no_source(
    prep: Prepared, rule: Rule, options: CheckOptions, source_kind: str
) -> pd.DataFrame:
    """Marketable, with a consent-source column that is empty on this row."""
    return _unrecorded(prep, "consent_source")


@dataclass(frozen=True)
class DoubleOptIn:
    """consent.double_opt_in_missing's parameters: the countries (ISO alpha-2 of the row's
    country) whose contacts need a confirmed double opt-in; "*" means every row."""

    countries: tuple[str, ...] = ("*",)


@check("consent.double_opt_in_missing", params=DoubleOptIn, needs=Needs.SOURCE)
def consent_double_opt_in(
    prep: Prepared, rule: Rule[DoubleOptIn], options: CheckOptions, source_kind: str
) -> pd.DataFrame:
    """Rows in a country the rule names (`countries`, "*" for all) that are mailed without a
    confirmed double opt-in: marketable with the confirmation time empty, or still pending."""
    confirmed = prep.value("double_opt_in_date")
    state = consent_state(prep)
    if confirmed is None and not state.pending.any():
        return no_hits()
    countries = {c.upper() for c in rule.params.countries}
    if "*" in countries:
        scope = np.ones(prep.rows, dtype=bool)
        where = np.full(prep.rows, "", dtype=object)
    else:
        alpha2 = prep.country_alpha2()
        if alpha2 is None:
            return no_hits()
        codes = objects(alpha2)
        scope = np.array([c in countries for c in codes], dtype=bool)
        where = np.array([f"; contacts in {c} need one" for c in codes], dtype=object)
    parts: list[pd.DataFrame] = []
    if confirmed is not None:
        pos = np.flatnonzero(scope & state.marketable & confirmed.isna().to_numpy())
        if len(pos):
            column = prep.source.column_for("double_opt_in_date")
            detail = [f"Subscribed without a confirmed double opt-in ({column} is empty){w}"
                      for w in where[pos]]
            parts.append(hits(pos, "double_opt_in_date", detail=detail))
    if prep.source.has("email_status"):
        pos = np.flatnonzero(scope & state.pending)
        if len(pos):
            detail = [f"Double opt-in not confirmed yet: do not mail until they click{w}"
                      for w in where[pos]]
            # Pending members are not mailed by the ESP itself: a note, not a warning.
            parts.append(hits(pos, "email_status", detail=detail, severity="info"))
    if not parts:
        return no_hits()
    found = pd.concat(parts, ignore_index=True)
    if "severity" in found:
        found["severity"] = found["severity"].fillna(rule.severity)
    return found


@dataclass(frozen=True)
class CaslExpired:
    """consent.casl_expired's parameters: days implied consent lasts after a purchase and
    after an inquiry."""

    purchase_days: int = 730
    inquiry_days: int = 183


@check("consent.casl_expired", params=CaslExpired, needs=Needs.SOURCE)
def consent_casl_expired(
    prep: Prepared, rule: Rule[CaslExpired], options: CheckOptions, source_kind: str
) -> pd.DataFrame:
    """Implied consent (consent type "Implied - Purchase" / "Implied - Inquiry") whose CASL
    period ran out: two years after the purchase, six months after the inquiry."""
    kinds = prep.value("consent_type")
    if kinds is None or not prep.source.has("consent_date"):
        return no_hits()
    since = prep.dates("consent_date")
    assert since is not None
    implied = vocabulary().implied

    def kind_of(u: pd.Series) -> pd.Series:
        return pd.Series([implied.get(alnum_key(v)) for v in u.tolist()], dtype=object)

    kind = nz.unique_map(kinds, kind_of).to_numpy(dtype=object)
    days = {
        "purchase": rule.params.purchase_days,
        "inquiry": rule.params.inquiry_days,
    }
    start = since
    orders = prep.dates("last_order_at")
    if orders is not None:
        # A later purchase renews the two years of a purchase-based relationship.
        later = (kind == "purchase") & (orders > since).fillna(False).to_numpy(dtype=bool)
        start = since.where(~later, orders)
    period = pd.to_timedelta(
        pd.Series([days.get(k, 0) if isinstance(k, str) else 0 for k in kind], index=since.index),
        unit="D",
    )
    expires = start + period
    now = pd.Timestamp(datetime.now(UTC))
    state = consent_state(prep)
    typed = np.array([isinstance(k, str) for k in kind], dtype=bool)
    expired = typed & (expires < now).fillna(False).to_numpy(dtype=bool) & ~state.opted_out
    pos = np.flatnonzero(expired)
    if not len(pos):
        return no_hits()
    return hits(
        pos,
        "consent_type",
        since=start.iloc[pos].dt.strftime("%Y-%m-%d"),
        expired=expires.iloc[pos].dt.strftime("%Y-%m-%d"),
    )


@check("link.consent_unknown", needs=Needs.SOURCE)
def consent_unknown(
    prep: Prepared, rule: Rule, options: CheckOptions, kind: str = "crm"
) -> pd.DataFrame:
    """An ESP source from which no opt-out state can be read: one finding for the whole
    source, so "no consent conflicts" is never a silent zero."""
    if kind != "esp" or not prep.rows:
        return no_hits()
    state = consent_state(prep)
    if state.readable:
        return no_hits()
    src = prep.source
    if state.known:
        why = "none of its values says subscribed or unsubscribed (" + ", ".join(
            state.columns) + ")"
    else:
        why = "no column holds a status, consent or opt-out"
    shown = ", ".join(str(c) for c in list(src.data.columns)[:12])
    if src.data.shape[1] > 12:
        shown += ", ..."
    return hits(
        np.full(1, -1, dtype=np.int64),
        "email_status",
        value=[None],
        name=src.name,
        why=why,
        seen=shown,
    )

