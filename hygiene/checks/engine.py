"""The local engine: run the rule packs over prepared sources with pandas and Arrow, and turn
hits into findings.

Rules, their checks and typed params are definitions (`rules.py`, `registry.py` and the check
modules) that know nothing of this file; the engine decides how they run. Per source: the
column rules run as one Great Expectations suite, then the registry rules in pack order, each
rule's directives (`skip_if`, `supersedes`) applied to its hits. Every rule's hits are kept
(by code) for the source's later rules (a check registered with `earlier=True` is handed
them as an `EarlierHits`), and each becomes rows of the findings
frame with provenance, record id, column, position and rendered message. Another engine
(Spark) can call the same check functions on its own partitions.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import (
    FINDING_COLUMNS,
    INTERNAL_FINDING_COLUMNS,
    Source,
    category_from_codes,
    compact_findings,
    concat_findings,
    empty_findings,
    is_missing,
)
from ..normalize._arrow import flat
from ..normalize.base import TEXT, text
from ..prepared import Prepared
from .gx import SuiteRunner, compile_rules, shared_runner
from .params import param_values
from .registry import CheckOptions, EarlierHits, Needs, no_hits, registry
from .rules import DERIVED_FIELDS, Rule

ALL_COLUMNS = [*FINDING_COLUMNS, *INTERNAL_FINDING_COLUMNS]

#: Fields derived from another field; their findings point at the base field's column.
BASE_FIELD = {"email_local": "email", "email_domain": "email"}
WORKFLOW_FIELDS = "*workflows"


def rule_fields(rule: Rule[Any], prep: Prepared, options: CheckOptions) -> list[str]:
    """The fields of `rule` this source has (`*workflows` = fields the workflows require)."""
    out: list[str] = []
    for f in rule.fields:
        if f == WORKFLOW_FIELDS:
            wanted = list(options.required)
            if options.required_by_source is not None:
                allowed = options.required_by_source.get(prep.source.name, ())
                wanted = [w for w in wanted if w in allowed]
            skip = set(rule.skip_fields)
            out.extend(w for w in wanted if prep.source.has(w) and w not in skip)
        elif f in DERIVED_FIELDS:
            if prep.source.has(BASE_FIELD[f]):
                out.append(f)
        elif prep.source.has(f):
            out.append(f)
    return list(dict.fromkeys(out))


def check_source(
    prep: Prepared, rules: Sequence[Rule[Any]], options: CheckOptions, runner: SuiteRunner | None
) -> dict[str, pd.DataFrame]:
    """Hits per rule code for one source (every applicable rule, in pack order)."""
    applicable = [r for r in rules if r.enabled and r.applies_to(prep.source.platform)]
    found: dict[str, pd.DataFrame] = {}
    gx_rules = [r for r in applicable if r.engine == "gx"]
    fields = {r.code: rule_fields(r, prep, options) for r in gx_rules}
    items = compile_rules(gx_rules, fields)
    if items:
        runner = runner or shared_runner()
        by_key = runner.run(prep, items)
        for r in gx_rules:
            parts = [by_key[(r.code, f)] for f in fields[r.code] if (r.code, f) in by_key]
            found[r.code] = pd.concat(parts, ignore_index=True) if parts else no_hits()
    earlier = EarlierHits(MappingProxyType(found))
    for r in applicable:
        if r.engine != "registry":
            continue
        spec = registry().get(str(r.check))
        if spec is None or spec.needs != Needs.FIELDS:
            raise KeyError(f"rule {r.code} names no field check ({r.check!r})")
        got = spec.run_fields(prep, r, options, earlier)
        for code in r.skip_if:
            got = _without(got, found.get(code))
        found[r.code] = got
        for code in r.supersedes:
            if code in found:
                found[code] = _without(found[code], got)
    return found


def _without(hits: pd.DataFrame, other: pd.DataFrame | None) -> pd.DataFrame:
    """`hits` minus the cells (row, field) that `other` already reports: one finding a cell."""
    if other is None or other.empty or hits.empty:
        return hits
    mine = pd.MultiIndex.from_arrays([hits["pos"], hits["field"]])
    theirs = pd.MultiIndex.from_arrays([other["pos"], other["field"]])
    return hits[~mine.isin(theirs)].reset_index(drop=True)


def _as_text(col: Any) -> pa.Array | str:
    """A message part: a string array with missing values as "", or one constant string."""
    if isinstance(col, pd.Series):
        col = col.array
    if isinstance(col, pd.Categorical):
        cats = pa.array([str(c) for c in col.categories], type=pa.string())
        return cats.take(pa.array(col.codes, mask=col.codes < 0)).fill_null("")
    if isinstance(col, (pd.api.extensions.ExtensionArray, np.ndarray, list)):
        try:
            arr = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            arr = None
        if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            # Numbers and mixed values print as Python prints them (3.0, not Arrow's "3").
            values = [None if is_missing(v) else str(v) for v in np.asarray(col, object)]
            arr = pa.array(values, type=pa.string())
        return flat(arr).fill_null("")
    return "" if col is None else str(col)


def render_messages(template: str, columns: Mapping[str, Any], n: int) -> pd.Series:
    """Fill `{name}` placeholders from per-row columns or constants, joined in Arrow (text)."""
    parts: list[pa.Array | str] = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if name not in columns:
            parts.append("{" + name + "}")
            continue
        part = _as_text(columns[name])
        if spec:
            texts = part.to_pylist() if isinstance(part, pa.Array) else [part] * n
            part = pa.array([format(v, spec) if v else v for v in texts], type=pa.string())
        parts.append(part)
    if not any(isinstance(p, pa.Array) for p in parts):
        return pd.Series(["".join(str(p) for p in parts)] * n, dtype=TEXT)
    joined = pc.binary_join_element_wise(
        *[p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in parts], ""
    )
    return text(joined)


def _rows_at(frame: pd.DataFrame, pos: np.ndarray, has_row: np.ndarray) -> pd.DataFrame:
    """`frame`'s rows at `pos`; missing values where a finding has no row (pos -1)."""
    if has_row.all():
        return frame.iloc[pos].reset_index(drop=True)
    out = frame.iloc[pos[has_row]].reset_index(drop=True)
    return out.reindex(pd.Series(np.cumsum(has_row) - 1).where(has_row, -1)).reset_index(drop=True)


def _file_column(files: pd.Series, has_row: np.ndarray, src: Source) -> np.ndarray:
    """Each finding's file; a whole-column finding names the source's first file."""
    out = files.to_numpy(dtype=object)
    if not has_row.all():
        first = src.files[0] if src.files else None
        out = np.where(has_row, out, np.array(first, dtype=object))
    return out


def to_findings(prep: Prepared, rule: Rule[Any], found: pd.DataFrame) -> pd.DataFrame:
    """Hits of one rule on one source -> findings rows (see hygiene.model.FINDING_COLUMNS)."""
    if found.empty:
        return empty_findings()
    src = prep.source
    found = found.reset_index(drop=True)
    pos = found["pos"].to_numpy(dtype=np.int64)
    n = len(pos)
    has_row = pos >= 0
    prov = _rows_at(src.provenance, pos, has_row)
    ids = _rows_at(src.record_ids().to_frame("id"), pos, has_row)["id"]
    # The few-valued columns are built as categoricals from codes (a map or factorise of a
    # million repeated strings per rule cost more than the rest of the row).
    codes, hit_fields = pd.factorize(found["field"])
    base = [BASE_FIELD.get(f, f) for f in hit_fields]
    field = pd.Series(category_from_codes(codes, base))
    column = category_from_codes(codes, [src.fields.get(f) for f in base])
    raw_value = pd.Series([None] * n, dtype="object")
    for f in dict.fromkeys(base):
        sel = (field == f).to_numpy() & has_row
        raw = src.field(f)
        if raw is not None and sel.any():
            raw_value[sel] = raw.iloc[pos[sel]].to_numpy(dtype=object, na_value=None)
    value = found["value"].where(found["value"].notna(), raw_value)
    zeros = np.zeros(n, dtype=np.int64)

    def nullable(s: pd.Series) -> pd.Series:
        s = s.astype("object")
        return s.where(s.notna() & pd.Series(has_row), None)

    frame = pd.DataFrame(
        {
            "code": category_from_codes(zeros, [rule.code]),
            "severity": found["severity"]
            if "severity" in found
            else category_from_codes(zeros, [rule.severity]),
            "dimension": category_from_codes(zeros, [rule.dimension]),
            "source": category_from_codes(zeros, [src.name]),
            "file": _file_column(prov["file"], has_row, src),
            "sheet": nullable(prov["sheet"]),
            "row": pd.array(np.where(has_row, prov["row"].to_numpy(), 0), dtype="Int64"),
            "record_id": nullable(ids),
            "field": field,
            "column": column,
            "value": value.astype(object).where(value.notna(), None),
            "suggestion": found["suggestion"]
            .astype(object)
            .where(found["suggestion"].notna(), None),
            "related": found["related"] if "related" in found else None,
        }
    )
    frame.loc[~has_row, "row"] = pd.NA
    params = {
        k: v for k, v in param_values(rule.params).items() if not isinstance(v, (list, dict))
    }
    columns = {
        **params,
        **{c: found[c] for c in found.columns if c not in ("pos",)},
        "value": frame["value"],
        "field": frame["field"],
        "column": frame["column"],
        "source": src.name,
        "suggestion": frame["suggestion"],
    }
    frame["message"] = render_messages(rule.message, columns, n)
    frame["pos"] = pos
    return compact_findings(frame[ALL_COLUMNS])


def with_positions(src: Source, findings: pd.DataFrame) -> pd.DataFrame:
    """Give findings made outside the engine (the loaders') their row position in the source."""
    out = findings.copy()
    prov = src.provenance.reset_index(drop=True)
    key = pd.MultiIndex.from_arrays([prov["file"].astype(object), prov["row"].astype("int64")])
    where = pd.Series(np.arange(len(prov)), index=key)
    rows = pd.to_numeric(out["row"], errors="coerce")
    lookup = pd.MultiIndex.from_arrays(
        [out["file"].astype(object), rows.fillna(-1).astype("int64")]
    )
    out["pos"] = where.reindex(lookup).fillna(-1).astype("int64").to_numpy()
    for c in ALL_COLUMNS:
        if c not in out:
            out[c] = None
    return out[ALL_COLUMNS]


def run_checks(
    preps: Sequence[Prepared], rules: Sequence[Rule[Any]], options: CheckOptions
) -> pd.DataFrame:
    """Every finding of every rule on every source, plus what the loaders reported."""
    return check_all(preps, rules, options)[0]


def check_all(
    preps: Sequence[Prepared],
    rules: Sequence[Rule],
    options: CheckOptions,
    keep: Collection[str] = (),
) -> tuple[pd.DataFrame, dict[str, dict[str, pd.DataFrame]]]:
    """`run_checks`, plus the hits of the rules in `keep` by source name and rule code, for
    a later step to read (the audit's checks step hands them on as `CheckHits`). The other
    hits live no longer than their source's findings."""
    kept: dict[str, dict[str, pd.DataFrame]] = {}
    frames: list[pd.DataFrame] = []
    runner: SuiteRunner | None = None
    needs_gx = any(r.engine == "gx" and r.enabled for r in rules)
    # The loader's own codes (rules/loader.yaml) are switched off like any rule.
    off = [r.code for r in rules if r.engine == "loader" and not r.enabled]
    for prep in preps:
        noted = prep.source.load_findings
        if noted is not None and off:
            noted = noted[~noted["code"].isin(off)]
        if noted is not None and len(noted):
            frames.append(with_positions(prep.source, noted))
        if needs_gx and runner is None:
            runner = shared_runner()
        found = check_source(prep, rules, options, runner)
        by_code = {r.code: r for r in rules}
        for code, h in found.items():
            if len(h):
                frames.append(to_findings(prep, by_code[code], h))
        kept[prep.source.name] = {code: found[code] for code in keep if code in found}
    return concat_findings([f[ALL_COLUMNS] for f in frames]), kept
