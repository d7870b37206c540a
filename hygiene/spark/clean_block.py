"""What runs on one group of rows for `hygiene.spark.clean`: the local clean's own plan
(`hygiene.clean.plan.plan_prepared`: value fixes, merges, suppression, opt-out marking) on
the group's rows of every source, with the audit's findings on those rows.

A group holds whole duplicate clusters (a clustered row goes with its survivor), so a merge
sees every member. Whole-source facts come from the driver: the checks' (`SourceFacts`, set
on the block's `Prepared`) and the plan's (`whole_counts`: which headers and ids a target
takes). Each group returns its output rows, one wide frame of text (see `OUT_SCHEMA`), and
one row of counts (`partial`) that add up to the accounting.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from ..checks.rules import Rule
from ..clean.plan import CleanPlan, check_accounting, plan_prepared
from ..clean.settings import CleanSettings
from ..clean.targets import Target
from ..clean.writers import (
    CHANGE_COLUMNS,
    MERGE_COLUMNS,
    SUPPRESSION_COLUMNS,
    changes_table,
    field_values,
    reason_rank,
    text_array,
)
from ..match import Cluster
from .partition import SOURCE_NO, SourceJob, block_source, prefixed, seeded
from .read import POS

#: The group a row is planned in, and the columns a row takes from the clusters frame.
GROUP = "_hygiene_group"
CLUSTER = "_hygiene_cluster"
SURVIVOR = "_hygiene_survivor"
CONFIDENCE = "_hygiene_confidence"
EVIDENCE = "_hygiene_evidence"
REASON = "_hygiene_reason"
CLUSTER_COLUMNS = (CLUSTER, SURVIVOR, CONFIDENCE, EVIDENCE, REASON)
#: CLUSTER of a row in no cluster (a long column without nulls reaches pandas as int64).
NO_CLUSTER = -(2**63)

#: A finding's place in the order its bucket gave the findings (the local engine's per row).
FOUND_ORDER = "_hygiene_found"
#: Output rows: what each is, its source and position (for order), then the columns.
KIND, ORDER = "_kind", "_order"
LEDGER = tuple(f"s_{what}" for what in SUPPRESSION_COLUMNS.values())
#: Ledger columns the per-target suppression files read, beyond suppression.csv's.
LEDGER_EXTRA = ("s_address", "s_own_id", "s_rank", "s_part", "s_pos")
MERGE = tuple(f"m_{c}" for c in MERGE_COLUMNS)
CHANGE = tuple(f"c_{c}" for c in CHANGE_COLUMNS)
LONGS = (SOURCE_NO, POS, ORDER, "s_own_id", "s_rank", "s_part", "s_pos")


def slot(i: int, k: int) -> str:
    """Column k of source i's cleaned file in the wide output frame."""
    return f"o{i}_{k}"


def field_slot(fld: str) -> str:
    return f"f_{fld}"


@dataclass(frozen=True)
class CleanSource:
    """One contact source as a group's plan needs it."""

    job: SourceJob
    target: Target
    #: `whole_counts` of the whole source.
    counts: dict[str, int]
    #: Headers cleaned_<source> may have, in order (opt-out columns a target adds included).
    headers: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.job.plan.name


@dataclass(frozen=True)
class CleanJob:
    sources: tuple[CleanSource, ...]
    rules: tuple[Rule, ...]
    settings: CleanSettings
    #: Canonical fields the targets' suppression files show (their cleaned values).
    fields: tuple[str, ...]

    def columns(self) -> list[str]:
        cols = [KIND, SOURCE_NO, POS, ORDER]
        for i, cs in enumerate(self.sources):
            cols += [slot(i, k) for k in range(len(cs.headers))]
        cols += [*LEDGER, *LEDGER_EXTRA, *(field_slot(f) for f in self.fields)]
        return [*cols, *MERGE, *CHANGE, "partial"]

    def schema(self) -> str:
        return ", ".join(f"`{c}` {'long' if c in LONGS else 'string'}" for c in self.columns())


def group_clusters(block: pd.DataFrame, source: str) -> list[Cluster]:
    """The clusters of one source's rows in a group, members as positions in the block."""
    ids = block[CLUSTER].to_numpy(dtype=np.int64)
    if not (ids != NO_CLUSTER).any():
        return []
    out = []
    for cid, members in block[ids != NO_CLUSTER].groupby(CLUSTER, sort=True):
        at = members.index.to_numpy(dtype=np.int64)
        surv = at[members[SURVIVOR].astype(bool).to_numpy()]
        first = members.iloc[0]
        confidence = first[CONFIDENCE]
        evidence = first[EVIDENCE]
        out.append(Cluster(
            id=int(cast(Any, cid)), source=source, members=sorted(at.tolist()),
            confidence=float(confidence) if pd.notna(confidence) else float("nan"),
            survivor=int(surv[0]),
            evidence=json.loads(evidence) if isinstance(evidence, str) else [],
            survivor_reason=str(first[REASON]) if pd.notna(first[REASON]) else "",
        ))  # fmt: skip
    return out


def clean_group(rows: pd.DataFrame, found: pd.DataFrame, job: CleanJob) -> pd.DataFrame:
    """Plan one group and return its output rows plus one partial row (see module doc)."""
    preps, where, numbers, clusters = [], {}, {}, []
    for i, cs in enumerate(job.sources):
        part = rows[rows[SOURCE_NO] == i]
        if not len(part):
            continue
        part = part.sort_values(POS, kind="stable").reset_index(drop=True)
        block = part.rename(columns={prefixed(i, c): c for c in cs.job.headers})
        preps.append(seeded(block_source(block, cs.job.plan, cs.job.headers), cs.job))
        where[cs.name] = part[POS].to_numpy(dtype=np.int64)
        numbers[cs.name] = i
        clusters += group_clusters(block, cs.name)
    findings = local_findings(found, where)
    by_name = {cs.name: cs for cs in job.sources}
    plan = plan_prepared(
        preps, findings, job.rules, clusters, {n: by_name[n].target for n in where}, None,
        job.settings, {n: by_name[n].counts for n in where},
    )
    accounting = check_accounting(plan)
    parts = [
        *cleaned_rows(plan, job, where, numbers),
        ledger_rows(plan, job, where, numbers),
        merge_rows(plan, where, numbers),
    ]
    changes = changes_table(plan)
    parts.append(change_rows(changes, where, numbers))
    partial = {
        "accounting": accounting["sources"],
        "reasons": dict(Counter(str(r) for r in plan.suppression["reason"])),
        "changes_by_rule": dict(Counter(changes["rule"].to_pylist())),
        "clusters": int(len(plan.merge_plan)),
        "headers": {str(numbers[sp.name]): [sp.headers[c] for c in sp.columns]
                    for sp in plan.sources},
        "left_out": {sp.name: list(sp.left_out) for sp in plan.sources if sp.left_out},
    }
    parts.append(pd.DataFrame({KIND: ["partial"], "partial": [json.dumps(partial)]}))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out = out.reindex(columns=job.columns())
    for c in out.columns:
        if c in LONGS:
            out[c] = out[c].fillna(-1).astype("int64")
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def local_findings(found: pd.DataFrame, where: dict[str, np.ndarray]) -> pd.DataFrame:
    """The group's row findings with `pos` into the group's block of their source."""
    out = found.sort_values(FOUND_ORDER, kind="stable") if FOUND_ORDER in found else found
    out = out.reset_index(drop=True)
    pos = out["pos"].to_numpy(dtype=np.int64)
    local = np.full(len(out), -1, dtype=np.int64)
    for name, rows in where.items():
        sel = (out["source"] == name).to_numpy()
        at = np.searchsorted(rows, pos[sel])
        if (at >= len(rows)).any() or (rows[np.minimum(at, len(rows) - 1)] != pos[sel]).any():
            raise RuntimeError(f"{name}: a finding's row is not in its group")
        local[sel] = at
    out["pos"] = local
    return out[local >= 0].reset_index(drop=True)


def _strings(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_pylist(), dtype=object)


def cleaned_rows(
    plan: CleanPlan, job: CleanJob, where: dict[str, np.ndarray], numbers: dict[str, int]
) -> list[pd.DataFrame]:
    """The rows of each cleaned file, under the slots of their headers."""
    out = []
    for sp in plan.sources:
        i = numbers[sp.name]
        slots = {h: slot(i, k) for k, h in enumerate(job.sources[i].headers)}
        keep = np.flatnonzero(sp.in_file)
        at = pa.array(keep, pa.int64())
        frame = {KIND: "cleaned", SOURCE_NO: i, POS: where[sp.name][keep]}
        for name, col in sp.columns.items():
            header = sp.headers[name]
            if header not in slots:
                raise RuntimeError(f"{sp.name}: header {header!r} not planned on the driver")
            frame[slots[header]] = _strings(col.value.take(at))
        out.append(pd.DataFrame(frame, index=pd.RangeIndex(len(keep))))
    return out


def ledger_rows(
    plan: CleanPlan, job: CleanJob, where: dict[str, np.ndarray], numbers: dict[str, int]
) -> pd.DataFrame:
    """suppression.csv's rows, with what the per-target files choose and show by."""
    frame = plan.suppression
    if not len(frame):
        return pd.DataFrame()
    n = len(frame)
    source = frame["source"].astype(str).to_numpy(dtype=object)
    local = frame["pos"].to_numpy(dtype=np.int64)
    pos = np.array([where[s][p] for s, p in zip(source, local, strict=True)], dtype=np.int64)
    out = {KIND: np.full(n, "suppression", dtype=object),
           SOURCE_NO: [numbers[s] for s in source], POS: pos}
    for what in SUPPRESSION_COLUMNS.values():
        out[f"s_{what}"] = _strings(text_array(frame[what]))
    # Per-target files: each address once (target_suppression), so its key is kept unescaped.
    email = frame["email"].astype(object)
    addressed = email.notna() & (email.astype(str).str.strip() != "")
    address = email.astype(str).str.strip().str.lower().where(addressed, None)
    out["s_address"] = address.to_numpy(dtype=object)
    out["s_own_id"] = frame["own_id"].astype(bool).astype("int64").to_numpy()
    out["s_rank"] = reason_rank(plan, frame["reason"].astype(object))
    out["s_part"] = (frame["reason"] == "address_fixed").astype("int64").to_numpy()
    out["s_pos"] = pos
    for fld in job.fields:
        out[field_slot(fld)] = _strings(field_values(plan, frame, fld))
    return pd.DataFrame(out)


def merge_rows(
    plan: CleanPlan, where: dict[str, np.ndarray], numbers: dict[str, int]
) -> pd.DataFrame:
    frame = plan.merge_plan
    if not len(frame):
        return pd.DataFrame()
    source = frame["source"].astype(str).to_numpy(dtype=object)
    surv = frame["_survivor_pos"].to_numpy(dtype=np.int64)
    out: dict[str, Any] = {
        KIND: "merge", SOURCE_NO: [numbers[s] for s in source],
        POS: [where[s][p] for s, p in zip(source, surv, strict=True)],
    }
    for c in MERGE_COLUMNS:
        out[f"m_{c}"] = _strings(text_array(frame[c]))
    if "confidence" in frame:
        # A clusters frame without a confidence column: the cell is empty, never "nan".
        conf = pd.to_numeric(frame["confidence"], errors="coerce")
        out["m_confidence"] = np.where(conf.isna(), None, out["m_confidence"])
    return pd.DataFrame(out)


def change_rows(
    changes: pa.Table, where: dict[str, np.ndarray], numbers: dict[str, int]
) -> pd.DataFrame:
    """changes.csv's rows; ordered by each row's position in its source, then column."""
    n = changes.num_rows
    if not n:
        return pd.DataFrame()
    out: dict[str, Any] = {KIND: np.full(n, "change", dtype=object)}
    for c in CHANGE_COLUMNS:
        out[f"c_{c}"] = _strings(changes[c])
    source = out["c_source"]
    out[SOURCE_NO] = [numbers[s] for s in source]
    # changes_table lists each row's columns in order: the order within a row is kept.
    out[ORDER] = np.arange(n, dtype=np.int64)
    # Ordered on output by source, file, row, then this order (the columns' within a row).
    out[POS] = changes["row"].to_numpy()
    return pd.DataFrame(out)
