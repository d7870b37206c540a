"""Duplicate matching on Spark, step for step the local matcher's (`match.api`):

1. match records per partition (`frame.prepare` on each block's seeded `Prepared`) with
   their blocking keys (`features.encode_frames`), numbered as the local stack numbers them;
2. candidate pairs by self-joins per blocking rule (`spark.blocking`);
3. comparison levels of pair batches (`compare.compare_batch` in `mapInPandas`);
4. u from the level counts of the random pairs the local engine draws (the same seed), m
   and the prior by EM on the counts of comparison vectors Spark aggregates (`fs.fit`,
   `fs.prior_from_counts`), frequencies of values counted by Spark;
5. weights, probabilities, strong matches and contact conflicts per pair batch;
6. connected components by label propagation (`spark.components`), the chaining guard per
   component (`cluster.cluster_rows`), survivors per batch of clusters (`choose_survivors`).

Only the comparison-vector count table, the level counts and a bounded sample of clusters
for audit.json reach the driver; clusters stay in Spark (`clusters`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..match import fs
from ..match.api import check_match_settings, freemail_domains
from ..match.blocking import DEFAULT_RULES, rule_fields
from ..match.compare import COMPARISONS, Comparison
from ..match.features import MATCH_COLUMNS
from ..match.survivor import load_survivorship
from ..match.types import MatchSettings
from .blocking import candidates
from .components import label_propagation
from .cross_links import cross_links
from .match_rows import (
    GID,
    KEY_NAMES,
    SRC,
    PairFacts,
    Weigh,
    compare_block,
    guard_block,
    key_column,
    levels_block,
    match_block,
    survive_block,
    weigh_block,
)
from .partition import SourceJob, chunks
from .rank import ranked
from .read import POS
from .session import use_checkpoints
from .sizing import PAIRS_PER_TASK, RECORDS_PER_TASK, kept, partitions_for, shuffled_into

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Clusters per survivorship batch.
CLUSTERS_PER_BATCH = 5_000


@dataclass
class MatchSource:
    """One source to match: its frame (text cells plus provenance), the job that rebuilds
    a block's `Prepared`, and its row count."""

    frame: DataFrame
    job: SourceJob
    rows: int


@dataclass
class SparkMatch:
    """Duplicate clusters on Spark. `members` has cluster, source, row (the record's
    position in its source), survivor, file, file_row, record_id, reason, rule."""

    members: DataFrame
    confidence: DataFrame
    edges: DataFrame
    records: DataFrame
    comps: list[Comparison]
    count: int
    #: Source name -> the stacked row number of its first row.
    offsets: dict[str, int] = field(default_factory=dict)
    has: dict[str, bool] = field(default_factory=dict)
    freemail: frozenset[str] = frozenset()
    stats: dict[str, Any] = field(default_factory=dict)
    #: Links across sources (`cross_links.LINK_COLUMNS`, as `MatchResult.links`).
    links: DataFrame | None = None


@dataclass
class _Blocked:
    """What the steps from the candidate pairs on read: the stacked records (with their
    value frequencies) and their count, the checkpointed pairs, their count and the capped
    blocks, the comparisons and rules in use, the fields present, the free-mail domains,
    u, the frequency columns of the levels and the generator (drawn from as locally)."""

    records: DataFrame
    n: int
    pairs: DataFrame
    n_cand: int
    capped: dict[str, int]
    comps: list[Comparison]
    rules: tuple[Any, ...]
    has: dict[str, bool]
    freemail: frozenset[str]
    u: list[np.ndarray]
    tf_columns: dict[tuple[int, int], str]
    rng: np.random.Generator


def clusters(result: SparkMatch) -> DataFrame:
    """The clusters as (cluster: long, source: string, row: long, survivor: boolean): one row
    per member, `row` its 0-based position in its source (`_hygiene_pos`, the local
    `Cluster.members`), clusters numbered from 1 in the local engine's order."""
    from pyspark.sql import functions as F

    return result.members.select(
        F.col("cluster").cast("long"), F.col("source").cast("string"),
        F.col("row").cast("long"), F.col("survivor").cast("boolean"),
    )


def _schema(columns: Sequence[str], longs: Sequence[str] = (), **types: str) -> str:
    def kind(c: str) -> str:
        return types.get(c) or ("long" if c in longs else "string")

    return ", ".join(f"`{c}` {kind(c)}" for c in columns)


def records_frame(
    sources: Sequence[MatchSource], freemail: frozenset[str]
) -> DataFrame:
    """Every source's match records stacked: gid, src, pos, the match columns and keys."""
    columns = [GID, SRC, "pos", *MATCH_COLUMNS, *(key_column(k) for k in KEY_NAMES)]
    schema = _schema(columns, (GID, SRC, "pos"))
    out = None
    offset = 0
    for i, s in enumerate(sources):

        def per_block(batches: Any, job: SourceJob = s.job, i: int = i, off: int = offset) -> Any:
            from .sources import quiet_pandas_warning

            quiet_pandas_warning()
            for pdf in chunks(batches):
                yield match_block(pdf, job, i, off, freemail)

        part = s.frame.mapInPandas(per_block, schema)
        out = part if out is None else out.unionByName(part)
        offset += s.rows
    assert out is not None
    return out


def _side(records: DataFrame, prefix: str, columns: Sequence[str]) -> DataFrame:
    return records.select(*[records[c].alias(f"{prefix}{c}") for c in columns])


def _u(
    spark: SparkSession, records: DataFrame, n: int, comps: list[Comparison],
    settings: MatchSettings, rng: np.random.Generator,
) -> list[np.ndarray]:
    """u from random pairs: the very pairs `fs.estimate_u` draws (same generator, same
    order), their levels counted by Spark."""
    from pyspark.sql import functions as F

    if n < 2:
        return [fs.prior_u(len(c.levels)) for c in comps]
    if n * (n - 1) // 2 <= settings.u_samples:
        a, b = np.triu_indices(n, 1)
    else:
        a = rng.integers(0, n, settings.u_samples)
        b = rng.integers(0, n, settings.u_samples)
        keep = a != b
        a, b = a[keep], b[keep]
    pairs = spark.createDataFrame(
        pd.DataFrame({"a": a.astype(np.int64), "b": b.astype(np.int64)})
    )
    left = _side(records, "l_", (GID, *MATCH_COLUMNS))
    right = _side(records, "r_", (GID, *MATCH_COLUMNS))
    # The drawn pairs (two longs each) are the side to broadcast; the pairs with their left
    # records are not: their shuffle is compressed text that Spark's adaptive plan would
    # otherwise broadcast, and at 1M records it no longer fits the driver.
    joined = F.broadcast(pairs).join(left, F.col("a") == F.col("l_gid")).join(
        right.hint("merge"), F.col("b") == F.col("r_gid")
    )
    cn = [c.name for c in comps]
    sizes = [len(c.levels) for c in comps]

    def counted(batches: Any) -> Any:
        for pdf in batches:
            g = levels_block(pdf, cn)
            rows = []
            for k, (name, size) in enumerate(zip(cn, sizes, strict=True)):
                col = g[f"g_{name}"].to_numpy()
                ok = col >= 0
                counts = np.bincount(col[ok], minlength=size)[:size]
                rows += [(k, lv, int(v)) for lv, v in enumerate(counts.tolist()) if v]
            yield pd.DataFrame(rows, columns=["comp", "level", "n"])

    totals = (
        joined.mapInPandas(counted, "comp long, level long, n long")
        .groupBy("comp", "level").agg(F.sum("n").alias("n")).toPandas()
    )
    counts = [np.zeros(size) for size in sizes]
    for k, lv, v in totals.itertuples(index=False):
        counts[int(k)][int(lv)] = float(v)
    return fs.u_from_counts(counts, list(comps))


def _tf(
    records: DataFrame, comps: list[Comparison], settings: MatchSettings
) -> tuple[DataFrame, dict[tuple[int, int], str]]:
    """Each record's frequency of its value in every column a level is adjusted on
    (`fs.term_frequencies`: the share of rows holding the value, among rows with one; a
    column with fewer than `TF_MIN_VALUES` values gets none)."""
    from pyspark.sql import functions as F

    wanted: dict[tuple[int, int], str] = {}
    if not settings.term_frequency:
        return records, wanted
    done: dict[str, bool] = {}
    for k, c in enumerate(comps):
        for lvl, column in c.tf_levels():
            if column not in done:
                counts = records.filter(F.col(column).isNotNull()).groupBy(column).count()
                total = int(records.filter(F.col(column).isNotNull()).count())
                done[column] = total >= fs.TF_MIN_VALUES
                if done[column]:
                    share = counts.select(
                        column, (F.col("count") / F.lit(float(total))).alias(f"tf_{column}")
                    )
                    records = records.join(share, column, "left")
            if done[column]:
                wanted[(k, lvl)] = column
    return records, wanted


def _train_sample(
    spark: SparkSession, cand: DataFrame, n_cand: int, settings: MatchSettings,
    rng: np.random.Generator,
) -> tuple[DataFrame, int]:
    """Candidates with `train`: the uniform sample the local engine learns on (positions
    in (lo, hi) order drawn by the same generator), all of them when fewer than
    `train_pairs`."""
    from pyspark.sql import functions as F

    if n_cand <= settings.train_pairs:
        return cand.withColumn("train", F.lit(True)), n_cand
    chosen = np.sort(rng.choice(n_cand, settings.train_pairs, replace=False))
    at = ranked(cand.select("lo", "hi", "bits"), ("lo", "hi"), "at")
    picked = spark.createDataFrame(pd.DataFrame({"at": chosen.astype(np.int64)})).withColumn(
        "train", F.lit(True)
    )
    out = at.join(picked, "at", "left").fillna(False, subset=["train"]).drop("at")
    return out, len(chosen)


def _model(
    table: pd.DataFrame, comps: list[Comparison], rules: Sequence[Any], u: list[np.ndarray],
    settings: MatchSettings, n: int, n_cand: int, n_train: int,
) -> fs.Model:
    """EM over the count table of (rule bits, comparison vector) -> pairs, as `fs.train`
    runs it over the pairs themselves."""
    names = [f"g_{c.name}" for c in comps]
    pats_all = table[names].to_numpy(dtype=np.int8).reshape(len(table), len(comps))
    counts_all = table["count"].to_numpy(dtype=np.float64)
    bits = table["bits"].to_numpy(dtype=np.int64)
    sessions = []
    for k, rule in enumerate(rules):
        has = (bits & (1 << k)) != 0
        use = fs.estimated(comps, rule_fields(rule))
        pairs = int(counts_all[has].sum())
        if pairs < 50 or not use:
            continue
        pats, counts = fs.merge_patterns(pats_all[has][:, use], counts_all[has])
        sessions.append(fs.Session(rule.name, use, pats, counts, pairs))
    model = fs.fit(sessions, comps, u, settings.em_iterations)
    total = n * (n - 1) // 2
    if n_train == 0 or total <= 0:
        model.lam = 1e-6
        return model
    pats, counts = fs.merge_patterns(pats_all, counts_all)
    counts *= n_cand / n_train
    model.lam = fs.prior_from_counts(pats, counts, model, total, n_cand)
    return model


def find_duplicates(
    spark: SparkSession,
    names: Sequence[str],
    sources: Sequence[MatchSource],
    settings: MatchSettings | None = None,
    checkpoint_dir: str | None = None,
) -> SparkMatch:
    """Duplicate clusters within each source, on Spark, equal to the local engine's."""
    from pyspark.sql import functions as F

    settings = settings or MatchSettings()
    check_match_settings(names, settings)
    use_checkpoints(spark, checkpoint_dir)
    freemail = freemail_domains()
    # Checkpointed: a leaf for the many self-joins below, whose analysis of the full
    # lineage (files, numbering, mapInPandas) grows with every join.
    records = records_frame(sources, freemail).checkpoint(eager=True)
    n = sum(s.rows for s in sources)
    filled = records.agg(
        *[F.count(F.col(c)).alias(c) for c in (*MATCH_COLUMNS, *map(key_column, KEY_NAMES))]
    ).first()
    assert filled is not None
    has = {c: bool(filled[c]) for c in MATCH_COLUMNS}
    has.update({k: bool(filled[key_column(k)]) for k in KEY_NAMES})
    comps = [
        c for c in COMPARISONS
        if any(has.get(x, False) for x in c.fields) and c.name in settings.comparisons
    ]
    rules = tuple(r for r in DEFAULT_RULES if r.name in settings.blocking)
    rng = np.random.default_rng(settings.seed)
    by_records = partitions_for(spark, n, RECORDS_PER_TASK)
    with shuffled_into(spark, by_records):
        u = _u(spark, records, n, comps, settings, rng)
        records, tf_columns = _tf(records, comps, settings)
        records = records.checkpoint(eager=True)
        cand = candidates(records, rules, settings.max_block_size, settings.window)
    n_cand = int(cand.pairs.count())
    blocked = _Blocked(records, n, cand.pairs, n_cand, cand.capped, comps, rules, has,
                       freemail, u, tf_columns, rng)
    with shuffled_into(spark, partitions_for(spark, n_cand, PAIRS_PER_TASK)):
        return _scored(spark, names, sources, settings, blocked)


def _scored(
    spark: SparkSession, names: Sequence[str], sources: Sequence[MatchSource],
    settings: MatchSettings, b: _Blocked,
) -> SparkMatch:
    """From the candidate pairs on: levels, the model, weights, links, clusters and
    survivors (run with shuffles sized by the number of pairs)."""
    from pyspark.sql import functions as F

    pairs, n_train = _train_sample(spark, b.pairs, b.n_cand, settings, b.rng)
    stats: dict[str, Any] = {
        "rows": b.n, "candidates": b.n_cand, "capped_block_count": sum(b.capped.values()),
        "capped_blocks_per_rule": b.capped,
    }
    tf_cols = sorted(set(b.tf_columns.values()))
    side_cols = (GID, SRC, *MATCH_COLUMNS, *(f"tf_{c}" for c in tf_cols))
    joined = (
        pairs.join(_side(b.records, "l_", side_cols), F.col("lo") == F.col("l_gid"))
        .join(_side(b.records, "r_", side_cols), F.col("hi") == F.col("r_gid"))
        .withColumn("same", F.col("l_src") == F.col("r_src"))
        .withColumn("src", F.col("l_src"))
    )
    facts = PairFacts(tuple(c.name for c in b.comps), b.has, b.freemail,
                      bool(settings.email_name_match) and b.has["email"])
    g_cols = [f"g_{c.name}" for c in b.comps]
    tf_side = [f"{p}tf_{c}" for c in tf_cols for p in ("l_", "r_")]
    compared_schema = _schema(
        ["lo", "hi", "bits", "same", "src", *g_cols, "swap", "flip", "strong", "mailbox",
         *tf_side, "train"],
        ["lo", "hi", "src", *g_cols],
        bits="int", same="boolean", swap="boolean", flip="boolean", strong="boolean",
        mailbox="boolean", train="boolean", **dict.fromkeys(tf_side, "double"),
    )

    def compared_batches(batches: Any) -> Any:
        for pdf in batches:
            out = compare_block(pdf, facts)
            out["train"] = pdf["train"].to_numpy(dtype=bool)
            yield out

    compared = joined.mapInPandas(compared_batches, compared_schema).checkpoint(eager=True)
    table = compared.filter("train").groupBy("bits", *g_cols).count().toPandas()
    model = _model(table, b.comps, b.rules, b.u, settings, b.n, b.n_cand, n_train)
    stats["em"] = model.to_dict()
    floors = [settings.threshold, settings.link_threshold, settings.link_mutual_best or 1.0]
    weigh = Weigh(tuple(c.name for c in b.comps), model.lam, tuple(model.m), tuple(model.u),
                  tuple(model.u_random), b.tf_columns, settings.threshold, min(floors),
                  settings.email_name_match if facts.strong_on else None,
                  settings.separate_on_contact_conflict)
    weighed_schema = _schema(
        ["lo", "hi", "src", "same", "weight", "prob", "dup", "lifted", "apart", "swap",
         *g_cols],
        ["lo", "hi", "src", *g_cols], same="boolean", weight="double", prob="double",
        dup="boolean", lifted="boolean", apart="boolean", swap="boolean",
    )

    def weighed_batches(batches: Any) -> Any:
        for pdf in batches:
            out = weigh_block(pdf, weigh)
            for c in (*g_cols, "swap"):
                out[c] = pdf[c].to_numpy()
            yield out

    # Kept: the edges and the links both read every weighed pair, which would otherwise
    # send each pair through the Python weights twice.
    with kept(compared.mapInPandas(weighed_batches, weighed_schema)) as weighed:
        edges = weighed.filter("dup").drop("dup", "apart").checkpoint(eager=True)
        links = cross_links(weighed, b.records, b.comps, b.has, b.freemail, settings,
                            names).checkpoint(eager=True)
    stats["links"] = int(links.count())
    labels = _clusters(b.records, edges, b.has, b.freemail).checkpoint(eager=True)
    members = _numbered(spark, labels).checkpoint(eager=True)
    count = int(members.select("cluster").distinct().count())
    stats["clusters"] = count
    stats["guarded_components"] = int(
        labels.filter("guarded > 0").select("comp").distinct().count()
    )
    survived = _survivors(b.records, members, sources, names, count).checkpoint(eager=True)
    offsets = dict(zip(names, np.cumsum([0, *(s.rows for s in sources)])[:-1].tolist(),
                       strict=True))
    return SparkMatch(survived, _confidence(edges, members), edges, b.records, b.comps, count,
                      offsets, b.has, b.freemail, stats, links)


def _clusters(
    records: DataFrame, edges: DataFrame, has: dict[str, bool], freemail: frozenset[str]
) -> DataFrame:
    """(gid, label, comp, guarded): each clustered record, its cluster's smallest gid, its
    component and whether the guard rebuilt the component. A component of two records is
    a cluster as it is; larger ones go through the local guard one component at a time."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    comp = label_propagation(edges.select(F.col("lo").alias("a"), F.col("hi").alias("b")))
    comp = comp.withColumnRenamed("node", GID).withColumnRenamed("label", "comp")
    size = comp.groupBy("comp").count()
    comp = comp.join(size, "comp").persist(StorageLevel.MEMORY_AND_DISK)
    pairs = comp.filter("count = 2").select(
        GID, F.col("comp").alias("label"), "comp", F.lit(0).cast("long").alias("guarded")
    )
    big = comp.filter("count > 2")
    members = big.join(records.select(GID, *MATCH_COLUMNS), GID)
    # Checkpointed: its own relation, so the cogroup's two sides (both from `comp`) do not
    # share column identities.
    big_edges = edges.select("lo", "hi", "prob").join(
        big.select(F.col(GID).alias("lo"), "comp"), "lo"
    ).checkpoint(eager=True)

    def guarded(edge_pdf: pd.DataFrame, member_pdf: pd.DataFrame) -> pd.DataFrame:
        if len(member_pdf) == 0:
            return pd.DataFrame({GID: [], "label": [], "comp": [], "guarded": []})
        out = guard_block(edge_pdf, member_pdf, has, freemail)
        out["comp"] = int(member_pdf["comp"].iloc[0])
        return out[[GID, "label", "comp", "guarded"]]

    rebuilt = big_edges.groupBy("comp").cogroup(members.groupBy("comp")).applyInPandas(
        guarded, "gid long, label long, comp long, guarded long"
    )
    return pairs.unionByName(rebuilt)


def _numbered(spark: SparkSession, labels: DataFrame) -> DataFrame:
    """Clusters numbered from 1 by their smallest stacked row (source order, then row
    order), as `grouping._membership` numbers them: (gid, cluster, comp, guarded)."""
    from pyspark.sql import functions as F

    order = ranked(labels.select("label").distinct(), ("label",), "at")
    return labels.join(order, "label").select(GID, (F.col("at") + 1).alias("cluster"))


def _survivors(
    records: DataFrame, members: DataFrame, sources: Sequence[MatchSource],
    names: Sequence[str], count: int,
) -> DataFrame:
    """Each member with its cluster's survivor, per source and batch of clusters."""
    from pyspark.sql import functions as F

    surv = load_survivorship()
    batches = max(1, math.ceil(count / CLUSTERS_PER_BATCH))
    counts = [
        records.filter(F.col(fld).isNotNull()).groupBy(SRC, fld).agg(
            F.count("*").alias(f"n_{fld}")
        ).withColumnRenamed(fld, f"key_{fld}")
        for fld in ("first_name", "last_name")
    ]
    keyed = members.join(
        records.select(GID, SRC, "pos", F.col("first_name").alias("key_first_name"),
                       F.col("last_name").alias("key_last_name")),
        GID,
    )
    for c, fld in zip(counts, ("first_name", "last_name"), strict=True):
        keyed = keyed.join(c, [SRC, f"key_{fld}"], "left").fillna(0, subset=[f"n_{fld}"])
    schema = ("cluster long, source string, row long, survivor boolean, file string, "
              "file_row long, record_id string, reason string, rule string")
    out = None
    for i, s in enumerate(sources):
        mine = keyed.filter(F.col(SRC) == i).drop(SRC, GID)
        rows = s.frame.join(mine.withColumnRenamed("pos", POS), POS)
        part = rows.withColumn("_batch", F.col("cluster") % batches).groupBy(
            "_batch"
        ).applyInPandas(_survivor_batches(s.job, surv), schema)
        out = part if out is None else out.unionByName(part)
    assert out is not None
    return out


def _survivor_batches(job: SourceJob, surv: Any) -> Any:
    """The survivorship function of one source's batches (one parameter: applyInPandas
    hands a function of two its group key first)."""

    def per_batch(pdf: pd.DataFrame) -> pd.DataFrame:
        from .sources import quiet_pandas_warning

        quiet_pandas_warning()
        return survive_block(pdf, job, surv)

    return per_batch


def _confidence(edges: DataFrame, members: DataFrame) -> DataFrame:
    """(cluster, confidence): the lowest, over members, of each member's best match inside
    its cluster (`grouping._clusters`)."""
    from pyspark.sql import functions as F

    lo = members.select(F.col(GID).alias("lo"), F.col("cluster").alias("c_lo"))
    hi = members.select(F.col(GID).alias("hi"), F.col("cluster").alias("c_hi"))
    inside = edges.join(lo, "lo").join(hi, "hi").filter("c_lo = c_hi")
    ends = inside.select(
        F.col("lo").alias("node"), F.col("c_lo").alias("cluster"), "prob"
    ).unionByName(inside.select(F.col("hi").alias("node"), F.col("c_lo").alias("cluster"), "prob"))
    best = ends.groupBy("cluster", "node").agg(F.max("prob").alias("best"))
    return best.groupBy("cluster").agg(F.min("best").alias("confidence"))
