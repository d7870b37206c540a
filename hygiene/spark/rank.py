"""Each row's 0-based rank in a total order, computed by Spark itself.

A global sort puts contiguous ranges in consecutive partitions; a row's rank is its place
in its partition plus the rows of the partitions before it (the numbering `read.number_rows`
does for files). No Python: `rdd.zipWithIndex` with a Python `map` would send every row
through a Python worker twice (once to count the partitions, once to use them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_ID, _PID, _FIRST, _BASE = "_rank_id", "_rank_pid", "_rank_first", "_rank_base"


def ranked(frame: DataFrame, order: Sequence[str], name: str) -> DataFrame:
    """`frame` with `name`: the row's 0-based rank when sorted by `order` ascending (nulls
    first, Spark's order). `order` must be unique per row, so the ranks are the same
    whatever the partitioning. Checkpoints once (the ids must not be drawn twice), so the
    session's checkpoint directory must be set."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keep = list(frame.columns)
    data = (
        frame.orderBy(*order)
        .withColumn(_ID, F.monotonically_increasing_id())
        .withColumn(_PID, F.shiftright(F.col(_ID), 33))
        .checkpoint(eager=True)
    )
    pieces = data.groupBy(_PID).agg(F.min(_ID).alias(_FIRST), F.count(F.lit(1)).alias("_n"))
    pieces = pieces.select(
        _PID, _FIRST, (F.sum("_n").over(Window.orderBy(_PID)) - F.col("_n")).alias(_BASE)
    )
    return data.join(F.broadcast(pieces), _PID).select(
        *[F.col(f"`{c}`") for c in keep],
        (F.col(_ID) - F.col(_FIRST) + F.col(_BASE)).alias(name),
    )
