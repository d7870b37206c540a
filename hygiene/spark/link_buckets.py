"""The matcher's part in the links on Spark: its cross-source links and duplicate clusters
handed to the buckets that link the sources, as the local audit hands them to
`links.finish_links` (fuzzy pairs for rows no key linked; a duplicate inherits its
cluster-mate's counterparts).

A bucket links only the rows in it, so every row a link could join must be in the same
bucket: rows are put in buckets by connected component of the graph whose edges are a row
and its email key, a matcher link, a cluster member and its cluster (label propagation in
Spark, `components.label_propagation`). The links and cluster members travel to their
bucket as extra rows of the wide frame (`SOURCE_NO` -1, `META` JSON), positions as the
sources number them; the bucket turns them into its own positions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .partition import BUCKET, FIXED, KEY, SOURCE_NO
from .read import FILE, POS, ROW

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from .match import SparkMatch

#: The hand-off rows' payload column in the wide frame.
META = "_hygiene_meta"
#: Node numbers of email keys and clusters, apart from the records' (0 and up).
KEY_NODES = -(2**61)
CLUSTER_NODES = -(2**62)


@dataclass(frozen=True)
class HandOff:
    """What the buckets need of the matcher: its links other than by email (source_a,
    pos_a, source_b, pos_b, probability, evidence, method) and its clusters' members
    (cluster, source, row)."""

    links: DataFrame
    members: DataFrame
    offsets: dict[str, int]

    @classmethod
    def of(cls, matched: SparkMatch) -> HandOff:
        from pyspark.sql import functions as F

        assert matched.links is not None
        return cls(
            matched.links.filter(F.col("method") != "email"),
            matched.members.select("cluster", "source", "row"),
            dict(matched.offsets),
        )

    def regroup(self, wide: DataFrame, names: Sequence[str], buckets: int) -> DataFrame:
        """`wide` with each row's bucket its component's, plus the hand-off rows."""
        from pyspark.sql import functions as F

        gid_of = F.create_map(*[x for n in names for x in (F.lit(names.index(n)),
                                                           F.lit(self.offsets[n]))])
        src_of = F.create_map(*[x for n in names for x in (F.lit(n), F.lit(self.offsets[n]))])
        rows = wide.withColumn("_gid", gid_of[F.col(SOURCE_NO)] + F.col(POS))
        key_edges = rows.filter(F.col(KEY).isNotNull()).select(
            F.col("_gid").alias("a"), _key_node(KEY).alias("b")
        ).unionByName(rows.filter(F.col(FIXED).isNotNull()).select(
            F.col("_gid").alias("a"), _key_node(FIXED).alias("b")
        ))
        link_edges = self.links.select(
            (src_of[F.col("source_a")] + F.col("pos_a")).alias("a"),
            (src_of[F.col("source_b")] + F.col("pos_b")).alias("b"),
        )
        cluster_edges = self.members.select(
            (src_of[F.col("source")] + F.col("row")).alias("a"),
            (F.lit(CLUSTER_NODES) + F.col("cluster")).alias("b"),
        )
        from .components import label_propagation

        labels = label_propagation(
            key_edges.unionByName(link_edges).unionByName(cluster_edges)
        ).filter(F.col("node") >= 0).select(F.col("node").alias("_gid"), "label")
        labels = labels.checkpoint(eager=True)
        regrouped = rows.join(labels, "_gid", "left").withColumn(
            BUCKET,
            F.when(F.col("label").isNull(), F.col(BUCKET)).otherwise(
                F.pmod(F.xxhash64("label"), F.lit(max(1, buckets)))
            ),
        )
        row_bucket = regrouped.select("_gid", F.col(BUCKET).alias("_b"))
        meta_links = self.links.withColumn(
            "_gid", src_of[F.col("source_a")] + F.col("pos_a")
        ).join(row_bucket, "_gid").select(
            F.col("_b").alias(BUCKET),
            F.to_json(F.struct(F.lit("link").alias("kind"), "source_a", "pos_a", "source_b",
                               "pos_b", "probability", "evidence", "method")).alias(META),
        )
        meta_members = self.members.withColumn(
            "_gid", src_of[F.col("source")] + F.col("row")
        ).join(row_bucket, "_gid").select(
            F.col("_b").alias(BUCKET),
            F.to_json(F.struct(F.lit("member").alias("kind"), "cluster", "source",
                               F.col("row").alias("pos"))).alias(META),
        )
        meta = meta_links.unionByName(meta_members).select(
            BUCKET, META, F.lit(-1).cast("long").alias(POS), F.lit(-1).alias(SOURCE_NO),
            F.lit(None).cast("string").alias(FILE), F.lit(None).cast("long").alias(ROW),
        )
        out = regrouped.drop("_gid", "label").withColumn(META, F.lit(None).cast("string"))
        return out.unionByName(meta, allowMissingColumns=True)


def _key_node(column: str) -> Column:
    from pyspark.sql import functions as F

    return F.lit(KEY_NODES) + F.pmod(F.col(column), F.lit(2**61))


def regroup_keys(wide: DataFrame, buckets: int) -> DataFrame:
    """`wide` with the rows of keys bridged by a corrected address in one bucket: a row
    links on its email key and its corrected one (`partition.FIXED`), so every row holding
    either key, and any key bridged on from there, goes to the bucket of that component of
    keys (label propagation over the bridges alone). Other rows keep their bucket."""
    from pyspark.sql import functions as F

    from .components import label_propagation

    bridges = wide.filter(F.col(KEY).isNotNull() & F.col(FIXED).isNotNull()).select(
        _key_node(KEY).alias("a"), _key_node(FIXED).alias("b")
    ).distinct()
    labels = label_propagation(bridges).select(F.col("node").alias("_node"), "label")
    own = F.when(F.col(KEY).isNotNull(), _key_node(KEY)).otherwise(_key_node(FIXED))
    return wide.withColumn("_node", own).join(labels, "_node", "left").withColumn(
        BUCKET,
        F.when(F.col("label").isNull(), F.col(BUCKET)).otherwise(
            F.pmod(F.xxhash64("label"), F.lit(max(1, buckets)))
        ),
    ).drop("_node", "label")


@dataclass(frozen=True)
class BucketHandOff:
    """A bucket's share of the hand-off, in the bucket's own positions."""

    links: pd.DataFrame
    members: pd.DataFrame


def bucket_hand_off(
    pdf: pd.DataFrame, names: Sequence[str], where: Sequence[np.ndarray]
) -> BucketHandOff:
    """The hand-off rows of a bucket (`pdf`, the wide frame's) in the bucket's positions:
    `where[i]` holds, in bucket order, the source positions of source i's rows."""
    rows = pdf[META].dropna().tolist() if META in pdf.columns else []
    docs = [json.loads(r) for r in rows]
    index = {n: pd.Index(w) for n, w in zip(names, where, strict=True)}

    def local(source: pd.Series, pos: pd.Series) -> np.ndarray:
        out = np.full(len(pos), -1, dtype=np.int64)
        for n, idx in index.items():
            sel = (source == n).to_numpy()
            if sel.any():
                out[sel] = idx.get_indexer(pos[sel].to_numpy(dtype=np.int64))
        return out

    links = pd.DataFrame([d for d in docs if d["kind"] == "link"],
                         columns=["source_a", "pos_a", "source_b", "pos_b", "probability",
                                  "evidence", "method"])
    if len(links):
        links["pos_a"] = local(links["source_a"], links["pos_a"])
        links["pos_b"] = local(links["source_b"], links["pos_b"])
    members = pd.DataFrame([d for d in docs if d["kind"] == "member"],
                           columns=["cluster", "source", "pos"])
    if len(members):
        members["pos"] = local(members["source"], members["pos"])
        members["cluster"] = members["cluster"].astype(np.int64)
    else:
        members = members.astype({"cluster": np.int64, "pos": np.int64})
    links = links.astype({"pos_a": np.int64, "pos_b": np.int64, "probability": float})
    return BucketHandOff(links, members)
