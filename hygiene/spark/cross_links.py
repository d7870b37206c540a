"""Links across sources on Spark: the matcher's scored pairs between two sources that are
the same person, chosen as `match.linking.link_pairs` chooses them and worded as
`links_frame` words them.

A pair is a link at or above `link_threshold`, or at or above `link_mutual_best` when it is
the best pair of both its records towards the other source. The best per (record, other
source) is a Spark aggregate over the pairs at or above the lower floor; the evidence is
worded per batch of links from both records' match columns (`evidence.describe_joined`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..match.compare import Comparison
from ..match.evidence import describe_joined
from ..match.features import MATCH_COLUMNS, encode_frames
from ..match.types import MatchSettings
from .match_rows import GID, SRC, comparisons, present, sides

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: The links' columns, as `MatchResult.links` has them.
LINK_COLUMNS = ("source_a", "pos_a", "source_b", "pos_b", "probability", "evidence", "method")
#: A comparison level of email at or above this is the same address (`links_frame`).
EMAIL_LEVEL = 3


def cross_links(
    weighed: DataFrame,
    records: DataFrame,
    comps: Sequence[Comparison],
    has: dict[str, bool],
    freemail: frozenset[str],
    settings: MatchSettings,
    names: Sequence[str],
) -> DataFrame:
    """The links (LINK_COLUMNS) among `weighed` pairs: lo, hi, same, apart (a contact
    conflict keeps them apart), prob and the comparison levels, swap."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    floors = [settings.link_threshold]
    if settings.link_mutual_best is not None:
        floors.append(settings.link_mutual_best)
    src = records.select(GID, SRC)
    pool = (
        weighed.filter(~F.col("same") & ~F.col("apart") & (F.col("prob") >= min(floors)))
        .join(src.select(F.col(GID).alias("lo"), F.col(SRC).alias("src_lo")), "lo")
        .join(src.select(F.col(GID).alias("hi"), F.col(SRC).alias("src_hi")), "hi")
    )
    sure = F.col("prob") >= settings.link_threshold
    if settings.link_mutual_best is None:
        chosen = pool.filter(sure)
    else:
        # The best probability of each record towards the other record's source.
        floor = F.col("prob") >= settings.link_mutual_best
        counted = F.when(floor, F.col("prob"))
        best_lo = Window.partitionBy("lo", "src_hi")
        best_hi = Window.partitionBy("hi", "src_lo")
        chosen = pool.withColumn("_best_lo", F.max(counted).over(best_lo)).withColumn(
            "_best_hi", F.max(counted).over(best_hi)
        ).filter(sure | (floor & (F.col("prob") >= F.col("_best_lo"))
                         & (F.col("prob") >= F.col("_best_hi"))))
    side_cols = (GID, "pos", *MATCH_COLUMNS)
    joined = chosen.join(
        records.select(*[F.col(c).alias(f"l_{c}") for c in side_cols]),
        F.col("lo") == F.col(f"l_{GID}"),
    ).join(
        records.select(*[F.col(c).alias(f"r_{c}") for c in side_cols]),
        F.col("hi") == F.col(f"r_{GID}"),
    )
    # By name: a comparison holds compiled scorers, rebuilt on each executor.
    comp_names = tuple(c.name for c in comps)
    source_names = list(names)
    schema = ("source_a string, pos_a long, source_b string, pos_b long, probability double, "
              "evidence string, method string")

    def worded(batches: Any) -> Any:
        for pdf in batches:
            yield links_block(pdf, comparisons(comp_names), has, freemail, source_names)

    return joined.mapInPandas(worded, schema)


def links_block(
    pdf: pd.DataFrame, comps: list[Comparison], has: dict[str, bool],
    freemail: frozenset[str], names: Sequence[str],
) -> pd.DataFrame:
    """One batch of links worded as `links_frame` words them."""
    n = len(pdf)
    left, right = sides(pdf)
    f = present(encode_frames([left, right], ["l", "r"], freemail), has)
    gammas = (np.stack([pdf[f"g_{c.name}"].to_numpy(np.int8) for c in comps], axis=1)
              if comps else np.zeros((n, 0), dtype=np.int8))
    li = np.arange(n, dtype=np.int64)
    evidence = describe_joined(f, comps, gammas, li, li + n, pdf["swap"].to_numpy(dtype=bool))
    email_k = next((k for k, c in enumerate(comps) if c.name == "email"), None)
    if email_k is None:
        method = np.full(n, "fuzzy", dtype=object)
    else:
        method = np.where(gammas[:, email_k] >= EMAIL_LEVEL, "email", "fuzzy").astype(object)
    label = np.asarray(names, dtype=object)
    return pd.DataFrame({
        "source_a": label[pdf["src_lo"].to_numpy(dtype=np.int64)],
        "pos_a": pdf["l_pos"].to_numpy(dtype=np.int64),
        "source_b": label[pdf["src_hi"].to_numpy(dtype=np.int64)],
        "pos_b": pdf["r_pos"].to_numpy(dtype=np.int64),
        "probability": pdf["prob"].to_numpy(dtype=np.float64),
        "evidence": evidence,
        "method": method,
    }, columns=list(LINK_COLUMNS))
