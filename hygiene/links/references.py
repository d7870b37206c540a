"""`link.missing_reference`: declared references that point at nothing.

`from = "deals.contact_id"`, `to = "crm.record_id"`: each value of the from column must be
found among the target column's values, compared as ids (Salesforce 15/18-character ids
agree, "123.0" is 123), emails (normalised) or names (case, accents and word order ignored).
A target that is a whole source (`to = "users"`) offers its record id, email and name; an
`active` column drops the targets marked inactive (owners who left the company).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import normalize as nz
from ..arrays import objects
from ..checks.registry import Needs, check, hits
from ..checks.rules import Rule
from ..normalize._text import alnum_key
from ..normalize.base import arrow
from ..prepared import Prepared
from .findings import refs
from .join import id_keys
from .spec import COMPOSED, Ref, Resolved, column_of

Hits = list[tuple[Prepared, pd.DataFrame]]
#: Fields a whole-source target offers, in order.
AUTO_FIELDS = ("record_id", "source_id", "email")


@dataclass(frozen=True)
class ReferenceLink:
    resolved: Resolved
    preps: Mapping[str, Prepared]


@dataclass(frozen=True)
class Target:
    """Keys of one target column: row positions and text keys; `label` for messages."""

    prep: Prepared
    keys: pd.Series
    label: str


def _name_column(prep: Prepared) -> tuple[pd.Series, str] | None:
    src = prep.source
    full = src.field("full_name")
    if full is not None:
        return full, str(src.column_for("full_name"))
    first, last = src.field("first_name"), src.field("last_name")
    if first is not None and last is not None:
        whole = (nz.nullify(first).fillna("") + " " + nz.nullify(last).fillna("")).str.strip()
        label = f"{src.column_for('first_name')} + {src.column_for('last_name')}"
        return whole.where(whole != ""), label
    return None


def targets_of(ref: Ref, prep: Prepared) -> list[Target]:
    """The key columns a target offers: the named column, or the id, email and name."""
    src = prep.source
    if ref.ref is not None:
        if ref.ref in COMPOSED and not src.has("full_name"):
            named = _name_column(prep)
            if named is not None:
                return [Target(prep, id_keys(named[0]), named[1])]
        col = column_of(src, ref.ref)
        assert col is not None  # checked by spec.resolve
        return [Target(prep, id_keys(src.data[col]), col)]
    out = []
    for f in AUTO_FIELDS:
        values = src.field(f)
        if values is not None:
            out.append(Target(prep, id_keys(values), str(src.column_for(f))))
    named = _name_column(prep)
    if named is not None:
        out.append(Target(prep, id_keys(named[0]), named[1]))
    return out


def _inactive(prep: Prepared, column: str, words: frozenset[str]) -> np.ndarray:
    """Rows an `active` column marks as not active: false/no/0, or a word such as
    "Deactivated" (rule params `inactive`)."""
    values = nz.nullify(prep.source.data[column])
    falsy = nz.parse_bool(values).eq(False).fillna(False).to_numpy(dtype=bool)

    def word(u: pd.Series) -> pd.Series:
        return pd.Series([alnum_key(v) in words for v in u.tolist()], dtype="boolean")

    named = nz.unique_map(values, word).fillna(False).to_numpy(dtype=bool)
    return falsy | named


def _key_array(keys: pd.Series) -> pa.Array:
    arr = arrow(keys)
    return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)


@dataclass(frozen=True)
class MissingReference:
    """link.missing_reference's parameters: values of an `active` column (besides false, no,
    0) that mark a target as gone."""

    inactive: tuple[str, ...] = ()


@check("link.missing_reference", params=MissingReference, needs=Needs.REFERENCE)
def link_missing_reference(link: ReferenceLink, rule: Rule[MissingReference]) -> Hits:
    """Values of the from column that match no (active) target row."""
    res = link.resolved
    origin = link.preps[res.origin.source]
    assert res.origin.ref is not None
    column = column_of(origin.source, res.origin.ref)
    assert column is not None
    raw = origin.source.data[column]
    keys = id_keys(raw)
    targets = [t for ref in res.targets for t in targets_of(ref, link.preps[ref.source])]
    words = frozenset(alnum_key(w) for w in rule.params.inactive)

    active_keys: list[pa.Array] = []
    retired: list[tuple[pa.Array, np.ndarray, Target]] = []
    for t in targets:
        key = _key_array(t.keys)
        gone = np.zeros(t.prep.rows, dtype=bool)
        if res.active is not None and res.active.source == t.prep.source.name:
            active_col = column_of(t.prep.source, str(res.active.ref))
            assert active_col is not None
            gone = _inactive(t.prep, active_col, words)
        active_keys.append(key.filter(pa.array(~gone)))
        if gone.any():
            retired.append((key, gone, t))
    if not active_keys:
        return []
    known = pc.unique(pa.concat_arrays([k.cast(pa.large_string()) for k in active_keys]))
    key_arr = _key_array(keys).cast(pa.large_string())
    present = key_arr.is_valid().to_numpy(zero_copy_only=False)
    found = pc.is_in(key_arr, value_set=known).to_numpy(zero_copy_only=False)
    missing = np.flatnonzero(present & ~found)
    if not len(missing):
        return []

    field = origin.source.columns.get(column, res.origin.ref)
    values = objects(raw.iloc[missing])
    shown = ", ".join(f"{t.prep.source.name} {t.label}" for t in targets)
    detail = np.array([f"{column} '{v}' points at nothing in {shown}" for v in values],
                      dtype=object)
    related: list[list[dict[str, object]]] = [[] for _ in missing]
    for key, gone, t in retired:
        # Where the value names a target that is marked inactive, say so and point at it.
        frame = pd.DataFrame({"key": key.to_pandas(), "pos": np.arange(len(gone))})[gone]
        first = frame.dropna().drop_duplicates("key").set_index("key")["pos"]
        hit = pd.Series(key_arr.take(pa.array(missing)).to_pandas()).map(first)
        for i in np.flatnonzero(hit.notna().to_numpy()):
            if related[i]:
                continue
            tpos = int(hit.iloc[i])
            ref = refs(t.prep, np.array([tpos]))[0]
            related[i] = [ref]
            assert res.active is not None
            state = t.prep.source.data[str(column_of(t.prep.source, str(res.active.ref)))]
            detail[i] = (
                f"{column} '{values[i]}' points at {t.prep.source.name} row {ref['row']}, "
                f"which is inactive ({res.active.ref} = {state.iloc[tpos]})"
            )
    return [(origin, hits(missing, field, value=pd.Series(values, dtype=object),
                          column_name=column, detail=detail, related=related))]

