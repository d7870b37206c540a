"""The clean plan: what happens to every row and cell, decided before anything is written.

`plan_clean(audit, targets, decisions)` is pure: per source the cleaned columns (with the
rule of every change), each row's disposition (kept, merged into a named survivor, or
suppressed with a reason), the merge plan and the suppression list. `check_accounting`
proves every input row is accounted for exactly once; writers only format the plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import HygieneError
from ..normalize._arrow import empty_to_null
from ..normalize.nulls import trim
from ..prepared import Prepared
from .decisions import Decisions, resolve
from .merge import PlannedCluster, apply_separations, plan_merges
from .settings import CleanSettings, load_settings
from .suppress import Suppression, suppression_reasons
from .targets import Target
from .values import Column, Findings, Verdicts, fix_source

if TYPE_CHECKING:
    from ..audit import Audit

KEPT, MERGED, SUPPRESSED = 0, 1, 2
DISPOSITIONS = ("kept", "merged", "suppressed")
#: A Salesforce record id: 15 or 18 letters and digits.
_SF_ID = r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$"


class AccountingError(HygieneError):
    """The plan loses or doubles a row: a bug, never written out."""


@dataclass
class SourcePlan:
    """One source: cleaned columns, output headers and each row's disposition."""

    name: str
    platform: str
    target: Target
    prep: Prepared
    columns: dict[str, Column]
    #: Original column -> header in cleaned_<source>.csv.
    headers: dict[str, str]
    disposition: np.ndarray
    #: Position of the survivor a merged row folds into (-1 for other rows).
    survivor: np.ndarray
    suppression: Suppression
    clusters: list[PlannedCluster] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.disposition)

    @property
    def in_file(self) -> np.ndarray:
        """Rows written to cleaned_<source>.csv: kept ones, and for a CRM the suppressed
        ones too (updated there, and marked by importing suppression.csv)."""
        if self.target.is_esp:
            return self.disposition == KEPT
        return self.disposition != MERGED


@dataclass
class CleanPlan:
    """Everything `hygiene clean` writes, as data."""

    sources: list[SourcePlan]
    merge_plan: pd.DataFrame
    suppression: pd.DataFrame
    suppression_target: Target
    settings: CleanSettings
    decisions_applied: dict[str, int] = field(default_factory=dict)

    def source(self, name: str) -> SourcePlan:
        return next(s for s in self.sources if s.name == name)


def output_headers(prep: Prepared, target: Target) -> dict[str, str]:
    """Original column -> the target's header for its field (lookup fields only when they
    hold record ids), else the original name; clashes get " (2)"."""
    src = prep.source
    out: dict[str, str] = {}
    for name in src.data.columns:
        fld = src.columns.get(name)
        header = target.headers.get(fld) if fld else None
        if header and fld in target.id_fields and fld != "record_id":
            values = prep.value(fld)
            filled = values.dropna() if values is not None else pd.Series(dtype="str")
            if len(filled) == 0 or filled.str.match(_SF_ID).mean() < 0.9:
                header = None
        out[str(name)] = header or str(name)
    taken: set[str] = set()
    mapped_first = sorted(out, key=lambda c: src.columns.get(c) is None)
    for name in mapped_first:
        h, i = out[name], 2
        while h.casefold() in taken:
            h = f"{out[name]} ({i})"
            i += 1
        taken.add(h.casefold())
        out[name] = h
    return out


def verdicts_for(decisions: Decisions | None, preps: Sequence[Prepared]) -> dict[str, Verdicts]:
    """Accepted and rejected fixes as row masks per source (a decision whose value no longer
    matches the row's value is stale and ignored)."""
    out = {p.source.name: Verdicts(p.rows) for p in preps}
    if decisions is None:
        return out
    items = [("reject", f) for f in decisions.rejected_fixes]
    items += [("accept", f) for f in decisions.accepted_fixes]
    where = resolve([f.record for _, f in items], preps)
    by_name = {p.source.name: p for p in preps}
    for kind, f in items:
        positions = where.get(f.record, [])
        prep = by_name.get(f.record.source)
        if prep is None or not positions:
            continue
        raw = prep.raw(f.field)
        if raw is not None and f.value is not None:
            positions = [
                p
                for p in positions
                if pd.notna(raw.iloc[p]) and str(raw.iloc[p]).strip() == f.value.strip()
            ]
        if positions:
            out[f.record.source].add(kind, f.code, f.field, positions)
    return out


def _separations(decisions: Decisions | None, preps: Sequence[Prepared]) -> set[tuple]:
    if decisions is None or not decisions.keep_separate:
        return set()
    return set(decisions.exclude_pairs(preps))


def plan_clean(
    audit: Audit,
    targets: Mapping[str, Target],
    decisions: Decisions | None = None,
    settings: CleanSettings | None = None,
) -> CleanPlan:
    """Decide every row's and cell's fate; nothing is written."""
    settings = settings or load_settings()
    kinds = audit.kinds
    preps = [p for p in audit.prepared if kinds.get(p.source.name) != "reference"]
    by_name = {p.source.name: p for p in preps}
    verdicts = verdicts_for(decisions, preps)
    separate = _separations(decisions, preps)
    clusters = apply_separations(
        audit.match.clusters if audit.match is not None else [], separate, by_name
    )
    plans: list[SourcePlan] = []
    merge_rows: list[pd.DataFrame] = []
    for prep in preps:
        name = prep.source.name
        target = targets[name]
        found = Findings.of(audit.findings, name, prep.rows)
        columns = fix_source(prep, target, found, verdicts[name], settings)
        mine = [c for c in clusters if c.source == name]
        merges = plan_merges(mine, prep, columns, target)
        if len(merges.plan):
            merge_rows.append(merges.plan)
        inherited = merges.inherit
        email_col = prep.source.column_for("email")
        supp = suppression_reasons(
            prep,
            audit.findings,
            found,
            verdicts[name],
            settings,
            columns.get(email_col) if email_col else None,
            target.is_esp,
            inherited,
        )
        disposition = np.where(supp.mask, SUPPRESSED, KEPT).astype(np.int8)
        survivor = np.full(prep.rows, -1, dtype=np.int64)
        for c in mine:
            survivor[c.merged] = c.survivor
        disposition[survivor >= 0] = MERGED
        plans.append(
            SourcePlan(
                name,
                prep.source.platform,
                target,
                prep,
                columns,
                output_headers(prep, target),
                disposition,
                survivor,
                supp,
                mine,
            )
        )
    supp_target = next((p.target for p in plans if p.target.is_esp), None)
    supp_target = supp_target or (plans[0].target if plans else targets[next(iter(targets))])
    n_verdicts = sum(int(m.sum()) for v in verdicts.values() for m in v.rejected.values())
    n_accept = sum(int(m.sum()) for v in verdicts.values() for m in v.accepted.values())
    return CleanPlan(
        sources=plans,
        merge_plan=pd.concat(merge_rows, ignore_index=True) if merge_rows else pd.DataFrame(),
        suppression=suppression_frame(plans, settings),
        suppression_target=supp_target,
        settings=settings,
        decisions_applied={
            "keep_separate_pairs": len(separate),
            "rejected_fixes": n_verdicts,
            "accepted_fixes": n_accept,
        },
    )


def _email_values(sp: SourcePlan) -> tuple[pa.Array, pa.Array]:
    """(cleaned email, original email trimmed and lower-cased) per row, null where empty."""
    col_name = sp.prep.source.column_for("email")
    if col_name is None:
        none = pa.nulls(sp.rows, pa.string())
        return none, none
    col = sp.columns[col_name]
    original = empty_to_null(pc.utf8_lower(trim(col.original)))
    return col.value, original


def _take(arr: pa.Array, pos: np.ndarray) -> np.ndarray:
    """Values at `pos` as a numpy object array (None where null)."""
    return np.asarray(arr.take(pa.array(pos, pa.int64())).to_pylist(), dtype=object)


def suppression_frame(plans: Sequence[SourcePlan], settings: CleanSettings) -> pd.DataFrame:
    """One row per suppressed record, plus (where the target finds records by address) the
    old address of each fixed typo, so the ESP drops the misspelt member."""
    frames = []
    actions = {r: settings.action(r) for r in (*settings.reasons, "role", "missing")}
    for sp in plans:
        cleaned, original = _email_values(sp)
        prov = sp.prep.source.provenance
        files = prov["file"].to_numpy(dtype=object)
        rows = prov["row"].to_numpy(dtype=np.int64)
        ids_series = sp.prep.source.record_ids()
        pos = np.flatnonzero(sp.disposition == SUPPRESSED)
        ids = ids_series.iloc[pos].astype(object)
        now, before = _take(cleaned, pos), _take(original, pos)
        reason = sp.suppression.reason[pos]
        frames.append(pd.DataFrame({
            "email": np.where(pd.notna(now), now, before),
            "record_id": ids.where(ids.notna(), None).to_numpy(),
            "reason": reason,
            "reasons": sp.suppression.reasons[pos], "detail": sp.suppression.detail[pos],
            "action": pd.Series(reason, dtype=object).map(actions).to_numpy(),
            "source": sp.name, "file": files[pos], "row": rows[pos], "pos": pos,
        }))  # fmt: skip
        # An address fixed on a record the target finds by address: the old one is dropped.
        by_address = sp.target.key == "email" or bool(ids_series.isna().all())
        col_name = sp.prep.source.column_for("email")
        if by_address and col_name is not None:
            typo = (sp.columns[col_name].bits & _typo_bit()) != 0
            moved = np.flatnonzero(typo & (sp.disposition != MERGED))
            mids = ids_series.iloc[moved].astype(object)
            frames.append(pd.DataFrame({
                "email": _take(original, moved),
                "record_id": mids.where(mids.notna(), None).to_numpy(),
                "reason": "address_fixed", "reasons": "address_fixed",
                "detail": [f"replaced by {c}" for c in _take(cleaned, moved)],
                "action": settings.action("address_fixed"),
                "source": sp.name, "file": files[moved], "row": rows[moved], "pos": moved,
            }))  # fmt: skip
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["email", "record_id", "reason", "reasons", "detail",
                                     "action", "source", "file", "row", "pos"])  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _typo_bit() -> np.uint32:
    from .values import BIT

    return BIT["email.typo_domain"]


def check_accounting(plan: CleanPlan) -> dict[str, Any]:
    """Every input row kept, merged into a survivor that stays, or suppressed with a reason,
    exactly once; per source and per file. Raises AccountingError on any gap."""
    problems: list[str] = []
    out: dict[str, Any] = {"ok": True, "sources": []}
    supp = plan.suppression
    merged_in_plan: dict[str, list[int]] = {}
    if len(plan.merge_plan):
        for src, pos in zip(plan.merge_plan["source"], plan.merge_plan["_merged_pos"], strict=True):
            merged_in_plan.setdefault(str(src), []).extend(int(p) for p in pos)
    for sp in plan.sources:
        d = sp.disposition
        counts = {k: int((d == i).sum()) for i, k in enumerate(DISPOSITIONS)}
        total = sum(counts.values())
        if total != sp.rows:
            problems.append(f"{sp.name}: {sp.rows} rows in, {total} accounted for")
        merged = np.flatnonzero(d == MERGED)
        surv = sp.survivor[merged]
        if (surv < 0).any() or (d[surv[surv >= 0]] == MERGED).any():
            problems.append(f"{sp.name}: a merged row has no surviving record")
        listed = supp[(supp["source"] == sp.name) & (supp["reason"] != "address_fixed")]
        suppressed = np.flatnonzero(d == SUPPRESSED)
        if not np.array_equal(np.sort(listed["pos"].to_numpy(dtype=np.int64)), suppressed):
            problems.append(f"{sp.name}: suppressed rows and suppression.csv differ")
        if (sp.suppression.reason[suppressed] == "").any():
            problems.append(f"{sp.name}: a suppressed row has no reason")
        if sorted(merged_in_plan.get(sp.name, [])) != merged.tolist():
            problems.append(f"{sp.name}: merged rows and merge_plan.csv differ")
        per_file = []
        files = sp.prep.source.provenance["file"].astype(str).to_numpy(dtype=object)
        for f in pd.unique(files):
            sel = files == f
            per_file.append(
                {
                    "file": str(f),
                    "rows": int(sel.sum()),
                    **{k: int((d[sel] == i).sum()) for i, k in enumerate(DISPOSITIONS)},
                }
            )
        out["sources"].append(
            {
                "source": sp.name,
                "target": sp.target.name,
                "rows": sp.rows,
                **counts,
                "cleaned_rows": int(sp.in_file.sum()),
                "files": per_file,
            }
        )
    if problems:
        raise AccountingError(
            "the clean plan does not account for every row: " + "; ".join(problems)
        )
    return out


def safe_name(name: str) -> str:
    """A source name as part of a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "source"
