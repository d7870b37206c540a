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
#: suppression.csv's explanation columns, after the target's own.
SUPPRESSION_TAIL = {
    "Reason": "reason", "Reasons": "reasons", "Detail": "detail", "Source": "source",
    "File": "file", "Row": "row", "Record ID": "record_id",
}  # fmt: skip


def _text(values: Any) -> pa.Array:
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
    cols = {c: _text(frame[c] if c in frame else []) for c in MERGE_COLUMNS}
    return [staging.write_csv(out / "merge_plan.csv", table(cols))]


def suppression_table(plan: CleanPlan) -> pa.Table:
    """suppression.csv: the target's import columns first, then why and where from."""
    frame = plan.suppression
    cols: dict[str, pa.Array] = {}
    for header, what in plan.suppression_target.suppression.items():
        if what.startswith("="):
            cols[header] = _text([what[1:]] * len(frame))
        else:
            cols[header] = _text(frame[what])
    for header, what in SUPPRESSION_TAIL.items():
        if header not in cols:
            cols[header] = _text(frame[what])
    return table(cols)


def write_suppression(
    plan: CleanPlan, out: Path, staging: Staging, info: dict[str, Any]
) -> list[Path]:
    return [staging.write_csv(out / "suppression.csv", suppression_table(plan))]


def changes_table(plan: CleanPlan) -> pa.Table:
    """changes.csv: one row per changed cell, by source, row, then column order."""
    parts = []
    for si, sp in enumerate(plan.sources):
        prov = sp.prep.source.provenance
        files = prov["file"].astype(str).to_numpy(dtype=object)
        rows = prov["row"].to_numpy(dtype=np.int64)
        ids = sp.prep.source.record_ids().astype(object)
        ids = ids.where(ids.notna(), None).to_numpy(dtype=object)
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
                        "record_id": _text(ids[pos]),
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
        "suppression_format": plan.suppression_target.name,
        "accounting": info.get("accounting", {}),
        "clusters": int(len(plan.merge_plan)),
        "suppressed_by_reason": {str(k): int(v) for k, v in supp["reason"].value_counts().items()},
        "changes": info.get("changes", 0),
        "changes_by_rule": info.get("changes_by_rule", {}),
        "decisions": plan.decisions_applied,
        "suppress_roles": plan.settings.suppress_roles,
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
