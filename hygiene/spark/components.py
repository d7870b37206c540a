"""Connected components on Spark, without a graph library or an extra jar: label
propagation, each node taking the smallest label among itself and its neighbours until
no label changes (the local `cluster.components` gives the same labels: the smallest node
of each component). The labels are checkpointed every few rounds so the plan of a long
propagation does not grow without end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Rounds between checkpoints of the labels (the checkpoint directory must be set).
CHECKPOINT_EVERY = 4
#: A chain of n nodes needs about n rounds: far beyond any duplicate cluster.
MAX_ROUNDS = 10_000


def label_propagation(
    edges: DataFrame, checkpoint_every: int = CHECKPOINT_EVERY
) -> DataFrame:
    """(node, label) for every node of the undirected `edges` (columns a, b: longs), the
    label being the smallest node of the node's component. Checkpoints need
    `spark.sparkContext.setCheckpointDir` to have been called."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    both = (
        edges.select(F.col("a").alias("node"), F.col("b").alias("other"))
        .unionByName(edges.select(F.col("b").alias("node"), F.col("a").alias("other")))
        .filter(F.col("node") != F.col("other"))
        .distinct()
        # A leaf: every round's plan holds the edges several times over, and with them the
        # whole lineage of the edges (a source's reading and checks); Spark renders each
        # plan as text on every adaptive update, which ran out of heap at 20,000 rows.
        .checkpoint(eager=True)
    )
    # Start from each node's smallest neighbour: one round saved.
    labels = (
        both.groupBy("node").agg(F.min("other").alias("m"))
        .select("node", F.least("m", "node").alias("label"))
        .checkpoint(eager=True)
    )
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        offered = both.join(labels.withColumnRenamed("node", "other"), "other").select(
            "node", "label"
        )
        new = (
            offered.unionByName(labels)
            .groupBy("node")
            .agg(F.min("label").alias("label"))
        )
        if rounds % checkpoint_every == 0:
            new = new.checkpoint(eager=True)
        else:
            new = new.persist(StorageLevel.MEMORY_AND_DISK)
        changed = (
            new.join(labels.withColumnRenamed("label", "old"), "node")
            .filter(F.col("label") != F.col("old"))
            .limit(1)
            .count()
        )
        labels.unpersist()
        labels = new
        if changed == 0:
            break
    return labels
