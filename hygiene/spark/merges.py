"""The Spark matcher's clusters as the clean merges them: each member with its cluster's
confidence, evidence and survivor's reason (what the local clean's merge_plan shows), the
evidence worded per batch of clusters on the executors (`match.evidence_words`)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..match.features import MATCH_COLUMNS
from .evidence import evidence_words
from .match import CLUSTERS_PER_BATCH, SparkMatch
from .match_rows import GID, comparisons

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

BATCH = "_hygiene_cluster_batch"


def merge_clusters(result: SparkMatch) -> DataFrame:
    """(cluster, source, row, survivor, confidence, evidence: array<string>,
    survivor_reason): the frame `hygiene.spark.clean` takes as `clusters`."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    batches = max(1, math.ceil(result.count / CLUSTERS_PER_BATCH))
    offset = F.create_map(*[x for n, o in result.offsets.items() for x in (F.lit(n), F.lit(o))])
    members = result.members.select(
        F.col("cluster").cast("long").alias("cluster"), F.col("source").cast("string"),
        F.col("row").cast("long"), F.col("survivor").cast("boolean"), F.col("reason"),
    ).withColumn(GID, offset[F.col("source")] + F.col("row"))
    whole = Window.partitionBy("cluster")
    members = members.withColumn(
        "survivor_reason", F.max(F.when(F.col("survivor"), F.col("reason"))).over(whole)
    ).drop("reason")
    ends = members.select(GID, "cluster")
    g_cols = [f"g_{c.name}" for c in result.comps]
    edges = (
        result.edges.select("lo", "hi", "prob", "weight", "lifted", "swap", *g_cols)
        .join(ends.withColumnRenamed(GID, "lo"), "lo")
        .join(ends.select(F.col(GID).alias("hi"), F.col("cluster").alias("c_hi")), "hi")
        .filter(F.col("cluster") == F.col("c_hi")).drop("c_hi")
        .withColumn(BATCH, F.col("cluster") % batches)
    )
    # Its own names for the cluster and batch: the cogroup's two sides come from one frame
    # (`ends`), and Spark refuses a column both sides share.
    recs = result.records.select(GID, *MATCH_COLUMNS).join(
        ends.select(GID, F.col("cluster").alias("_cluster")), GID
    ).withColumn("_batch", F.col("_cluster") % batches)
    # By name: a comparison holds compiled scorers, rebuilt on each executor.
    names = tuple(c.name for c in result.comps)
    has, freemail = dict(result.has), result.freemail

    def worded(edge_pdf: pd.DataFrame, rec_pdf: pd.DataFrame) -> pd.DataFrame:
        from .sources import quiet_pandas_warning

        quiet_pandas_warning()
        if len(rec_pdf) == 0:
            return pd.DataFrame({"cluster": pd.Series([], dtype="int64"),
                                 "evidence": pd.Series([], dtype=object)})
        cluster_of = dict(zip(rec_pdf[GID].astype(int).tolist(),
                              rec_pdf["_cluster"].astype(int).tolist(), strict=True))
        words = evidence_words(edge_pdf.drop(columns=["cluster", BATCH]),
                               rec_pdf.drop(columns=["_cluster", "_batch"]), cluster_of,
                               comparisons(names), has, freemail)
        got = sorted(set(cluster_of.values()))
        return pd.DataFrame({"cluster": got,
                             "evidence": [json.dumps(words.get(c, [])) for c in got]})

    evidence = edges.groupBy(BATCH).cogroup(recs.groupBy("_batch")).applyInPandas(
        worded, "cluster long, evidence string"
    ).select("cluster", F.from_json("evidence", "array<string>").alias("evidence"))
    return (
        members.join(result.confidence, "cluster", "left")
        .join(evidence, "cluster", "left")
        .select("cluster", "source", "row", "survivor", "confidence", "evidence",
                "survivor_reason")
    )


__all__: list[Any] = ["merge_clusters"]
