"""Duplicate matching on Spark (hygiene/spark/match.py) against the local matcher, on local[2].

One SparkSession for the file (the fixture pattern of tests/test_spark.py). A generated CRM +
ESP pair is matched by both engines: the clusters (members as sets, survivor) and audit.json's
duplicate entries must be equal. Smaller tests hold the parts to the local definitions:
label propagation to a union-find, an oversized block to its windowed pairs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pyspark = pytest.importorskip("pyspark", reason="the spark extra is installed by `make test`")

import hygiene  # noqa: E402
from hygiene.match import MatchSettings  # noqa: E402
from hygiene.match.blocking import DEFAULT_RULES, candidates  # noqa: E402
from hygiene.match.features import MATCH_COLUMNS, encode_frames  # noqa: E402
from hygiene.model import is_missing  # noqa: E402
from hygiene.spark import audit  # noqa: E402
from hygiene.spark.blocking import candidates as spark_candidates  # noqa: E402
from hygiene.spark.components import label_propagation  # noqa: E402
from hygiene.spark.match import clusters  # noqa: E402
from hygiene.spark.match_rows import GID, key_texts  # noqa: E402
from tests.spark_helpers import generated_pair  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """A generated HubSpot export and a Mailchimp audience as one CSV, as both engines read."""
    return generated_pair(tmp_path_factory.mktemp("spark-match"), 600, 420)


@pytest.fixture(scope="module")
def local(exports):
    return hygiene.audit(*(f"{n}={p}" for n, p in exports.items()), decisions=False)


@pytest.fixture(scope="module")
def on_spark(spark, exports):
    # Blocks much smaller than a source: every match record is made from a part of its
    # source, seeded with the whole source's facts.
    return audit(spark, {n: str(p) for n, p in exports.items()}, chunk_rows=300)


def _local_clusters(result) -> set[tuple[str, frozenset[int], int]]:
    return {(c.source, frozenset(c.members), c.survivor) for c in result.match.clusters}


def _spark_clusters(result) -> set[tuple[str, frozenset[int], int]]:
    frame = clusters(result.matched).toPandas()
    out = set()
    for _, part in frame.groupby("cluster"):
        survivor = part.loc[part["survivor"], "row"]
        assert len(survivor) == 1, "one survivor per cluster"
        out.add((str(part["source"].iloc[0]), frozenset(part["row"].astype(int)),
                 int(survivor.iloc[0])))
    return out


def test_clusters_equal_the_local_engines(local, on_spark):
    want = _local_clusters(local)
    assert len(want) >= 10, "the generated pair must hold duplicates to compare"
    assert _spark_clusters(on_spark) == want


def test_clusters_frame_has_the_shape_clean_reads(on_spark):
    frame = clusters(on_spark.matched)
    assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == [
        ("cluster", "bigint"), ("source", "string"), ("row", "bigint"), ("survivor", "boolean")
    ]
    pdf = frame.toPandas()
    # Numbered 1..k without gaps, as the local engine numbers them.
    assert sorted(pdf["cluster"].unique().tolist()) == list(range(1, on_spark.matched.count + 1))


def test_cluster_numbers_follow_the_local_order(local, on_spark):
    frame = clusters(on_spark.matched).toPandas()
    mine = {int(c): frozenset(p["row"].astype(int)) for c, p in frame.groupby("cluster")}
    theirs = {c.id: frozenset(c.members) for c in local.match.clusters}
    assert mine == theirs


def test_audit_json_duplicates_equal_the_local_engines(local, on_spark):
    doc = on_spark.to_dict()
    assert doc["summary"]["duplicate_clusters"] == len(local.duplicates)
    mine = doc["duplicates"]
    assert mine, "audit.json lists the first clusters"
    assert mine == local.duplicates[: len(mine)]


def test_clusters_are_written_partitioned_by_source(spark, on_spark, tmp_path):
    written = on_spark.save(tmp_path / "out")
    parts = {p.name for p in Path(written["clusters"]).glob("source=*")}
    want = {f"source={s}" for s in clusters(on_spark.matched).toPandas()["source"]}
    assert parts == want and want <= {"source=crm", "source=esp"}
    back = spark.read.parquet(written["clusters"]).toPandas()
    assert len(back) == len(clusters(on_spark.matched).toPandas())
    assert back["survivor"].sum() == on_spark.matched.count


def _union_find(nodes: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    parent = list(range(nodes))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    touched = {x for e in edges for x in e}
    # The smallest member labels each component: after union by min, a root is its minimum.
    return {x: root(x) for x in touched}


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=40))
def test_label_propagation_equals_union_find(spark, edges):
    frame = spark.createDataFrame(pd.DataFrame(edges, columns=["a", "b"]).astype("int64"))
    got = label_propagation(frame, checkpoint_every=2).toPandas()
    want = _union_find(31, [(a, b) for a, b in edges if a != b])
    assert dict(zip(got["node"].astype(int), got["label"].astype(int), strict=True)) == want


def _records(spark, frame: pd.DataFrame):
    keys = key_texts(frame, frozenset())
    pdf = pd.concat([frame.astype(object), keys], axis=1)
    pdf.insert(0, GID, np.arange(len(frame), dtype=np.int64))
    pdf = pdf.astype(object).where(pdf.notna(), None)
    pdf[GID] = np.arange(len(frame), dtype=np.int64)
    schema = ", ".join(f"`{c}` {'long' if c == GID else 'string'}" for c in pdf.columns)
    return spark.createDataFrame(pdf, schema)


def _pairs_local(frame: pd.DataFrame, max_block: int, window: int) -> set[tuple[int, int]]:
    f = encode_frames([frame.copy()], ["s"])
    cand = candidates(f, DEFAULT_RULES, max_block, window)
    return set(zip(cand.left.tolist(), cand.right.tolist(), strict=True))


def _persisted(spark) -> int:
    return int(spark.sparkContext._jsc.getPersistentRDDs().size())


def test_an_oversized_block_still_yields_its_windowed_pairs(spark):
    # 40 records on one mailbox domain key and one phone: far over a block cap of 5. The
    # phone block is windowed (each record meets its next window - 1 neighbours by name
    # order), never dropped; the pairs equal the local blocking's.
    n = 40
    rng = np.random.default_rng(7)
    first = rng.choice(["ann", "bob", "cara", "dan", "eve", "finn"], n)
    last = rng.choice(["smith", "jones", "brown", "taylor"], n)
    frame = pd.DataFrame({c: [np.nan] * n for c in MATCH_COLUMNS}, dtype=object)
    frame["first_name"], frame["last_name"] = first, last
    frame["phone"] = "+14155552671"
    frame["postal_code"] = rng.choice(["10115", "10117"], n)
    want = _pairs_local(frame, max_block=5, window=3)
    got = spark_candidates(_records(spark, frame), DEFAULT_RULES, 5, 3)
    pairs = got.pairs.toPandas()
    mine = set(zip(pairs["lo"].astype(int), pairs["hi"].astype(int), strict=True))
    assert mine == want
    # The phone block is over the cap and windowed: each record has a phone neighbour.
    assert got.capped["phone"] == 1
    ends = {x for p in mine for x in p}
    assert ends == set(range(n))


@pytest.mark.parametrize(("window", "cap", "seed"), [(2, 4, 1), (3, 5, 2), (4, 3, 3), (1, 5, 4)])
def test_windowed_and_neighbour_pairs_equal_the_local_blocking(spark, window, cap, seed):
    # Crowded blocks (a shared phone, few surnames) and near spellings (the neighbour rule)
    # at several windows and caps: the neighbours a window reaches are found by equality
    # joins on the step (hygiene/spark/blocking.py `_steps`), and must be the local ones.
    n = 60
    rng = np.random.default_rng(seed)
    first = rng.choice(["ann", "anna", "bob", "bobby", "cara", "carla", "dan", "eve"], n)
    last = rng.choice(["smith", "smyth", "jones", "johns", "brown", "braun"], n)
    frame = pd.DataFrame({c: [np.nan] * n for c in MATCH_COLUMNS}, dtype=object)
    frame["first_name"], frame["last_name"] = first, last
    frame["phone"] = rng.choice(["+14155552671", "+14155552672"], n)
    frame["postal_code"] = rng.choice(["10115", "10117", "10119"], n)
    want = _pairs_local(frame, max_block=cap, window=window)
    got = spark_candidates(_records(spark, frame), DEFAULT_RULES, cap, window).pairs.toPandas()
    assert set(zip(got["lo"].astype(int), got["hi"].astype(int), strict=True)) == want


# First and last names from one pool: "Smith Ann" meets "Ann Smith" on the swapped keys.
_NAMES = ["ann", "anna", "smith", "smyth", "jones", None]
_POOLS = {
    "first_name": _NAMES,
    "last_name": _NAMES,
    "phone": ["+14155552671", "+14155552672", None, None],
    "mobile_phone": ["+14155552671", "+14155552673", None, None],
    "postal_code": ["10115", "10117", None],
    "company": ["Acme", "Acme Inc", "Globex", None],
    "email": ["ann@acme.com", "bob@globex.com", None, None],
}


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_blocking_equals_the_local_on_drawn_records(spark, data):
    # Invariant for any records: every rule's entries are made once from each record's
    # complete keys (missing parts leave an option out; the swapped name keys meet straight
    # ones only) and give the local blocking's pairs, the bits of the rules that found
    # each, and its count of capped blocks; the kept entries are released afterwards.
    n = data.draw(st.integers(2, 36), label="records")
    frame = pd.DataFrame({c: [np.nan] * n for c in MATCH_COLUMNS}, dtype=object)
    for column, pool in _POOLS.items():
        frame[column] = data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n),
                                  label=column)
    frame = frame.where(frame.notna(), np.nan)
    cap, window = data.draw(st.integers(2, 6), label="cap"), data.draw(st.integers(1, 4))
    local = candidates(encode_frames([frame.copy()], ["s"]), DEFAULT_RULES, cap, window)
    want = set(zip(local.left.tolist(), local.right.tolist(), local.rules.tolist(),
                   strict=True))
    before = _persisted(spark)
    got = spark_candidates(_records(spark, frame), DEFAULT_RULES, cap, window)
    assert _persisted(spark) == before
    pairs = got.pairs.toPandas()
    assert set(zip(pairs["lo"].astype(int), pairs["hi"].astype(int), pairs["bits"].astype(int),
                   strict=True)) == want
    assert sum(got.capped.values()) == local.capped_blocks


def test_match_settings_are_checked(spark, exports):
    from hygiene.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown blocking rule"):
        audit(spark, {n: str(p) for n, p in exports.items()},
              match_settings=MatchSettings(blocking=("no_such_rule",)))


def test_score_equals_the_local_engines_with_matching(local, on_spark):
    # Uniqueness from the clusters' redundant records and each workflow's duplicates
    # blocker, integrity from links that take the matcher's links and clusters in: the
    # whole score and every workflow, as the local engine's with matching on.
    mine = on_spark.score.to_dict()
    assert "uniqueness" not in mine["unmeasured"]
    assert mine == local.score.to_dict()
    assert mine["dimensions"]["uniqueness"] < 100.0
    blockers = [d for w in on_spark.score.workflows.values() for d in w.details
                if d.code == "duplicates"]
    assert blockers and all(d.records > 0 for d in blockers)


def test_link_findings_equal_the_local_engines_with_matching(local, on_spark):
    # Rows no key linked are linked by the matcher (no orphan finding; the pair's own
    # findings), a duplicate inherits its cluster-mate's counterparts: the findings, their
    # messages included, and the link counts by method, as the local engine's.
    cols = ("code", "source", "row", "field", "suggestion", "message")
    spark_rows = Counter(
        tuple(None if v is None else int(v) if c == "row" else str(v)
              for c, v in zip(cols, r, strict=True))
        for r in on_spark.findings.select(*cols).collect()
    )
    f = local.findings
    local_rows = Counter(
        tuple(None if is_missing(v) else int(v) if c == "row" else str(v)
              for c, v in zip(cols, rec, strict=True))
        for rec in zip(*(f[c].astype(object) for c in cols), strict=True)
    )
    assert spark_rows == local_rows, {
        "only_spark": list((spark_rows - local_rows).items())[:5],
        "only_local": list((local_rows - spark_rows).items())[:5],
    }
    theirs = [{k: v for k, v in st.items() if k != "consent"} for st in local.link_stats]
    assert on_spark.link_stats == theirs
    methods = theirs[0]["by_method"]
    assert methods.get("fuzzy", 0) > 0 and methods.get("duplicate", 0) > 0, methods


def _link_rows(frame: pd.DataFrame) -> set[tuple]:
    return {
        (str(r.source_a), int(r.pos_a), str(r.source_b), int(r.pos_b),
         round(float(r.probability), 9), str(r.evidence), str(r.method))
        for r in frame.itertuples(index=False)
    }


def test_cross_source_links_equal_the_local_engines(local, on_spark, tmp_path):
    # The matcher's links between the CRM and the ESP (sure, or mutual best above the lower
    # floor), with their evidence and method, as the local matcher gives them.
    want = _link_rows(local.match.links)
    assert any(m == "fuzzy" for *_, m in want), "the generated pair has links not by email"
    assert on_spark.matched.links is not None
    assert _link_rows(on_spark.matched.links.toPandas()) == want
    assert on_spark.matched.stats["links"] == len(want)


def test_a_sampled_training_set_gives_the_local_clusters(spark, exports):
    # More candidate pairs than `train_pairs`: both engines learn on the same uniform
    # sample of the pairs in (lo, hi) order (the ranks Spark computes in hygiene/spark/rank).
    chosen = MatchSettings(train_pairs=1_500)
    local = hygiene.audit(*(f"{n}={p}" for n, p in exports.items()), decisions=False,
                          match=chosen)
    mine = audit(spark, {n: str(p) for n, p in exports.items()}, match_settings=chosen)
    assert mine.matched is not None and mine.matched.stats["candidates"] > 1_500
    assert _spark_clusters(mine) == _local_clusters(local)


def test_pair_steps_sized_by_rows_give_the_local_clusters(spark, exports, local, monkeypatch):
    # The steps over pairs run with shuffles sized by rows (hygiene/spark/sizing): with a
    # few dozen pairs a task they spread over many partitions, and every answer must stay
    # the local engine's whatever the partitioning.
    import hygiene.spark.match as spark_match

    monkeypatch.setattr(spark_match, "PAIRS_PER_TASK", 40)
    monkeypatch.setattr(spark_match, "RECORDS_PER_TASK", 50)
    before = spark.conf.get("spark.sql.shuffle.partitions")
    mine = audit(spark, {n: str(p) for n, p in exports.items()})
    assert mine.matched is not None
    assert _spark_clusters(mine) == _local_clusters(local)
    assert mine.counts == local.counts().to_dict()
    assert spark.conf.get("spark.sql.shuffle.partitions") == before


def test_partitions_follow_the_rows(spark):
    from hygiene.spark.sizing import kept, partitions_for, shuffled_into

    cores = int(spark.sparkContext.defaultParallelism)
    assert partitions_for(spark, 0, 100) == cores
    assert partitions_for(spark, 100 * cores, 100) == cores
    assert partitions_for(spark, 100 * cores + 1, 100) == cores + 1
    assert partitions_for(spark, 10**8, 200_000) == max(cores, 500)
    frame = spark.range(1000)
    with pytest.raises(RuntimeError), kept(frame) as held:
        assert held.is_cached
        raise RuntimeError("a step failed")
    assert not frame.is_cached, "a kept frame is released whatever happens in its block"
    before = spark.conf.get("spark.sql.shuffle.partitions")
    frame = spark.range(1000)
    with shuffled_into(spark, 7):
        got = frame.groupBy((frame.id % 100).alias("k")).count().rdd.getNumPartitions()
    assert got == 7
    assert spark.conf.get("spark.sql.shuffle.partitions") == before
