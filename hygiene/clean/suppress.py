"""Suppression: the addresses that must not be mailed, each with its reason.

Reasons come from findings (invalid, placeholder, disposable, role, consent conflict) and
from the row's own consent fields (unsubscribed, cleaned/bounced), in the order of
rules/clean.yaml; the first names the row's reason, all are kept in `reasons`. A finding a
person rejected in review.xlsx gives no reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..links.state import consent_state
from ..normalize._arrow import to_numpy_mask
from ..normalize.nulls import nullify_arrow
from ..prepared import Prepared
from .settings import CleanSettings
from .values import Column, Findings, Verdicts


@dataclass
class Suppression:
    """Per row of one source: the reason (first in order, "" for none), all reasons, and a
    detail naming the finding or field that said so."""

    reason: np.ndarray
    reasons: np.ndarray
    detail: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return self.reason != ""


def _messages(findings: pd.DataFrame, source: str, codes: tuple[str, ...], n: int) -> np.ndarray:
    """The first message of any of `codes` per row ("" where none)."""
    out = np.full(n, "", dtype=object)
    sel = findings[
        (findings["source"] == source) & findings["code"].isin(codes) & (findings["pos"] >= 0)
    ]
    if len(sel):
        first = sel.drop_duplicates("pos")
        out[first["pos"].to_numpy(dtype=np.int64)] = first["message"].astype(str).to_numpy()
    return out


def _donated(mask: np.ndarray, donors: dict[int, int]) -> np.ndarray:
    """`mask` where each survivor whose address came from a merged record reads that
    record's flag instead of its own: a finding on an address follows the address."""
    if not donors:
        return mask
    out = mask.copy()
    surv = np.fromiter(donors.keys(), dtype=np.int64, count=len(donors))
    don = np.fromiter(donors.values(), dtype=np.int64, count=len(donors))
    out[surv] = mask[don]
    return out


def suppression_reasons(
    prep: Prepared,
    findings: pd.DataFrame,
    found: Findings,
    verdicts: Verdicts,
    settings: CleanSettings,
    email: Column | None,
    needs_address: bool,
    inherited: dict[int, int],
    donors: dict[int, int] | None = None,
) -> Suppression:
    """Why each row of one source must not be mailed. `needs_address`: the target is an
    ESP, where a row without an address cannot be imported; `inherited`: survivor ->
    merged row whose opt-out it takes over; `donors`: survivor -> merged row whose address
    it took (findings and bounces on an address follow it). A consent conflict resting only
    on another address's bounce is never reported (`links.records.link_consent_conflict`),
    so every conflict suppresses."""
    donors = donors or {}
    n = prep.rows
    name = prep.source.name
    state = consent_state(prep)
    reason = np.full(n, "", dtype=object)
    reasons = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    # What an address's own state says (a bounce, a finding on it) needs an address.
    addressed = (
        ~to_numpy_mask(pc.is_null(email.value))
        | ~to_numpy_mask(pc.is_null(nullify_arrow(email.original)))
        if email is not None
        else np.zeros(n, dtype=bool)
    )
    for r in settings.reasons:
        codes = settings.codes_of(r)
        text = np.full(n, "", dtype=object)
        if codes:
            fld = None if r == "consent_conflict" else "email"
            hit = found.any_code(codes, fld)
            for code in codes:
                for (c, _), mask in verdicts.rejected.items():
                    if c == code:
                        hit &= ~mask
            text = _messages(findings, name, codes, n)
            if fld == "email":
                hit, text = _donated(hit, donors), _donated(text, donors)
        elif r in ("unsubscribed", "cleaned") and state.known:
            by = state.out_by if r == "unsubscribed" else state.bounced_by
            # A bounce ("cleaned") is the address's state, not an opt-out of the person.
            hit = (
                state.opted_out & ~state.bounce_only()
                if r == "unsubscribed"
                else state.bounced.copy()
            )
            pos = np.flatnonzero(hit)
            text[pos] = state.reason(by, pos)
            if r == "cleaned":
                hit, text = _donated(hit, donors), _donated(text, donors)
            if r == "unsubscribed":
                for surv, merged in inherited.items():
                    if not hit[surv]:
                        hit[surv] = True
                        row = int(prep.source.provenance["row"].iloc[merged])
                        text[surv] = f"opted out on row {row}, merged into this record"
        elif r == "missing" and needs_address and email is not None:
            hit = to_numpy_mask(pc.is_null(email.value))
            text[hit] = "no email address: an ESP import needs one"
        elif r == "missing" and needs_address:
            hit = np.ones(n, dtype=bool)
            text[:] = "no email column: an ESP import needs an address"
        else:
            continue
        # An opt-out is the person's choice, not the address's: a record without an address
        # keeps it too (a CRM marks it, so the record does not read as marketable once the
        # read-only opt-out column is left out or an address is added later). Reasons about
        # an address (bounced, invalid, placeholder ...) need one.
        if r != "missing" and settings.action(r) != "unsubscribe":
            hit &= addressed
        new = hit & (reason == "")
        reason[new] = r
        detail[new] = text[new]
        reasons[hit] = np.where(reasons[hit] == "", r, reasons[hit] + "; " + r)
    return Suppression(reason, reasons, detail)
