"""How the engine's steps are laid out over tasks: partitions sized by row counts, and
frames kept while the steps that reuse them run.

Spark's adaptive plan sizes a shuffle's partitions by its bytes. A candidate pair is a few
compressed bytes (two row numbers and a rule mask), so the joins and aggregates over pairs
end up with millions of pairs in one task, each compared in Python there: one core holds
the whole step, and a cluster's other executors wait. These steps run with a number of
shuffle partitions set from the rows they handle instead, never fewer than the session's
cores. The checks run per bucket (a group of rows linked by email key, matcher link or
cluster): sized by bytes, a bucket's rows landed several buckets to a task, and a cluster's
executors waited the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Candidate pairs per task of a step over pairs (comparison levels, weights, links).
PAIRS_PER_TASK = 200_000
#: Records per task of a step whose pairs are not counted yet (about a dozen pairs each).
RECORDS_PER_TASK = 20_000

_KEYS = ("spark.sql.shuffle.partitions", "spark.sql.adaptive.coalescePartitions.enabled")


def partitions_for(spark: SparkSession, rows: int, per_task: int) -> int:
    """Tasks for `rows` at `per_task` rows each, at least the session's cores."""
    cores = int(spark.sparkContext.defaultParallelism)
    return max(cores, math.ceil(max(rows, 0) / per_task))


@contextmanager
def shuffled_into(spark: SparkSession, parts: int) -> Iterator[None]:
    """Shuffles planned inside this block use `parts` partitions, not coalesced by size.
    Only actions run inside it see the setting (a lazy frame is planned when acted on):
    wrap the action that materialises the step (an eager checkpoint)."""
    saved = {k: spark.conf.get(k, None) for k in _KEYS}
    spark.conf.set(_KEYS[0], str(parts))
    spark.conf.set(_KEYS[1], "false")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


@contextmanager
def kept(frame: DataFrame) -> Iterator[DataFrame]:
    """`frame` kept (in memory, spilling to disk) for the actions run inside this block, which
    then compute it once between them, and released when the block ends. Its plan (the
    partitions of its shuffles) is fixed when it is kept: keep it inside `shuffled_into`."""
    from pyspark import StorageLevel

    held = frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        yield held
    finally:
        held.unpersist()
