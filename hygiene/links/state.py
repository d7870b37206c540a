"""What each row of a source says about mailing it: opted out, marketable, bounced, pending.

Systems say it in different fields and with opposite polarity: HubSpot's "Marketing contact
status" and Klaviyo's consent are opt-IN fields, HubSpot's "Unsubscribed from all email" and
Salesforce's HasOptedOutOfEmail opt-OUT flags, Mailchimp's "Member Status" a status word. Each
field's distinct values are read once (rules/aliases/consent.yaml) into flags; the flags of a
row's fields then decide its state, and remember which field decided so findings can say why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import normalize as nz
from ..normalize._text import alnum_key
from ..normalize.categories import category_aliases
from ..prepared import Prepared
from ..resources import rules_yaml

if TYPE_CHECKING:
    from ..checks.rules import Rule

# Flags one value can carry (a bit set, so a Klaviyo suppression list can say two things).
OUT, BOUNCED, IN, NO, PENDING, NOT_OUT = 1, 2, 4, 8, 16, 32

#: Fields read for the state, each with its polarity. Order matters twice: the first field with
#: an opt-out explains it, and the first field that says yes or no decides marketability.
OPT_IN = ("marketable", "consent")
OPT_OUT = ("unsubscribed", "bounced")
STATE_FIELDS = ("unsubscribed", "email_status", "consent", "marketable", "bounced")
DECIDES_MARKETABLE = ("marketable", "email_status", "consent")
#: How long a reason's value may be ("Email Suppressions" can hold a JSON list).
_REASON_WIDTH = 60
#: HubSpot's per-subscription opt-outs: one "Opted out of email: <subscription type>" column
#: per type (property hs_email_optout_<id>), true when the contact left that type.
_TYPE_OPT_OUT = re.compile(r"^\s*opted\s*out\s*of\s*email\s*[:\-]\s*(?P<type>.+?)\s*$", re.I)


def _type_key(name: str) -> str:
    return alnum_key(name)


def sent_types(rules: list[Rule], workflows: Sequence[Any]) -> list[Rule]:
    """The rules with `link.consent_conflict` told which subscription types the chosen
    workflows send (`subscription_types` of each profile), when every one of them names
    its types; a workflow that names none may send any type, so then every type counts."""
    named = [tuple(getattr(w, "subscription_types", ()) or ()) for w in workflows]
    if not named or not all(named):
        return rules
    types = sorted({t for group in named for t in group})
    return [
        replace(r, params=replace(r.params, subscription_types=tuple(types)))
        if r.check == "link.consent_conflict" else r
        for r in rules
    ]


def subscription_type_columns(columns: list[str]) -> dict[str, str]:
    """Column -> subscription type, for the per-type opt-out columns of an export."""
    out: dict[str, str] = {}
    for column in columns:
        m = _TYPE_OPT_OUT.match(str(column))
        if m:
            out[str(column)] = m.group("type")
    return out


@dataclass(frozen=True)
class Vocabulary:
    """rules/aliases/consent.yaml read into lookup tables of keys."""

    status_flags: dict[str, int]
    reasons: dict[str, str]
    marketable: dict[str, bool]
    consent: dict[str, int]
    implied: dict[str, str]


@cache
def vocabulary() -> Vocabulary:
    doc = rules_yaml("aliases", "consent.yaml") or {}
    statuses = doc.get("statuses") or {}
    flags: dict[str, int] = {}
    for name, flag in (
        ("opted_out", OUT),
        ("bounced", BOUNCED),
        ("marketable", IN),
        ("pending", PENDING),
        ("not_marketable", NO),
    ):
        for key in statuses.get(name) or ():
            flags[str(key)] = flags.get(str(key), 0) | flag
    reasons = {str(k).upper(): str(v) for k, v in (doc.get("suppression_reasons") or {}).items()}
    marketable: dict[str, bool] = {}
    for truth, words in (doc.get("marketable") or {}).items():
        for w in words or ():
            marketable[alnum_key(str(w))] = str(truth).lower() == "true"
    consent: dict[str, int] = {}
    for name, flag in (("granted", IN), ("denied", OUT), ("none", NO)):
        for key in (doc.get("consent") or {}).get(name) or ():
            consent[alnum_key(str(key))] = flag
    implied: dict[str, str] = {}
    for kind, words in (doc.get("implied_consent") or {}).items():
        for w in words or ():
            implied[alnum_key(str(w))] = str(kind)
    return Vocabulary(flags, reasons, marketable, consent, implied)


def _status_flags(value: str, voc: Vocabulary) -> int:
    """Flags of an email status word, or of the suppression reasons a value lists."""
    key = alnum_key(value)
    key = category_aliases("email_status").get(key, key)
    if key in voc.status_flags:
        return voc.status_flags[key]
    upper = value.upper()
    found = 0
    for reason, status in voc.reasons.items():
        if reason in upper:
            found |= voc.status_flags.get(status, 0)
    return found


def value_flags(field: str, values: pd.Series) -> pd.Series:
    """Flags of each value of one field (a Series of distinct raw values), by its polarity."""
    voc = vocabulary()
    texts = values.tolist()
    bools = nz.parse_bool(values).tolist()
    out: list[int] = []
    for v, b in zip(texts, bools, strict=True):
        status = _status_flags(v, voc)
        flag = 0
        if field == "email_status":
            flag = status
        elif field == "marketable":
            key = alnum_key(v)
            if key in voc.marketable:
                flag = IN if voc.marketable[key] else NO
            elif status:
                flag = status
            elif b is not pd.NA and b is not None:
                # An API export's hs_marketable_status=false means non-marketing, not opted out.
                flag = IN if b else NO
        elif field == "consent":
            key = category_aliases("consent").get(alnum_key(v), alnum_key(v))
            if key in voc.consent:
                flag = voc.consent[key]
            elif status:
                flag = status
            elif b is not pd.NA and b is not None:
                flag = IN if b else OUT
        elif field == "unsubscribed":
            if status & (OUT | IN):
                # "Unsubscribed" / "Subscribed" written out say what they mean in any column.
                flag = OUT if status & OUT else NOT_OUT
            elif b is not pd.NA and b is not None:
                flag = OUT if b else NOT_OUT
        elif field == "bounced":
            if b is pd.NA or b is None:
                # A bounce reason ("550 5.1.1 mailbox unavailable") means it bounced.
                flag = BOUNCED
            elif b:
                flag = BOUNCED
        out.append(flag)
    return pd.Series(out, dtype="int64")


@dataclass(frozen=True)
class ConsentState:
    """Per row of one source (numpy arrays aligned with `source.data`)."""

    opted_out: np.ndarray
    marketable: np.ndarray
    bounced: np.ndarray
    pending: np.ndarray
    #: Index into `fields` of the field that said so, -1 where nothing did.
    out_by: np.ndarray
    marketable_by: np.ndarray
    bounced_by: np.ndarray
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    raw: tuple[pd.Series, ...]
    #: Rows on which some field said anything about mailing (a status word, a yes or no).
    said: np.ndarray | None = None
    #: Subscription type -> rows opted out of that type (HubSpot "Opted out of email: <type>").
    out_of_type: tuple[tuple[str, np.ndarray], ...] = ()
    #: Per field (aligned with `fields`): its subscription type, None for a whole-mail field.
    type_of: tuple[str | None, ...] = ()
    #: Per field: the rows it says opted out.
    out_masks: tuple[np.ndarray, ...] = ()

    def opted_out_for(self, types: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """(opted out, index of the field that says so) counting a per-subscription opt-out
        only for the `types` sent (None: every type counts)."""
        if types is None or not any(t is not None for t in self.type_of):
            return self.opted_out, self.out_by
        wanted = {_type_key(t) for t in types}
        n = len(self.opted_out)
        by = np.full(n, -1, dtype=np.int64)
        for i in range(len(self.out_masks) - 1, -1, -1):
            kind = self.type_of[i]
            if kind is not None and _type_key(kind) not in wanted:
                continue
            by = np.where(self.out_masks[i], i, by)
        return by >= 0, by

    def bounce_only(self, by: np.ndarray | None = None) -> np.ndarray:
        """Rows whose opt-out (said by field `by`, default `out_by`) is only a bounce: the
        address's state, not the person's choice, so it never travels to another address."""
        return self.bounced & ((self.out_by if by is None else by) == self.bounced_by)

    @property
    def known(self) -> bool:
        """The source has at least one field that says something about mailing."""
        return bool(self.fields)

    @property
    def readable(self) -> bool:
        """Some row's opt-out state can be read: a field exists and at least one value of it
        is a word or a yes/no that says something."""
        return self.known and (self.said is None or bool(self.said.any()))

    @property
    def silent(self) -> np.ndarray:
        """Rows of a readable source on which no field says anything about mailing (an empty
        Member Status of a renamed subscribed file): not known to have opted out, so an
        opt-out elsewhere must still reach them."""
        if not self.readable or self.said is None:
            return np.zeros(len(self.opted_out), dtype=bool)
        return ~self.said & ~self.opted_out

    def silent_by(self) -> int:
        """Index of the field a silent row is reported on: the first that decides
        marketability, else the first field."""
        for name in DECIDES_MARKETABLE:
            if name in self.fields:
                return self.fields.index(name)
        return 0

    def silent_reason(self, pos: np.ndarray) -> np.ndarray:
        """'<column> is empty: nothing here says they opted out' for silent rows `pos`."""
        i = self.silent_by()
        column, raw = self.columns[i], self.raw[i]
        vals = raw.iloc[pos].to_numpy(dtype=object, na_value="")
        return np.array(
            [f"{column} is empty: nothing here says they opted out" if not str(v).strip()
             else f"{column} = {_short(str(v))}, which says nothing about opting out"
             for v in vals],
            dtype=object,
        )

    def types_of(self, pos: np.ndarray) -> list[list[str]]:
        """The subscription types each row of `pos` opted out of ([] for none)."""
        out: list[list[str]] = [[] for _ in range(len(pos))]
        for name, rows in self.out_of_type:
            for i in np.flatnonzero(rows[pos]):
                out[i].append(name)
        return out

    def field_of(self, by: np.ndarray) -> np.ndarray:
        """Canonical field names for `by` indices (None for -1)."""
        names = np.array([*self.fields, None], dtype=object)
        return names[np.where(by < 0, len(self.fields), by)]

    def reason(self, by: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """'Column = value' of the deciding field for rows `pos` (`by` is a state's index)."""
        out = np.full(len(pos), "", dtype=object)
        which = by[pos]
        for i, (column, raw) in enumerate(zip(self.columns, self.raw, strict=True)):
            sel = which == i
            if not sel.any():
                continue
            vals = raw.iloc[pos[sel]].to_numpy(dtype=object, na_value="")
            out[sel] = [f"{column} = {_short(str(v))}" for v in vals]
        return out


def _short(value: str) -> str:
    return value if len(value) <= _REASON_WIDTH else value[: _REASON_WIDTH - 1] + "…"


def _first(flags: list[np.ndarray], bit: int, n: int) -> np.ndarray:
    """Per row, the index of the first field whose flags carry `bit` (-1 when none does)."""
    by = np.full(n, -1, dtype=np.int64)
    for i in range(len(flags) - 1, -1, -1):
        by = np.where(flags[i] & bit, i, by)
    return by


def consent_state(prep: Prepared) -> ConsentState:
    """The state of every row of `prep`'s source (computed once per audit)."""
    return prep.memo("links.consent_state", lambda: _compute(prep))


def _compute(prep: Prepared) -> ConsentState:
    n = prep.rows
    present = [f for f in STATE_FIELDS if prep.source.has(f)]
    raws: list[pd.Series] = []
    flags: list[np.ndarray] = []
    for name in present:
        value = prep.value(name)
        assert value is not None
        got = nz.unique_map(value, partial(value_flags, name))
        flags.append(got.fillna(0).to_numpy(dtype=np.int64))
        raw = prep.raw(name)
        assert raw is not None
        raws.append(raw)
    fields = list(present)
    type_of: list[str | None] = [None] * len(present)
    columns = [str(prep.source.column_for(name)) for name in present]
    out_of_type: list[tuple[str, np.ndarray]] = []
    for column, kind in subscription_type_columns(list(prep.source.data.columns)).items():
        if column in prep.source.columns:
            continue  # mapped onto a canonical field (--map): read as that field
        raw = prep.source.data[column]
        got = nz.unique_map(nz.nullify(raw), partial(value_flags, "unsubscribed"))
        bits = got.fillna(0).to_numpy(dtype=np.int64)
        # A per-type "false" says only that this type may be sent, not that the contact is
        # marketable: the type columns add opt-outs, never marketability.
        bits = bits & OUT
        flags.append(bits)
        raws.append(raw)
        fields.append("unsubscribed")
        type_of.append(kind)
        columns.append(column)
        out_of_type.append((kind, (bits & OUT) != 0))
    out_by = _first(flags, OUT, n)
    bounced_by = _first(flags, BOUNCED, n)
    opted_out = out_by >= 0
    # Marketability: the first deciding field (in DECIDES_MARKETABLE order) that says yes or no;
    # failing that, an opt-out flag that is explicitly false (Salesforce "not opted out").
    decided_by = np.full(n, -1, dtype=np.int64)
    decided = np.zeros(n, dtype=bool)
    for name in DECIDES_MARKETABLE:
        if name not in present:
            continue
        i = present.index(name)
        says = (flags[i] & (IN | NO | PENDING)) != 0
        take = says & ~decided
        decided_by[take] = i
        decided |= says
    marketable = np.zeros(n, dtype=bool)
    rows = decided_by >= 0
    if rows.any():
        chosen = np.stack(flags)[decided_by[rows], np.flatnonzero(rows)]
        marketable[rows] = (chosen & IN) != 0
    if "unsubscribed" in present:
        i = present.index("unsubscribed")
        fallback = ~decided & ((flags[i] & NOT_OUT) != 0)
        marketable |= fallback
        decided_by[fallback] = i
    # An opt-out of one subscription type leaves the others marketable: only whole-mail
    # fields take marketability away (conflicts read the per-type opt-outs themselves).
    marketable &= ~(_first(flags[: len(present)], OUT, n) >= 0)
    decided_by[~marketable] = -1
    pending = np.zeros(n, dtype=bool)
    said = np.zeros(n, dtype=bool)
    for bits in flags:
        pending |= (bits & PENDING) != 0
        said |= bits != 0
    return ConsentState(
        opted_out=opted_out,
        marketable=marketable,
        bounced=bounced_by >= 0,
        pending=pending,
        out_by=out_by,
        marketable_by=decided_by,
        bounced_by=bounced_by,
        fields=tuple(fields),
        columns=tuple(columns),
        raw=tuple(raws),
        said=said,
        out_of_type=tuple(out_of_type),
        type_of=tuple(type_of),
        out_masks=tuple((bits & OUT) != 0 for bits in flags),
    )


def describe(state: ConsentState) -> dict[str, Any]:
    """Counts for the audit's link summary."""
    return {
        "opted_out": int(state.opted_out.sum()),
        "marketable": int(state.marketable.sum()),
        "bounced": int(state.bounced.sum()),
        "pending": int(state.pending.sum()),
    }


def unmeasured(
    rules: Sequence[Rule], contacts: Sequence[Prepared], linked: bool
) -> dict[str, str]:
    """Dimensions no data could measure, with the reason (the score's `unmeasured`, both
    engines): integrity needs two systems (or a declared link) to compare, `linked` says
    whether any were; compliance needs a consent or subscription column."""
    out: dict[str, str] = {}
    if not linked:
        out["integrity"] = (
            "one system only and no [[links]] declared, so nothing was compared between systems"
        )
    wanted = set(STATE_FIELDS) | {
        f for r in rules if r.enabled and r.dimension == "compliance" for f in r.fields
    }
    wanted.discard("email")  # the join key of consent conflicts, not a consent record
    if not any(wanted & set(p.source.fields) for p in contacts):
        out["compliance"] = (
            "no source has a consent or subscription column (opt-in date, marketing status, "
            "unsubscribed, email status ...)"
        )
    return out
