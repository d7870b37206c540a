"""audit.json's `duplicates` on Spark: the first clusters in full, as `match.records` writes
them, read on the driver from the matcher's clusters and edges (only those clusters')."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..match.features import MATCH_COLUMNS
from .evidence import evidence_words
from .match_rows import GID

if TYPE_CHECKING:
    from .match import SparkMatch

#: Clusters given in full in audit.json (all of them are in the clusters output).
SAMPLE_CLUSTERS = 200


def sample_records(result: SparkMatch, limit: int = SAMPLE_CLUSTERS) -> list[dict[str, Any]]:
    """audit.json `duplicates` for the first `limit` clusters, as `match.records` writes
    them (members with file, row and record id; confidence; survivor and why; evidence)."""
    from pyspark.sql import functions as F

    if result.count == 0:
        return []
    members = (
        result.members.filter(F.col("cluster") <= limit)
        .join(result.confidence, "cluster").orderBy("cluster", "row").toPandas()
    )
    words = _evidence(result, members)
    out = []
    for cid, part in members.groupby("cluster", sort=True):
        refs = [
            {"source": str(src), "file": str(file), "row": int(row),
             "record_id": None if pd.isna(rid) else str(rid)}
            for src, file, row, rid in zip(
                part["source"], part["file"], part["file_row"], part["record_id"], strict=True
            )
        ]
        flags = part["survivor"].to_numpy(dtype=bool)
        at = int(np.flatnonzero(flags)[0])
        conf = float(part["confidence"].to_numpy(dtype=np.float64)[at])
        number = int(np.asarray(cid).item())
        out.append({
            "cluster": number,
            "confidence": round(round(conf, 4), 3),
            "members": refs,
            "survivor": {**refs[at], "reason": str(part["reason"].iloc[at]),
                         "rule": str(part["rule"].iloc[at])},
            "evidence": words.get(number, []),
        })
    return out


def _evidence(result: SparkMatch, members: pd.DataFrame) -> dict[int, list[str]]:
    """Each sampled cluster's evidence, as `grouping._clusters` words it: the words of each
    member's strongest in-cluster edge, those edges weakest first, each word once. Only the
    sampled clusters' records and edges are read."""

    spark = result.members.sparkSession
    gid = members["source"].map(result.offsets).to_numpy(dtype=np.int64) + members[
        "row"
    ].to_numpy(dtype=np.int64)
    cluster_of = dict(zip(gid.tolist(), members["cluster"].astype(int).tolist(), strict=True))
    picked = spark.createDataFrame(pd.DataFrame({GID: np.unique(gid)}))
    g_cols = [f"g_{c.name}" for c in result.comps]
    edges = (
        result.edges.join(picked.withColumnRenamed(GID, "lo"), "lo")
        .join(picked.withColumnRenamed(GID, "hi"), "hi")
        .select("lo", "hi", "prob", "weight", "lifted", "swap", *g_cols)
        .toPandas()
    )
    recs = result.records.join(picked, GID).select(GID, *MATCH_COLUMNS).toPandas()
    return evidence_words(edges, recs, cluster_of, result.comps, result.has, result.freemail)
