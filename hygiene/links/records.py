"""Checks on a records link (the same person in two systems): orphans, consent conflicts,
status mismatches. Each returns hits per source; `related` names the other side's row(s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from nicknames import NickNamer
from pandas.api.types import union_categoricals
from rapidfuzz import fuzz, process

from .. import normalize as nz
from ..arrays import objects
from ..checks.registry import Needs, check, hits
from ..checks.rules import Rule
from ..normalize._arrow import flat, to_numpy_mask
from ..normalize.base import arrow
from ..prepared import Prepared
from .findings import collect
from .join import CheckHits, linkable_email
from .spec import Resolved
from .state import consent_state

Hits = list[tuple[Prepared, pd.DataFrame]]


@dataclass(frozen=True)
class RecordLink:
    """Two sources joined: pairs (pos_a, pos_b, via, probability, evidence) and who is linked."""

    resolved: Resolved
    a: Prepared
    b: Prepared
    pairs: pd.DataFrame
    linked_a: np.ndarray
    linked_b: np.ndarray
    #: The matcher's links were given, so an orphan had no likely match by name either.
    fuzzy_given: bool = False
    #: What the checks found that decides who can link (placeholders, fixed domains).
    check_hits: CheckHits = field(default_factory=CheckHits)

    def sides(self) -> Iterator[tuple[Prepared, Prepared, np.ndarray, np.ndarray, np.ndarray]]:
        """(this, other, pos of this in pairs, pos of other in pairs, this side linked)."""
        pa_, pb_ = self.pairs["pos_a"].to_numpy(), self.pairs["pos_b"].to_numpy()
        yield self.a, self.b, pa_, pb_, self.linked_a
        yield self.b, self.a, pb_, pa_, self.linked_b

    @property
    def via(self) -> np.ndarray:
        return self.pairs["via"].to_numpy(dtype=np.int64)

    @cached_property
    def evidence(self) -> np.ndarray:
        """The pairs' evidence as objects, made once (three record rules read it)."""
        return self.pairs["evidence"].to_numpy(dtype=object)


@check("link.orphan", needs=Needs.LINK)
def link_orphan(link: RecordLink, rule: Rule) -> Hits:
    """Rows with an address but no counterpart on the other side, where `require` asks for one:
    every row ("all") or the rows marked marketable ("marketable")."""
    out: Hits = []
    for this, other, _, _, linked in link.sides():
        need = link.resolved.require.get(this.source.name, "none")
        eligible = linkable_email(this, link.check_hits)
        if need == "none" or eligible is None:
            continue
        state = consent_state(this)
        if need == "marketable":
            eligible = eligible & state.marketable
        pos = np.flatnonzero(eligible & ~linked)
        if not len(pos):
            continue
        name = other.source.name
        also = ", and the matcher found no likely match by name either" if link.fuzzy_given else ""
        if need == "marketable":
            reasons = state.reason(state.marketable_by, pos)
            why = [f"marketable here ({r}) but no {name} row has this email address{also}"
                   for r in reasons]
        else:
            why = [f"no {name} row has this email address{also}"] * len(pos)
        out.append((this, hits(pos, "email", other=name, why=why)))
    return out


@dataclass(frozen=True)
class ConsentConflict:
    """link.consent_conflict's parameters: the subscription types the chosen workflows send
    (set by the audit from the workflow profiles; None: every type counts)."""

    subscription_types: tuple[str, ...] | None = None


@check("link.consent_conflict", params=ConsentConflict, needs=Needs.LINK)
def link_consent_conflict(link: RecordLink, rule: Rule[ConsentConflict]) -> Hits:
    """Marketable on this side while the linked row opted out on the other (both ways). A row
    whose own fields say nothing (in a source where others do) counts as marketable: nothing
    stops it being mailed, so the opt-out must reach it."""
    out: Hits = []
    if link.pairs.empty:
        return out
    sent = rule.params.subscription_types
    types = frozenset(str(t) for t in sent) if sent else None
    for this, other, px, py, _ in link.sides():
        mine, theirs = consent_state(this), consent_state(other)
        gone, gone_by = theirs.opted_out_for(types)
        silent = mine.silent
        sel = (mine.marketable[px] | silent[px]) & gone[py]
        # A bounce belongs to the address it was recorded on: it opts out no other address
        # of the same person (an unsubscribe is the person's choice and counts everywhere).
        bounce_only = theirs.bounce_only(gone_by)
        if (sel & bounce_only[py]).any():
            sel &= ~(bounce_only[py] & ~_same_address(this, other, px, py))
        if not sel.any():
            continue
        px_, py_ = px[sel], py[sel]
        grouped = collect(
            px_, py_, other, rank=link.via[sel],
            there=theirs.reason(gone_by, py_),
            how=link.evidence[sel],
        )
        pos = grouped["pos"].to_numpy(dtype=np.int64)
        quiet = silent[pos]
        by = np.where(quiet, mine.silent_by(), mine.marketable_by[pos])
        field = mine.field_of(by)
        here = mine.reason(mine.marketable_by, pos)
        if quiet.any():
            here[quiet] = mine.silent_reason(pos[quiet])
        out.append((this, hits(
            pos, pd.Series(field, dtype=object),
            related=grouped["related"],
            other=other.source.name,
            here=here,
            there=grouped["there"],
            how=grouped["how"],
        )))
    return out


def _same_address(this: Prepared, other: Prepared, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Per pair, whether row `px` here and row `py` there hold the same normalised email
    address (False where either has none). Compared in Arrow: no Python string per row."""
    mine, theirs = this.email(), other.email()
    if mine is None or theirs is None:
        return np.zeros(len(px), dtype=bool)
    a = pc.take(flat(arrow(mine["email"])), pa.array(px, type=pa.int64()))
    b = pc.take(flat(arrow(theirs["email"])), pa.array(py, type=pa.int64()))
    return to_numpy_mask(pc.fill_null(pc.equal(a, b), False))


@dataclass(frozen=True)
class StatusMismatch:
    """link.status_mismatch's parameters: what to compare between linked records, and the
    token-sorted name similarity (0-100) below which two names of one address differ."""

    compare: tuple[str, ...] = ("bounce", "lifecycle_stage", "name")
    name_similarity: float = 70.0


@check("link.status_mismatch", params=StatusMismatch, needs=Needs.LINK)
def link_status_mismatch(link: RecordLink, rule: Rule[StatusMismatch]) -> Hits:
    """Statuses two linked rows disagree on (rule params `compare`): the address bounced on
    one side only, the lifecycle stage, or the person's name."""
    out: Hits = []
    if link.pairs.empty:
        return out
    compare = set(rule.params.compare)
    if "bounce" in compare:
        out += _bounce(link)
    if "lifecycle_stage" in compare:
        out += _stage(link)
    if "name" in compare:
        out += _names(link, rule.params.name_similarity)
    return out


def _bounce(link: RecordLink) -> Hits:
    out: Hits = []
    for this, other, px, py, _ in link.sides():
        mine, theirs = consent_state(this), consent_state(other)
        sel = theirs.bounced[py] & ~mine.bounced[px]
        if not sel.any() or this.email() is None:
            continue
        # "The address bounced ... but is still valid here" holds only for the same address:
        # a bounce belongs to the address it was recorded on, not to the person.
        sel &= _same_address(this, other, px, py)
        if not sel.any():
            continue
        grouped = collect(
            px[sel], py[sel], other, rank=link.via[sel],
            there=theirs.reason(theirs.bounced_by, py[sel]), how=link.evidence[sel],
        )
        name = other.source.name
        detail = [f"The address bounced in {name} ({t}) but is still valid here"
                  for t in grouped["there"]]
        out.append((this, hits(grouped["pos"], "email", related=grouped["related"],
                               other=name, detail=detail, how=grouped["how"])))
    return out


def _stage(link: RecordLink) -> Hits:
    a, b = link.a, link.b
    ka, kb = a.category("lifecycle_stage"), b.category("lifecycle_stage")
    if ka is None or kb is None:
        return []
    px, py = link.pairs["pos_a"].to_numpy(), link.pairs["pos_b"].to_numpy()
    va = objects(ka)[px]
    vb = objects(kb)[py]
    sel = (pd.notna(va) & pd.notna(vb) & (va != vb)).astype(bool)
    if not sel.any():
        return []
    raw_a, raw_b = a.raw("lifecycle_stage"), b.raw("lifecycle_stage")
    assert raw_a is not None and raw_b is not None
    grouped = collect(
        px[sel], py[sel], b, rank=link.via[sel],
        here=raw_a.iloc[px[sel]].to_numpy(dtype=object),
        there=raw_b.iloc[py[sel]].to_numpy(dtype=object), how=link.evidence[sel],
    )
    name = b.source.name
    detail = [f"Lifecycle stage differs: {h} here, {t} in {name}"
              for h, t in zip(grouped["here"], grouped["there"], strict=True)]
    return [(a, hits(grouped["pos"], "lifecycle_stage", related=grouped["related"],
                     other=name, detail=detail, how=grouped["how"]))]


def _name_key(prep: Prepared, field: str) -> pd.Series | None:
    values = prep.value(field)
    if values is None:
        return None
    # Kept as a categorical while the matcher runs: a few thousand distinct names over many
    # rows take far less memory than a text column per field.
    return prep.memo(
        ("links.name_key", field), lambda: nz.name_key(values).astype("category")
    )


def warm_names(prep: Prepared) -> None:
    """Compute the name keys the record rules compare (kept in `prep`), before the pairs
    are known: the audit does it while the matcher runs."""
    _name_key(prep, "first_name")
    _name_key(prep, "last_name")


@dataclass(frozen=True)
class Names:
    """Name keys of one source (first and last, or the full name split) and the field that a
    finding about them names."""

    first: pd.Series
    last: pd.Series
    shown: pd.Series
    field: str


def _names_of(prep: Prepared) -> Names | None:
    first, last = _name_key(prep, "first_name"), _name_key(prep, "last_name")
    if first is not None and last is not None:
        raw_first, raw_last = prep.value("first_name"), prep.value("last_name")
        assert raw_first is not None and raw_last is not None
        return Names(first, last, raw_first + " " + raw_last, "first_name")
    full = prep.value("full_name")
    if full is not None:
        split = nz.split_full_name(full)
        return Names(nz.name_key(split["first_name"]), nz.name_key(split["last_name"]), full,
                     "full_name")
    return None


def _codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of two key columns in one shared space (-1 for missing)."""
    if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
        both = union_categoricals([a.array, b.array], ignore_order=True)
        codes = np.asarray(both.codes, dtype=np.int64)
    else:
        codes, _ = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)
    return codes[: len(a)], codes[len(a):]


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


def _nickname_pair(x: str, y: str) -> bool:
    if not x or not y:
        return False
    namer = _nicknamer()
    return y in namer.nicknames_of(x) or x in namer.nicknames_of(y) or bool(
        namer.canonicals_of(x) & namer.canonicals_of(y)
    )


def _names(link: RecordLink, threshold: float) -> Hits:
    a, b = link.a, link.b
    na, nb = _names_of(a), _names_of(b)
    if na is None or nb is None:
        return []
    px, py = link.pairs["pos_a"].to_numpy(), link.pairs["pos_b"].to_numpy()
    # Names compare as integer codes first: most linked rows carry the same name, and only
    # the rest (a few thousand in a million) are scored as text.
    first_a, first_b = _codes(na.first, nb.first)
    last_a, last_b = _codes(na.last, nb.last)
    fa, fb, la, lb = first_a[px], first_b[py], last_a[px], last_b[py]
    ok = (fa >= 0) & (fb >= 0) & (la >= 0) & (lb >= 0) & ((fa != fb) | (la != lb))
    names = ("first_name", "last_name", "full_name")
    placeholder = link.check_hits.placeholder_rows
    ok &= ~placeholder(a, names)[px] & ~placeholder(b, names)[py]
    if not ok.any():
        return []
    idx = np.flatnonzero(ok)

    def whole(n: Names, pos: np.ndarray) -> list[str]:
        first = n.first.iloc[pos].to_numpy(dtype=object)
        last = n.last.iloc[pos].to_numpy(dtype=object)
        return [f"{x} {y}" for x, y in zip(first, last, strict=True)]

    # Token-sorted similarity: "Lee Ann" and "Ann Lee" are the same name swapped.
    score = process.cpdist(whole(na, px[idx]), whole(nb, py[idx]),
                           scorer=fuzz.token_sort_ratio, workers=-1)
    low = idx[np.asarray(score) < threshold]
    if not len(low):
        return []
    key_a = na.first.iloc[px[low]].to_numpy(dtype=object)
    key_b = nb.first.iloc[py[low]].to_numpy(dtype=object)
    nick = np.array([_nickname_pair(x, y) for x, y in zip(key_a, key_b, strict=True)],
                    dtype=bool)
    same_first = fa[low] == fb[low]
    field = np.where(same_first, "last_name", "first_name") if na.field == "first_name" \
        else np.full(len(low), na.field, dtype=object)
    low, field = low[~nick], field[~nick]
    if not len(low):
        return []
    grouped = collect(
        px[low], py[low], b, rank=link.via[low],
        here=na.shown.iloc[px[low]].to_numpy(dtype=object),
        there=nb.shown.iloc[py[low]].to_numpy(dtype=object), how=link.evidence[low],
        field=field,
    )
    name = b.source.name
    detail = [f"Another name for the same address: '{h}' here, '{t}' in {name}"
              for h, t in zip(grouped["here"], grouped["there"], strict=True)]
    return [(a, hits(grouped["pos"], grouped["field"], related=grouped["related"], other=name,
                     detail=detail, how=grouped["how"]))]

