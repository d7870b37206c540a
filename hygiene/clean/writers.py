"""Writers of `hygiene clean`'s outputs; each only formats the plan.

One registry, like the report writers: output -> writer. What differs between targets
(headers, value forms, the suppression columns, the merge calls) is data in
rules/targets/*.yaml, already applied by the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..normalize._arrow import empty_to_null, flat
from ..normalize.base import TEXT, arrow
from .csvout import Staging, table
from .plan import CleanPlan, SourcePlan, safe_name
from .values import rule_labels

Writer = Callable[[CleanPlan, Path, Staging, dict[str, Any]], list[Path]]

SUMMARY_SCHEMA = "hygiene.clean/1"
MERGE_COLUMNS = (
    "cluster", "source", "survivor_id", "survivor_file", "survivor_row", "merged_ids",
    "merged_rows", "merged_files", "confidence", "survivor_reason", "evidence", "action",
    "merge_calls", "fields",
)  # fmt: skip
CHANGE_COLUMNS = ("source", "file", "row", "record_id", "column", "old", "new", "rule")
#: suppression.csv: every suppressed record (and old address of a fixed typo) with why.
SUPPRESSION_COLUMNS = {
    "Email": "email", "Action": "action", "Reason": "reason", "Reasons": "reasons",
    "Detail": "detail", "Source": "source", "Target": "target", "File": "file", "Row": "row",
    "Record ID": "record_id",
}  # fmt: skip


def text_array(values: Any) -> pa.Array:
    """Any column as a pyarrow string array (missing and "" both empty), vectorised."""
    s = pd.Series(values)
    if len(s) == 0:
        return pa.array([], pa.string())
    return empty_to_null(flat(arrow(s.astype(TEXT))))


def _repeat(value: str, n: int) -> pa.Array:
    """`value` n times, without a Python list of n items."""
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


def cleaned_table(sp: SourcePlan) -> pa.Table:
    """cleaned_<source>.csv: the rows the target imports, under the target's headers."""
    keep = pa.array(np.flatnonzero(sp.in_file))
    return table({sp.headers[name]: col.value.take(keep) for name, col in sp.columns.items()})


def write_cleaned(plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]) -> list[Path]:
    paths = []
    for sp in plan.sources:
        path = out / f"cleaned_{safe_name(sp.name)}.csv"
        data = cleaned_table(sp)
        info.setdefault("cleaned_rows", {})[sp.name] = data.num_rows
        paths.append(staging.write_csv(path, data))
    return paths


def write_merge_plan(
    plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]
) -> list[Path]:
    frame = plan.merge_plan
    cols = {c: text_array(frame[c] if c in frame else []) for c in MERGE_COLUMNS}
    return [staging.write_csv(out / "merge_plan.csv", table(cols))]


def suppression_table(plan: CleanPlan) -> pa.Table:
    """suppression.csv: one row per suppressed record of every source, with the reason, the
    target it goes to, and where it came from (the import files are per target)."""
    frame = plan.suppression
    return table({header: text_array(frame[what]) for header, what in SUPPRESSION_COLUMNS.items()})


def suppression_file(target: str) -> str:
    return f"suppression_{safe_name(target)}.csv"


def reason_rank(plan: CleanPlan, reasons: pd.Series) -> np.ndarray:
    """Position of each reason in rules/clean.yaml's order (the first wins an address)."""
    order = {r: i for i, r in enumerate(plan.settings.reasons)}
    return reasons.map(lambda r: order.get(r, len(order))).to_numpy(dtype=np.int64)


def target_suppression(plan: CleanPlan, name: str) -> pd.DataFrame:
    """The rows of suppression_<target>.csv as a frame of the ledger's columns: each address
    once with the action of its first reason (a target keyed on records: each of its own
    records once, one action per address), only rows with an address and an action."""
    frame = plan.suppression
    fmt = plan.suppression_targets[name].suppression
    # A target that names its actions takes only those (HubSpot's opt-out list: opt-outs).
    wanted = frame["action"].isin(list(fmt.actions)) if fmt.actions else frame["action"] != "skip"
    frame = frame[(frame["target"] == name) & wanted]
    email = frame["email"].astype(object)
    frame = frame[email.notna() & (email.astype(str).str.strip() != "")].copy()
    if not len(frame):
        return frame
    frame["_address"] = frame["email"].astype(str).str.strip().str.lower()
    frame["_rank"] = reason_rank(plan, frame["reason"].astype(object))
    frame = frame.sort_values("_rank", kind="stable")
    if fmt.key == "record_id":
        # An update of the target's own records. A record with another system's id is a
        # create in cleaned_<source>.csv, already marked there: listing it here would create
        # it twice.
        frame = frame[frame["own_id"].astype(bool) & frame["record_id"].notna()].copy()
        frame["_key"] = frame["record_id"].astype(str)
        first_action = frame.drop_duplicates("_address").set_index("_address")["action"]
        frame["action"] = frame["_address"].map(first_action)
    else:
        frame["_key"] = frame["_address"]
    return frame.drop_duplicates("_key").sort_index()


def target_suppression_table(plan: CleanPlan, name: str) -> pa.Table:
    """suppression_<target>.csv in the target's own import format (rules/targets)."""
    frame = target_suppression(plan, name)
    fmt = plan.suppression_targets[name].suppression
    own = frame["own_id"].astype(bool).to_numpy() if len(frame) else np.zeros(0, dtype=bool)
    ids = np.asarray(frame["record_id"].astype(object), dtype=object)
    nothing = np.full(len(frame), None, dtype=object)
    cols: dict[str, pa.Array] = {}
    for header, what in fmt.columns.items():
        if what.startswith("="):
            cols[header] = _repeat(what[1:], len(frame))
        elif what == "record_id":
            cols[header] = text_array(np.where(own, ids, nothing))
        elif what == "original_id":
            cols[header] = text_array(np.where(own, nothing, ids))
        elif what == "action":
            cols[header] = text_array(frame["action"].map(lambda a: fmt.actions.get(a, a)))
        elif what == "email":
            cols[header] = text_array(frame["email"])
        else:
            cols[header] = field_values(plan, frame, what)
    return table(cols)


def field_values(plan: CleanPlan, frame: pd.DataFrame, fld: str) -> pa.Array:
    """The cleaned value of canonical field `fld` on each suppression row's record."""
    out = np.full(len(frame), None, dtype=object)
    for sp in plan.sources:
        sel = (frame["source"] == sp.name).to_numpy()
        col = sp.prep.source.column_for(fld)
        if not sel.any() or col is None:
            continue
        pos = frame["pos"].to_numpy(dtype=np.int64)[sel]
        out[sel] = sp.columns[col].value.take(pa.array(pos)).to_pylist()
    return text_array(out)


def write_suppression(
    plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]
) -> list[Path]:
    paths = [staging.write_csv(out / "suppression.csv", suppression_table(plan))]
    for name in plan.suppression_targets:
        data = target_suppression_table(plan, name)
        info.setdefault("suppression_files", {})[name] = {
            "file": suppression_file(name),
            "rows": data.num_rows,
            "how": plan.suppression_targets[name].suppression.how,
        }
        paths.append(staging.write_csv(out / suppression_file(name), data))
    return paths


def changes_table(plan: CleanPlan) -> pa.Table:
    """changes.csv: one row per changed cell, by source, row, then column order."""
    parts = []
    for si, sp in enumerate(plan.sources):
        prov = sp.prep.source.provenance
        files = prov["file"].astype(str).to_numpy(dtype=object)
        rows = prov["row"].to_numpy(dtype=np.int64)
        id_series = sp.prep.source.record_ids().astype(object)
        ids = id_series.where(id_series.notna(), None).to_numpy(dtype=object)
        for k, (name, col) in enumerate(sp.columns.items()):
            pos = np.flatnonzero(col.bits)
            if not len(pos):
                continue
            at = pa.array(pos)
            parts.append(
                pa.table(
                    {
                        "source": pa.array([sp.name] * len(pos), pa.string()),
                        "file": pa.array(files[pos].tolist(), pa.string()),
                        "row": pa.array(rows[pos]),
                        "record_id": text_array(ids[pos]),
                        "column": pa.array([name] * len(pos), pa.string()),
                        "old": col.original.take(at),
                        "new": col.value.take(at),
                        "rule": pa.array(rule_labels(col.bits[pos]).tolist(), pa.string()),
                        "_order": pa.array(pos * 1000 + k),
                        "_source": pa.array(np.full(len(pos), si)),
                    }
                )
            )
    if not parts:
        return table({c: pa.array([], pa.string()) for c in CHANGE_COLUMNS})
    data = pa.concat_tables(parts).sort_by([("_source", "ascending"), ("_order", "ascending")])
    return table({c: data[c].cast(pa.string()) for c in CHANGE_COLUMNS})


def write_changes(plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]) -> list[Path]:
    data = changes_table(plan)
    info["changes"] = data.num_rows
    rules = pd.Series(data["rule"].to_pylist(), dtype=object).value_counts()
    info["changes_by_rule"] = {str(k): int(v) for k, v in rules.items()}
    return [staging.write_csv(out / "changes.csv", data)]


def write_summary(plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]) -> list[Path]:
    text = json.dumps(summary_dict(plan, info), ensure_ascii=False, indent=1) + "\n"
    return [staging.write_text(out / "clean_summary.json", text)]


def summary_dict(plan: CleanPlan, info: dict[str, Any]) -> dict[str, Any]:
    """clean_summary.json: the accounting, and what the clean changed, merged, suppressed."""
    supp = plan.suppression
    return {
        "schema": SUMMARY_SCHEMA,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "targets": {sp.name: sp.target.name for sp in plan.sources},
        "suppression_files": info.get("suppression_files", {}),
        "accounting": info.get("accounting", {}),
        "clusters": int(len(plan.merge_plan)),
        "suppressed_by_reason": {str(k): int(v) for k, v in supp["reason"].value_counts().items()},
        "changes": info.get("changes", 0),
        "changes_by_rule": info.get("changes_by_rule", {}),
        "decisions": plan.decisions_applied,
        "suppress_roles": plan.settings.suppress_roles,
        "left_out_columns": {sp.name: list(sp.left_out) for sp in plan.sources if sp.left_out},
        "files": info.get("files", []),
    }


def writers() -> dict[str, Writer]:
    """Output -> writer, in the order they run (the summary last: it reports the others)."""
    return {
        "cleaned": write_cleaned,
        "merge_plan": write_merge_plan,
        "suppression": write_suppression,
        "changes": write_changes,
        "summary": write_summary,
    }
