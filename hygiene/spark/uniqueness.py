"""Uniqueness on Spark: the duplicate clusters' share of the score, as the local score takes it.

The local score counts a cluster's redundant members (every member but the survivor,
`audit.duplicate_sets`) in the uniqueness dimension at the duplicate weight, and as a
"duplicates" blocker of the workflows that block on duplicates. Both are sums over records
of something a record's own findings decide (its worst weight; whether anything blocks it),
so the clusters change the score only on the redundant records. Those records are gathered
in batches with their findings (and their sources' whole-column findings, which weigh on
every record); each batch is scored by the checks' own `block_partial` with and without its
duplicates, and the difference is one more partial for `merge_partials` to add up.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..readiness import DuplicateSet
from .partition import CHUNK_ROWS, BlockJob, block_source
from .read import FILE, POS, ROW
from .score import block_partial

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from .match import SparkMatch
    from .sources import SparkSource

#: The findings columns the score reads.
SCORED_COLUMNS = ("code", "severity", "dimension", "source", "field", "pos")
BATCH = "_hygiene_dup_batch"


def duplicate_partials(
    contacts: Sequence[SparkSource],
    job: BlockJob,
    found: DataFrame,
    matched: SparkMatch,
    chunk_rows: int = CHUNK_ROWS,
) -> list[dict[str, Any]]:
    """The clusters' share of the score, as partials (see the module docstring): one per
    batch of redundant records. Only these partials (bounded per batch) and the sources'
    whole-column findings (bounded by their columns and rules) reach the driver."""
    from pyspark.sql import functions as F

    redundant = matched.members.filter(~F.col("survivor")).select(
        F.col("source").cast("string").alias("source"), F.col("row").cast("long").alias(POS)
    )
    n = int(redundant.count())
    if n == 0:
        return []
    batches = max(1, math.ceil(n / chunk_rows))
    names = [s.plan.name for s in contacts]
    scored = found.select(*SCORED_COLUMNS)
    whole = scored.filter(F.col("pos") < 0).toPandas()
    out = None
    for i, s in enumerate(contacts):
        mine = redundant.filter(F.col("source") == s.plan.name).select(POS)
        # Each side's batch made after its join: the cogroup's keys must be two columns.
        rows = s.frame.join(mine, POS).withColumn(BATCH, F.col(POS) % batches)
        findings = scored.filter((F.col("source") == s.plan.name) & (F.col("pos") >= 0)).join(
            mine.withColumnRenamed(POS, "pos"), "pos"
        ).withColumn(BATCH, F.col("pos") % batches)
        fn = _batch_partial(job, i, names, [c.headers for c in contacts], whole)
        part = rows.groupBy(BATCH).cogroup(findings.groupBy(BATCH)).applyInPandas(
            fn, "partial string"
        )
        out = part if out is None else out.unionByName(part)
    assert out is not None
    return [json.loads(r["partial"]) for r in out.collect()]


def _batch_partial(
    job: BlockJob, i: int, names: Sequence[str], headers: Sequence[tuple[str, ...]],
    whole: pd.DataFrame,
) -> Any:
    """The function scoring one batch of source `i`'s redundant records (applyInPandas)."""

    def per_batch(rows: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
        from .sources import quiet_pandas_warning

        quiet_pandas_warning()
        if len(rows) == 0:
            return pd.DataFrame({"partial": pd.Series([], dtype=object)})
        rows = rows.sort_values(POS).reset_index(drop=True)
        at = rows[POS].to_numpy(dtype=np.int64)
        sources = []
        for j, sj in enumerate(job.sources):
            pdf = rows if j == i else pd.DataFrame(
                {c: pd.Series([], dtype=object) for c in [*headers[j], FILE, ROW]}
            )
            sources.append(block_source(pdf, sj.plan, headers[j]))
        local = findings[list(SCORED_COLUMNS)].copy()
        local["pos"] = np.searchsorted(at, local["pos"].to_numpy(dtype=np.int64))
        scored = pd.concat([local, whole[whole["source"].isin(names)]], ignore_index=True)
        scored["pos"] = scored["pos"].astype("int64")
        dup = [DuplicateSet(names[i], np.arange(len(rows), dtype=np.int64))]
        without = block_partial(scored, sources, job)
        with_dup = block_partial(scored, sources, job, dup)
        return pd.DataFrame({"partial": [json.dumps(difference(with_dup, without))]})

    return per_batch


def difference(after: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """`after - before` of two partials of the same records: what `merge_partials` adds up
    (the counts of records are the same on both sides, so they add nothing)."""
    workflows = {}
    for name, w in after["workflows"].items():
        b = before["workflows"][name]
        had = {tuple(d[:4]): int(d[4]) for d in b["details"]}
        got = {tuple(d[:4]): int(d[4]) for d in w["details"]}
        details = [[*k, got.get(k, 0) - had.get(k, 0)] for k in dict.fromkeys([*got, *had])]
        workflows[name] = {
            "records": 0,
            "blocked": int(w["blocked"]) - int(b["blocked"]),
            "details": [d for d in details if d[4]],
        }
    return {
        "rows": 0,
        "penalties": {d: float(p) - float(before["penalties"][d])
                      for d, p in after["penalties"].items()},
        "reachable": 0,
        "records": 0,
        "no_channel": list(after["no_channel"]),
        "workflows": workflows,
    }
