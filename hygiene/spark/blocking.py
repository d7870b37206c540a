"""Candidate pairs on Spark: the local blocking rules (`match.blocking.DEFAULT_RULES`) as
self-joins on each record's key text, with the local treatment of each kind of block.

- a plain rule pairs every two records of a block up to its cap; a larger block is sorted
  by the rule's `order_by` key (then the key's alternative, then the row) and each record
  is paired with its next `window - 1` neighbours (`crowds`), or not at all;
- a `swap` rule pairs straight keys with straight and swapped keys, never two swapped;
- the `neighbour` rule pairs blocks whose keys are 1 to `window - 1` apart among the
  sorted distinct keys while the product of their sizes stays within its cap.

The pairs are those `blocking.candidates` makes (pairs `lo < hi` of stacked row numbers,
each with the bit mask of the rules that found it); an oversized block is windowed or left
to the other rules exactly as locally, never dropped silently (`capped` counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..match.blocking import BlockingRule
from .match_rows import GID, key_column
from .rank import ranked
from .sizing import kept

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

#: Joins the parts of a multi-column key: a control character no key text holds.
SEP = "\x1f"


@dataclass
class SparkCandidates:
    """Candidate pairs (`lo`, `hi`, `bits`) and the blocks over each rule's cap."""

    pairs: DataFrame
    capped: dict[str, int] = field(default_factory=dict)


def _key(keys: tuple[str, ...]) -> tuple[Column, Column]:
    from pyspark.sql import functions as F

    cols = [F.col(key_column(k)) for k in keys]
    ok = cols[0].isNotNull()
    for c in cols[1:]:
        ok = ok & c.isNotNull()
    return F.concat_ws(SEP, *cols), ok


def entries(records: DataFrame, rules: tuple[BlockingRule, ...]) -> DataFrame:
    """One row per (rule, record, key option) with a complete key: r (the rule's place in
    `rules`), gid, opt, key and tie (the rule's `order_by` text). One pass over the records:
    a record's options are one array, exploded, not one scan of the records per option."""
    from pyspark.sql import functions as F

    options = []
    for r, rule in enumerate(rules):
        for opt, keys in enumerate((rule.keys, *rule.alternatives)):
            key, ok = _key(keys)
            options.append(F.when(ok, F.struct(
                F.lit(r).alias("r"), F.lit(opt).alias("opt"), key.alias("key"),
                F.col(key_column(rule.order_by)).alias("tie"),
            )))
    if not options:
        return records.sparkSession.createDataFrame(
            [], f"r int, {GID} long, opt int, key string, tie string"
        )
    one = records.select(F.col(GID), F.explode(F.array(*options)).alias("_e"))
    return one.filter(F.col("_e").isNotNull()).select("_e.r", GID, "_e.opt", "_e.key", "_e.tie")


def _sizes(e: DataFrame) -> DataFrame:
    """Each block's size: (r, key, n)."""
    from pyspark.sql import functions as F

    return e.groupBy("r", "key").agg(F.count("*").alias("n"))


def _as(frame: DataFrame, prefix: str) -> DataFrame:
    return frame.select(*[frame[c].alias(f"{prefix}_{c}") for c in frame.columns])


def _steps(frame: DataFrame, window: int) -> DataFrame:
    """`frame` once per `step` 1 .. window - 1: a neighbour `step` places further on is then
    found by an equality join. A range condition (`b > a and b < a + window`) has no key to
    join on, so Spark compares every row of a block (or every key) with every other: the
    raw pairs of a crowded block grow with its size squared."""
    from pyspark.sql import functions as F

    if window <= 1:
        return frame.withColumn("step", F.lit(0).cast("long")).filter(F.lit(False))
    return frame.withColumn(
        "step", F.explode(F.array(*[F.lit(d).cast("long") for d in range(1, window)]))
    )


def _pairs(joined: DataFrame) -> DataFrame:
    """Joined entries as (lo, hi, bit), self-pairs left out."""
    from pyspark.sql import functions as F

    return joined.select(
        F.least(F.col("a_gid"), F.col("b_gid")).alias("lo"),
        F.greatest(F.col("a_gid"), F.col("b_gid")).alias("hi"),
        F.col("a_bit").cast("int").alias("bit"),
    ).filter(F.col("lo") != F.col("hi"))


def _rule_table(
    spark: SparkSession, rules: tuple[BlockingRule, ...], max_block_size: int
) -> DataFrame:
    """Per rule: r, its bit in the pairs' mask, its cap, swap, crowds and neighbour."""
    rows = [
        (r, 1 << r, _cap(rule, max_block_size), rule.swap, rule.crowds, rule.neighbour)
        for r, rule in enumerate(rules)
    ]
    return spark.createDataFrame(
        rows, "r int, bit int, cap long, swap boolean, crowds boolean, neighbour boolean"
    )


def _cap(rule: BlockingRule, max_block_size: int) -> int:
    return min(max_block_size, rule.cap or max_block_size)


def block_pairs(e: DataFrame, sizes: DataFrame, table: DataFrame, window: int) -> DataFrame:
    """Every plain and `swap` rule's pairs (lo, hi, bit) in one pass over the entries `e`
    with their block `sizes`. Blocks up to the cap give all their pairs (a swap rule's:
    straight with straight and with swapped keys, never two swapped); larger blocks of a
    `crowds` rule are windowed in (order_by, option, row) order, others give none."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    plain = F.broadcast(table.filter(~F.col("neighbour")).drop("neighbour"))
    e = e.join(plain, "r").join(sizes, ["r", "key"])
    small = e.filter((F.col("n") >= 2) & (F.col("n") <= F.col("cap")))
    a, b = _as(small, "a"), _as(small, "b")
    same = (F.col("a_r") == F.col("b_r")) & (F.col("a_key") == F.col("b_key"))
    plain_pair = ~F.col("a_swap") & (F.col("a_gid") < F.col("b_gid"))
    swapped = F.col("a_swap") & (F.col("a_opt") == 0) & (
        (F.col("b_opt") != 0) | (F.col("a_gid") < F.col("b_gid"))
    )
    found = _pairs(a.join(b, same & (plain_pair | swapped)))
    if window > 1:
        crowd = e.filter((F.col("n") > F.col("cap")) & F.col("crowds")).withColumn(
            "rn",
            F.row_number().over(
                Window.partitionBy("r", "key").orderBy(
                    F.col("tie").asc_nulls_first(), F.col("opt"), F.col(GID)
                )
            ),
        ).select("r", "bit", "key", GID, "rn")
        ca, cb = _as(crowd, "a"), _as(crowd, "b")
        near = (
            (F.col("a_r") == F.col("b_r")) & (F.col("a_key") == F.col("b_key"))
            & (F.col("b_rn") == F.col("a_rn") + F.col("step"))
        )
        found = found.unionByName(_pairs(_steps(ca, window).join(cb, near)))
    return found


def neighbour_pairs(e: DataFrame, sizes: DataFrame, r: int, cap: int, window: int) -> DataFrame:
    """Sorted neighbourhood over rule `r`'s distinct keys (`blocking.neighbour_pairs`):
    blocks whose keys are 1 to `window - 1` apart in key order, their sizes' product within
    the cap."""
    from pyspark.sql import functions as F

    mine = e.filter(F.col("r") == r).select(F.lit(1 << r).alias("bit"), GID, "key")
    # Ranks by a distributed sort, not a window over one partition.
    keyed = ranked(sizes.filter(F.col("r") == r).select("key", "n"), ("key",), "rank")
    ra, rb = _as(keyed, "a"), _as(keyed, "b")
    near = F.col("b_rank") == F.col("a_rank") + F.col("step")
    blocks = _steps(ra, window).join(rb, near).filter(F.col("a_n") * F.col("b_n") <= cap).select(
        "a_key", "b_key"
    )
    ea, eb = _as(mine, "a"), _as(mine.drop("bit"), "b")
    return _pairs(blocks.join(ea, "a_key").join(eb, "b_key"))


def candidates(
    records: DataFrame, rules: tuple[BlockingRule, ...], max_block_size: int, window: int
) -> SparkCandidates:
    """The union of every rule's pairs with the bit mask of the rules that found each,
    checkpointed (run it under the shuffle sizing wanted: `sizing.shuffled_into`). Every
    rule's entries and block sizes are made once, kept for the pairs and the count of
    capped blocks, and released."""
    from pyspark.sql import functions as F

    if len(rules) > 16:
        raise ValueError("at most 16 blocking rules (pairs carry a 16-bit rule mask)")
    table = _rule_table(records.sparkSession, rules, max_block_size)
    with kept(entries(records, rules)) as e, kept(_sizes(e)) as sizes:
        found = block_pairs(e, sizes, table, window)
        for r, rule in enumerate(rules):
            if rule.neighbour:
                p = neighbour_pairs(e, sizes, r, _cap(rule, max_block_size), window)
                found = found.unionByName(p)
        union = found.groupBy("lo", "hi").agg(F.expr("bit_or(bit)").cast("int").alias("bits"))
        pairs = union.checkpoint(eager=True)
        big = sizes.join(F.broadcast(table), "r").filter(F.col("n") > F.col("cap"))
        per_rule = {int(r): int(n) for r, n in big.groupBy("r").count().collect()}
    capped = {rule.name: per_rule.get(r, 0) for r, rule in enumerate(rules)}
    return SparkCandidates(pairs, capped)
